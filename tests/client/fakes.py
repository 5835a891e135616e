"""An in-process stand-in for the token services and the API, for what the sandbox cannot stage:
undocumented statuses, malformed bodies, dropped connections, and exact request counts."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx

from hpl import Credentials

ORIGIN = "http://hpl.test"
BASE_URL = ORIGIN + "/api/hyper-precise/v1"
CREDENTIALS = Credentials(
    client_id="fake-client",
    client_secret="fake-client-secret-value",
    username="fake-user",
    password="fake-password-value",
)
SESSION_BODY = {"id": "709312034493372", "txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "sessions": []}

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": "application/json", **(headers or {})}
    )


class FakeService:
    """Issues numbered tokens and answers API calls from a script, then with `default`.

    Tokens look like `ACCESS-SECRET-<n>` and `SESSION-SECRET-<n>` so a test can look for them
    anywhere they must not be. `valid_generation` lets a test expire every token issued so far.
    """

    def __init__(self, script: list[Reply] | None = None, *, expires_in: int | None = 3600) -> None:
        self.script = list(script or [])
        self.token_script: list[httpx.Response] = []
        self.expires_in = expires_in
        self.lock = threading.Lock()
        self.token_requests: list[httpx.Request] = []
        self.login_requests: list[httpx.Request] = []
        self.api_requests: list[httpx.Request] = []
        self.issued = 0
        self.valid_from = 1
        self.default: Reply = lambda request: json_response(200, SESSION_BODY)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def expire_all(self) -> None:
        self.valid_from = self.issued + 1

    def _token_number(self, value: str | None, prefix: str) -> int:
        if value is None or not value.startswith(prefix):
            return 0
        try:
            return int(value.removeprefix(prefix))
        except ValueError:
            return 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            path = request.url.path
            if path == "/api/ts/v1/oauth2/token":
                self.token_requests.append(request)
                if self.token_script:
                    return self.token_script.pop(0)
                self.issued += 1
                body: dict[str, Any] = {"access_token": f"ACCESS-SECRET-{self.issued}", "token_type": "bearer"}
                if self.expires_in is not None:
                    body["expires_in"] = self.expires_in
                return json_response(200, body)
            if path == "/api/m2m/v1/session/login":
                self.login_requests.append(request)
                return json_response(200, {"sessionToken": f"SESSION-SECRET-{self.issued}"})
            self.api_requests.append(request)
            bearer = self._token_number(request.headers.get("Authorization"), "Bearer ACCESS-SECRET-")
            session = self._token_number(request.headers.get("VZ-M2M-Token"), "SESSION-SECRET-")
            if min(bearer, session) < self.valid_from:
                return json_response(401, {"errorCode": "INVALID_ACCESS", "errorMessage": "Token expired"})
            reply = self.script.pop(0) if self.script else self.default
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)
