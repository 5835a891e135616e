"""Both ThingSpace credentials as one `httpx.Auth`: the OAuth2 access token and the M2M session token.

Tokens are fetched on the first call, cached, renewed shortly before the access token expires or
the session token idles out, and renewed once more when the service still answers 401. One lock
per flavour (thread, asyncio) makes concurrent calls wait for a single renewal instead of each
logging in: ThingSpace locks a contact after five failed logins in a row.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import logging
import math
import re
import threading
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from hpl.errors import AuthenticationError, InvalidResponseError, api_error_from_response, redact
from hpl.paths import LOGIN_PATH, TOKEN_PATH

log = logging.getLogger("hpl.auth")

# Renew this long before a deadline, so a token never expires between check and use; a short-lived
# token renews a tenth of its life ahead instead, or a 30 s token would be renewed before every call.
DEFAULT_MARGIN = 60.0
MARGIN_SHARE = 0.1
SESSION_IDLE_TIMEOUT = 1200.0
# The request extension that carries the clock reading by which the whole call must be over.
DEADLINE_EXTENSION = "hpl_deadline"
# What a header value can carry as it is (visible ASCII); RFC 6750's b64token is a subset.
_TOKEN = re.compile(r"[\x21-\x7e]+")


def valid_token(value: str) -> bool:
    """Whether `value` can travel as a header value without being changed or refused."""
    return _TOKEN.fullmatch(value) is not None


def margin_for(lifetime: float, margin: float = DEFAULT_MARGIN) -> float:
    return min(margin, lifetime * MARGIN_SHARE)


def _lifetime(expires_in: object) -> float:
    """`expires_in` of an OAuth2 answer as seconds; unknown or nonsense means no known expiry."""
    if isinstance(expires_in, str) and expires_in.strip().isascii() and expires_in.strip().isdigit():
        expires_in = int(expires_in.strip())
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        return float("inf")
    try:
        lifetime = float(expires_in)
    except OverflowError:
        return float("inf")
    return lifetime if math.isfinite(lifetime) and lifetime >= 0 else float("inf")


@dataclass(frozen=True)
class Credentials:
    """What it takes to obtain both tokens. Secrets stay out of the repr."""

    client_id: str
    client_secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)


class _LockStep(enum.Enum):
    ACQUIRE = "acquire"
    RELEASE = "release"


_ACQUIRE, _RELEASE = _LockStep.ACQUIRE, _LockStep.RELEASE
_FlowStep = httpx.Request | _LockStep


@dataclass
class _Tokens:
    access_token: str | None = None
    access_deadline: float = float("inf")
    access_margin: float = DEFAULT_MARGIN
    session_token: str | None = None
    session_last_used: float = 0.0
    # Bumped on every renewal: a request that failed with an older generation just retries.
    generation: int = 0


def _timeout_of(request: httpx.Request) -> dict[str, object]:
    # A hand-built request carries no timeout; without this a token request could hang forever,
    # or outlast the deadline of the call it serves.
    return {key: request.extensions[key] for key in ("timeout", DEADLINE_EXTENSION) if key in request.extensions}


class _DeadlineStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that stops with a timeout once the call's deadline has passed.

    httpx's read timeout bounds each read, so a body dripped a byte at a time never trips it;
    checking the clock between chunks bounds the whole body.
    """

    def __init__(
        self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, deadline: float, clock: Callable[[], float]
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._clock = clock

    def _check(self) -> None:
        if self._clock() >= self._deadline:
            raise httpx.ReadTimeout("the call's deadline passed while the body was arriving")

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._inner, httpx.SyncByteStream)
        for chunk in self._inner:
            self._check()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._inner, httpx.AsyncByteStream)
        async for chunk in self._inner:
            self._check()
            yield chunk

    def close(self) -> None:
        if isinstance(self._inner, httpx.SyncByteStream):
            self._inner.close()

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncByteStream):
            await self._inner.aclose()


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
        for name, token in (("access_token", access_token), ("session_token", session_token)):
            if token is not None and not valid_token(token):
                # Never the value itself: it is a secret.
                raise ValueError(f"{name} is not a valid header value (visible ASCII characters only)")
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

    def redact(self, text: str) -> str:
        """`text` without the tokens and secrets this auth holds."""
        tokens, credentials = self._tokens, self.credentials
        secrets = [tokens.access_token, tokens.session_token]
        if credentials is not None:
            secrets += [credentials.client_secret, credentials.password]
        return redact(text, secrets)

    def _renewal_due(self) -> bool:
        if self.credentials is None:
            return False
        now = self._clock()
        return self._access_stale(now) or self._session_stale(now)

    def _access_stale(self, now: float) -> bool:
        tokens = self._tokens
        return tokens.access_token is None or now >= tokens.access_deadline - tokens.access_margin

    def _session_stale(self, now: float) -> bool:
        idle = now - self._tokens.session_last_used
        margin = margin_for(self.session_idle_timeout, self.margin)
        return self._tokens.session_token is None or idle >= self.session_idle_timeout - margin

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
        token = self._checked_token(body.get("access_token"), "OAuth2 token answer", "access_token", response)
        lifetime = _lifetime(body.get("expires_in"))
        self._tokens.access_token = token
        self._tokens.access_deadline = self._clock() + lifetime
        self._tokens.access_margin = margin_for(lifetime, self.margin)
        log.debug("obtained an OAuth2 access token valid for %s s", lifetime)

    def _store_session_token(self, response: httpx.Response) -> None:
        body = self._token_body(response, "M2M session login")
        token = self._checked_token(body.get("sessionToken"), "M2M login answer", "sessionToken", response)
        self._tokens.session_token = token
        self._tokens.session_last_used = self._clock()
        log.debug("obtained an M2M session token")

    @staticmethod
    def _checked_token(token: object, what: str, field: str, response: httpx.Response) -> str:
        # Surrounding whitespace is not part of a header value; anything else odd is refused here,
        # before httpx would refuse it with the token in its message.
        if not isinstance(token, str) or not token.strip():
            raise InvalidResponseError(f"{what} has no {field}", response=response, withhold_body=True)
        token = token.strip()
        if not valid_token(token):
            raise InvalidResponseError(
                f"{what} has a {field} that cannot be sent as a header (visible ASCII characters only)",
                response=response,
                withhold_body=True,
            )
        return token

    def _token_body(self, response: httpx.Response, what: str) -> dict[str, object]:
        if response.status_code != 200:
            error = api_error_from_response(response)
            if isinstance(error, AuthenticationError) or response.status_code == 400:
                raise AuthenticationError(
                    status_code=response.status_code,
                    error_code=error.error_code,
                    error_message=self.redact(f"{what} refused: {error.error_message}"),
                    response=response,
                    text=self.redact(error.text),
                )
            error.error_message = self.redact(error.error_message)
            error.text = self.redact(error.text)
            error.args = (self.redact(str(error)),)
            raise error
        try:
            body = response.json()
        except (ValueError, RecursionError) as exc:
            raise InvalidResponseError(
                f"{what} answered with a body that is not JSON", response=response, withhold_body=True
            ) from exc
        if not isinstance(body, dict):
            raise InvalidResponseError(
                f"{what} answered with a body that is not an object", response=response, withhold_body=True
            )
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
    # transport, proxies and timeouts. `_flow` is the whole flow, written once; it asks for the
    # renewal lock with `_ACQUIRE` / `_RELEASE` so that the sync and async flavours differ only in
    # which lock they take and how they read a body. The lock is held across the token requests:
    # httpx drives an auth flow to its end or closes it, and closing releases the lock.

    def _flow(self, request: httpx.Request) -> Generator[_FlowStep, httpx.Response | None]:
        if self._renewal_due():
            yield _ACQUIRE
            yield from self._renewal(force=False, seen_generation=None, template=request)
            generation = self._apply(request)
            yield _RELEASE
        else:
            # Checked again under the lock by `_renewal` whenever it is due, so a racing reader
            # at worst takes the lock for nothing; the common case takes no lock at all.
            generation = self._apply(request)
        response = yield request
        if response is None or response.status_code != 401 or self.credentials is None:
            return
        yield _ACQUIRE
        yield from self._renewal(force=True, seen_generation=generation, template=request)
        self._apply(request)
        yield _RELEASE
        yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        flow = self._flow(request)
        held = False
        try:
            step = next(flow)
            while True:
                if step is _ACQUIRE:
                    self._thread_lock.acquire()
                    held = True
                    step = next(flow)
                elif step is _RELEASE:
                    self._thread_lock.release()
                    held = False
                    step = next(flow)
                else:
                    assert isinstance(step, httpx.Request)
                    response = yield step
                    self._bound(response)
                    if step is not request:
                        response.read()
                    step = flow.send(response)
        except StopIteration:
            return
        finally:
            if held:
                self._thread_lock.release()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        lock = self._async_lock()
        flow = self._flow(request)
        held = False
        try:
            step = next(flow)
            while True:
                if step is _ACQUIRE:
                    await lock.acquire()
                    held = True
                    step = next(flow)
                elif step is _RELEASE:
                    lock.release()
                    held = False
                    step = next(flow)
                else:
                    assert isinstance(step, httpx.Request)
                    response = yield step
                    self._bound(response)
                    if step is not request:
                        await response.aread()
                    step = flow.send(response)
        except StopIteration:
            return
        finally:
            if held:
                lock.release()

    def _bound(self, response: httpx.Response) -> None:
        # Every answer passes through the auth flow before its body is read: the one place where
        # the sync and async clients can bound the reading of token and report bodies alike.
        deadline = response.request.extensions.get(DEADLINE_EXTENSION)
        if deadline is not None:
            response.stream = _DeadlineStream(response.stream, deadline, self._clock)

    def _async_lock(self) -> asyncio.Lock:
        # asyncio locks belong to one event loop; a client used from several loops gets one each.
        loop = asyncio.get_running_loop()
        lock = self._async_locks.get(loop)
        if lock is None:
            lock = self._async_locks[loop] = asyncio.Lock()
        return lock
