"""The two token services of D6 and the check of both credentials on every API call.

Access tokens expire `token_ttl` seconds after issue; session tokens expire after
`session_idle_timeout` seconds without use. Both are stored in the database (a restart keeps
them) and bound to the account whose credentials obtained them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping

from hpl_sandbox.clock import Clock
from hpl_sandbox.config import Credentials, SandboxConfig
from hpl_sandbox.errors import ApiError
from hpl_sandbox.store import Store

ACCESS = "access"
SESSION = "session"


class OAuthError(Exception):
    """An RFC 6749 error answer of the token endpoint: `{"error", "error_description"}`."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def unauthorized(message: str) -> ApiError:
    return ApiError(401, message)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class Authenticator:
    def __init__(self, config: SandboxConfig, store: Store, clock: Clock) -> None:
        self._config = config
        self._store = store
        self._clock = clock

    @property
    def credentials(self) -> tuple[Credentials, ...]:
        return self._config.credentials

    def issue_access_token(self, authorization: str | None, form: Mapping[str, str]) -> dict[str, str | int]:
        """The client-credentials grant; the client authenticates by HTTP Basic or form fields."""
        pair = _basic_credentials(authorization)
        if pair is None and "client_id" in form:
            pair = (form.get("client_id", ""), form.get("client_secret", ""))
        client = next(
            (c for c in self.credentials if pair is not None and (c.client_id, c.client_secret) == pair),
            None,
        )
        if client is None:
            raise OAuthError(401, "invalid_client", "Unknown client or wrong client secret.")
        grant = form.get("grant_type")
        if grant is None:
            raise OAuthError(400, "invalid_request", "grant_type is required.")
        if grant != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", f"Only client_credentials is supported, not {grant!r}.")
        token = secrets.token_urlsafe(32)
        now = self._clock.now_ms()
        ttl = self._config.token_ttl
        self._store.execute(
            "INSERT INTO tokens (token, kind, account, expires_ms, last_used_ms) VALUES (?, ?, ?, ?, ?)",
            (token, ACCESS, client.account, now + ttl * 1000, now),
        )
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl}

    def _access_account(self, token: str | None) -> str:
        if token is None:
            raise unauthorized("Missing bearer access token")
        rows = self._store.query("SELECT account, expires_ms FROM tokens WHERE token = ? AND kind = ?", (token, ACCESS))
        if not rows:
            raise unauthorized("Unknown access token")
        account, expires_ms = rows[0]
        if self._clock.now_ms() >= expires_ms:
            raise unauthorized("The access token has expired")
        return str(account)

    def require_bearer(self, authorization: str | None) -> str:
        """The account of a valid `Authorization: Bearer` access token; 401 otherwise."""
        return self._access_account(bearer_token(authorization))

    def login(self, authorization: str | None, username: object, password: object) -> dict[str, str]:
        """M2M session login: needs a valid bearer token and a user of the same account."""
        account = self._access_account(bearer_token(authorization))
        user = next(
            (c for c in self.credentials if (c.username, c.password) == (username, password)),
            None,
        )
        if user is None or user.account != account:
            raise unauthorized("Invalid username or password")
        token = secrets.token_urlsafe(32)
        self._store.execute(
            "INSERT INTO tokens (token, kind, account, expires_ms, last_used_ms) VALUES (?, ?, ?, NULL, ?)",
            (token, SESSION, account, self._clock.now_ms()),
        )
        return {"sessionToken": token}

    def authenticate(self, headers: Mapping[str, str]) -> str:
        """The account that both credentials belong to; 401 when either is missing, unknown or
        expired, or when they belong to different accounts. A successful check counts as use."""
        account = self._access_account(bearer_token(headers.get("authorization")))
        session = headers.get("vz-m2m-token")
        if not session:
            raise unauthorized("Missing VZ-M2M-Token session token")
        rows = self._store.query(
            "SELECT account, last_used_ms FROM tokens WHERE token = ? AND kind = ?", (session, SESSION)
        )
        if not rows:
            raise unauthorized("Unknown VZ-M2M-Token session token")
        session_account, last_used_ms = rows[0]
        now = self._clock.now_ms()
        if now - last_used_ms > self._config.session_idle_timeout * 1000:
            raise unauthorized("The VZ-M2M-Token session token has expired")
        if session_account != account:
            raise unauthorized("The access token and the session token belong to different accounts")
        if now > last_used_ms:
            # Otherwise MAX() would leave the row as it is; skipping the write transaction is the
            # same state for a fraction of the cost (several calls share a millisecond under load).
            self._store.execute("UPDATE tokens SET last_used_ms = MAX(last_used_ms, ?) WHERE token = ?", (now, session))
        return account
