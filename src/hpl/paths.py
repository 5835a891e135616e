"""Where the HPL API and its two token services live: paths on one origin (decision D1), and the
origins `hpl` knows. The one place these are written; the client, the sandbox, the tests and the
benchmarks import them from here. It imports nothing itself."""

from __future__ import annotations

# The base path of every operation of openapi/hpl-device-reports.yaml (its `servers`).
API_PATH = "/api/hyper-precise/v1"
# The OAuth2 client-credentials token and the M2M session login, on the API's origin (D1).
TOKEN_PATH = "/api/ts/v1/oauth2/token"
LOGIN_PATH = "/api/m2m/v1/session/login"

# The operations' paths below API_PATH, as the spec's `paths` name them.
SESSIONS_PATH = "/report/sessions"
AGGREGATE_PATH = "/report/aggregate"
ASYNC_AGGREGATE_PATH = "/report/async/aggregate"
CALLBACKS_PATH = "/callbacks"

PRODUCTION_ORIGIN = "https://thingspace.verizon.com"
# Where `hpl-sandbox serve` listens by default.
SANDBOX_ORIGIN = "http://127.0.0.1:8080"
