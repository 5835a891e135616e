"""The two token services of D6 and the check of both credentials on every API call.

Access tokens expire `token_ttl` seconds after issue; session tokens expire after
`session_idle_timeout` seconds without use. Both are stored in the database (a restart keeps
them) and bound to the account whose credentials obtained them.

The database is the record; the authenticator keeps what it read or wrote in memory, because two
look-ups and a write transaction per call were a tenth of a report's cost. A session's last use is
exact in memory and written back at most once a second (and on shutdown), so a sandbox killed
without a shutdown may idle a session out up to a second early after its restart. Another process
on the same file may have used a session since: before refusing one as idle, the record is read
again.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from hpl_sandbox.clock import Clock
from hpl_sandbox.config import Credentials, SandboxConfig
from hpl_sandbox.errors import ApiError
from hpl_sandbox.store import Store

ACCESS = "access"
SESSION = "session"
# How far a session's last use in the database may lag behind the one in memory.
WRITE_BACK_MS = 1000
# Past this many remembered tokens, the expired ones are forgotten (the database keeps them).
PRUNE_ABOVE = 4096


@dataclass
class _Session:
    account: str
    last_used_ms: int
    stored_ms: int


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
        self._access: dict[str, tuple[str, int]] = {}
        self._sessions: dict[str, _Session] = {}

    def forget(self) -> None:
        """Drops what is remembered; for when the tokens table was emptied."""
        self._access.clear()
        self._sessions.clear()

    def flush(self) -> None:
        """Writes every session's last use that the database does not have yet."""
        pending = [(s.last_used_ms, token) for token, s in self._sessions.items() if s.last_used_ms > s.stored_ms]
        if pending:
            with self._store.transaction() as db:
                db.executemany("UPDATE tokens SET last_used_ms = MAX(last_used_ms, ?) WHERE token = ?", pending)
            for last_used_ms, token in pending:
                self._sessions[token].stored_ms = last_used_ms

    def _prune(self, now: int) -> None:
        if len(self._access) > PRUNE_ABOVE:
            self._access = {t: entry for t, entry in self._access.items() if entry[1] > now}
        if len(self._sessions) > PRUNE_ABOVE:
            self.flush()
            idle_ms = self._config.session_idle_timeout * 1000
            self._sessions = {t: s for t, s in self._sessions.items() if now - s.last_used_ms <= idle_ms}

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
        self._prune(now)
        self._access[token] = (client.account, now + ttl * 1000)
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl}

    def _access_account(self, token: str | None) -> str:
        if token is None:
            raise unauthorized("Missing bearer access token")
        entry = self._access.get(token)
        if entry is None:
            rows = self._store.query(
                "SELECT account, expires_ms FROM tokens WHERE token = ? AND kind = ?", (token, ACCESS)
            )
            if not rows:
                raise unauthorized("Unknown access token")
            entry = self._access[token] = (str(rows[0][0]), int(rows[0][1]))
        account, expires_ms = entry
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
        now = self._clock.now_ms()
        self._store.execute(
            "INSERT INTO tokens (token, kind, account, expires_ms, last_used_ms) VALUES (?, ?, ?, NULL, ?)",
            (token, SESSION, account, now),
        )
        self._prune(now)
        self._sessions[token] = _Session(account, now, now)
        return {"sessionToken": token}

    def _stored_session(self, token: str) -> _Session | None:
        rows = self._store.query(
            "SELECT account, last_used_ms FROM tokens WHERE token = ? AND kind = ?", (token, SESSION)
        )
        if not rows:
            return None
        account, last_used_ms = str(rows[0][0]), int(rows[0][1])
        return _Session(account, last_used_ms, last_used_ms)

    def authenticate(self, headers: Mapping[str, str]) -> str:
        """The account that both credentials belong to; 401 when either is missing, unknown or
        expired, or when they belong to different accounts. A successful check counts as use."""
        account = self._access_account(bearer_token(headers.get("authorization")))
        token = headers.get("vz-m2m-token")
        if not token:
            raise unauthorized("Missing VZ-M2M-Token session token")
        session = self._sessions.get(token)
        if session is None:
            session = self._stored_session(token)
            if session is None:
                raise unauthorized("Unknown VZ-M2M-Token session token")
            self._sessions[token] = session
        now = self._clock.now_ms()
        idle_ms = self._config.session_idle_timeout * 1000
        if now - session.last_used_ms > idle_ms:
            stored = self._stored_session(token)
            if stored is not None and stored.last_used_ms > session.last_used_ms:
                session.last_used_ms = session.stored_ms = stored.last_used_ms
            if now - session.last_used_ms > idle_ms:
                raise unauthorized("The VZ-M2M-Token session token has expired")
        if session.account != account:
            raise unauthorized("The access token and the session token belong to different accounts")
        if now > session.last_used_ms:
            session.last_used_ms = now
            if now - session.stored_ms >= WRITE_BACK_MS:
                self._store.execute(
                    "UPDATE tokens SET last_used_ms = MAX(last_used_ms, ?) WHERE token = ?", (now, token)
                )
                session.stored_ms = now
        return account
