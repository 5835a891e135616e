"""Both ThingSpace credentials as one `httpx.Auth`: the OAuth2 access token and the M2M session token.

Tokens are fetched on the first call, cached, renewed shortly before the access token expires or
the session token idles out, and renewed once more when the service still answers 401. One lock
per flavour (thread, asyncio) makes concurrent calls wait for a single renewal instead of each
logging in: ThingSpace locks a contact after five failed logins in a row.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from hpl.errors import AuthenticationError, InvalidResponseError, api_error_from_response
from hpl.paths import LOGIN_PATH, TOKEN_PATH

log = logging.getLogger("hpl.auth")

# Renew this long before a deadline, so a token never expires between check and use.
DEFAULT_MARGIN = 60.0
SESSION_IDLE_TIMEOUT = 1200.0


@dataclass(frozen=True)
class Credentials:
    """What it takes to obtain both tokens. Secrets stay out of the repr."""

    client_id: str
    client_secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)


@dataclass
class _Tokens:
    access_token: str | None = None
    access_deadline: float = float("inf")
    session_token: str | None = None
    session_last_used: float = 0.0
    # Bumped on every renewal: a request that failed with an older generation just retries.
    generation: int = 0


def _timeout_of(request: httpx.Request) -> dict[str, object]:
    # A hand-built request carries no timeout; without this a token request could hang forever.
    timeout = request.extensions.get("timeout")
    return {"timeout": timeout} if timeout is not None else {}


def token_endpoints(base_url: str) -> tuple[str, str]:
    """The token and login URLs on the origin of the HPL base URL (decision D1)."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin + TOKEN_PATH, origin + LOGIN_PATH


class HplAuth(httpx.Auth):
    """Adds `Authorization: Bearer …` and `VZ-M2M-Token: …` to every request.

    Give `credentials` to let it fetch and renew tokens, or ready `access_token` and
    `session_token` to use as they are (they cannot be renewed then).
    """

    def __init__(
        self,
        *,
        token_url: str,
        login_url: str,
        credentials: Credentials | None = None,
        access_token: str | None = None,
        session_token: str | None = None,
        margin: float = DEFAULT_MARGIN,
        session_idle_timeout: float = SESSION_IDLE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if credentials is None and (access_token is None or session_token is None):
            raise ValueError("give credentials, or both an access token and a session token")
        self.token_url = token_url
        self.login_url = login_url
        self.credentials = credentials
        self.margin = margin
        self.session_idle_timeout = session_idle_timeout
        self._clock = clock
        now = clock()
        self._tokens = _Tokens(
            access_token=access_token,
            session_token=session_token,
            session_last_used=now,
        )
        self._thread_lock = threading.Lock()
        self._async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        # How many times tokens were fetched (either or both); for tests and metrics.
        self.renewals = 0

    def __repr__(self) -> str:
        who = self.credentials.client_id if self.credentials else "ready tokens"
        return f"HplAuth({who!r}, token_url={self.token_url!r})"

    # -- what needs renewing -------------------------------------------------------------------

    def _access_stale(self, now: float) -> bool:
        return self._tokens.access_token is None or now >= self._tokens.access_deadline - self.margin

    def _session_stale(self, now: float) -> bool:
        idle = now - self._tokens.session_last_used
        return self._tokens.session_token is None or idle >= self.session_idle_timeout - self.margin

    def _renewal(
        self, *, force: bool, seen_generation: int | None, template: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response]:
        """Yield the token requests that bring the cache up to date; receive their responses.

        Runs under the lock. With `force`, renews both tokens unless another caller already
        renewed since `seen_generation`.
        """
        tokens = self._tokens
        if force and seen_generation is not None and tokens.generation != seen_generation:
            return
        now = self._clock()
        renew_access = force or self._access_stale(now)
        renew_session = force or renew_access or self._session_stale(now)
        if not (renew_access or renew_session):
            return
        if self.credentials is None:
            # Ready tokens cannot be renewed; the service's 401 will say they are stale.
            return
        if renew_access:
            response = yield self._token_request(self.credentials, template)
            self._store_access_token(response)
        response = yield self._login_request(self.credentials, template)
        self._store_session_token(response)
        tokens.generation += 1
        self.renewals += 1

    def _token_request(self, credentials: Credentials, template: httpx.Request) -> httpx.Request:
        basic = base64.b64encode(f"{credentials.client_id}:{credentials.client_secret}".encode()).decode()
        return httpx.Request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
            extensions=_timeout_of(template),
        )

    def _login_request(self, credentials: Credentials, template: httpx.Request) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.login_url,
            json={"username": credentials.username, "password": credentials.password},
            headers={"Authorization": f"Bearer {self._tokens.access_token}", "Accept": "application/json"},
            extensions=_timeout_of(template),
        )

    def _store_access_token(self, response: httpx.Response) -> None:
        body = self._token_body(response, "OAuth2 token request")
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise InvalidResponseError("OAuth2 token answer has no access_token", response=response)
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else float("inf")
        self._tokens.access_token = token
        self._tokens.access_deadline = self._clock() + lifetime
        log.debug("obtained an OAuth2 access token valid for %s s", lifetime)

    def _store_session_token(self, response: httpx.Response) -> None:
        body = self._token_body(response, "M2M session login")
        token = body.get("sessionToken")
        if not isinstance(token, str) or not token:
            raise InvalidResponseError("M2M login answer has no sessionToken", response=response)
        self._tokens.session_token = token
        self._tokens.session_last_used = self._clock()
        log.debug("obtained an M2M session token")

    @staticmethod
    def _token_body(response: httpx.Response, what: str) -> dict[str, object]:
        if response.status_code != 200:
            error = api_error_from_response(response)
            if isinstance(error, AuthenticationError) or response.status_code == 400:
                raise AuthenticationError(
                    status_code=response.status_code,
                    error_code=error.error_code,
                    error_message=f"{what} refused: {error.error_message}",
                    response=response,
                    text=error.text,
                )
            raise error
        try:
            body = response.json()
        except ValueError:
            raise InvalidResponseError(f"{what} answered with a body that is not JSON", response=response) from None
        if not isinstance(body, dict):
            raise InvalidResponseError(f"{what} answered with a body that is not an object", response=response)
        return body

    def _apply(self, request: httpx.Request) -> int:
        tokens = self._tokens
        request.headers["Authorization"] = f"Bearer {tokens.access_token}"
        request.headers["VZ-M2M-Token"] = f"{tokens.session_token}"
        tokens.session_last_used = self._clock()
        return tokens.generation

    # -- the two flows ---------------------------------------------------------------------------
    #
    # Token requests are yielded to the same httpx client as the report call, so they use its
    # transport, proxies and timeouts. The lock is held across those yields: httpx drives an
    # auth flow to its end or closes it, and closing releases the lock.

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        with self._thread_lock:
            yield from self._drive_sync(self._renewal(force=False, seen_generation=None, template=request))
            generation = self._apply(request)
        response = yield request
        if response.status_code != 401 or self.credentials is None:
            return
        with self._thread_lock:
            yield from self._drive_sync(self._renewal(force=True, seen_generation=generation, template=request))
            self._apply(request)
        yield request

    @staticmethod
    def _drive_sync(
        renewal: Generator[httpx.Request, httpx.Response],
    ) -> Generator[httpx.Request, httpx.Response]:
        try:
            token_request = next(renewal)
            while True:
                response = yield token_request
                response.read()
                token_request = renewal.send(response)
        except StopIteration:
            return

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        lock = self._async_lock()
        async with lock:
            renewal = self._renewal(force=False, seen_generation=None, template=request)
            try:
                token_request = next(renewal)
                while True:
                    response = yield token_request
                    await response.aread()
                    token_request = renewal.send(response)
            except StopIteration:
                pass
            generation = self._apply(request)
        response = yield request
        if response.status_code != 401 or self.credentials is None:
            return
        async with lock:
            renewal = self._renewal(force=True, seen_generation=generation, template=request)
            try:
                token_request = next(renewal)
                while True:
                    response = yield token_request
                    await response.aread()
                    token_request = renewal.send(response)
            except StopIteration:
                pass
            self._apply(request)
        yield request

    def _async_lock(self) -> asyncio.Lock:
        # asyncio locks belong to one event loop; a client used from several loops gets one each.
        loop = asyncio.get_running_loop()
        lock = self._async_locks.get(loop)
        if lock is None:
            lock = self._async_locks[loop] = asyncio.Lock()
        return lock
