"""The client core that `Client` and `AsyncClient` share: settings, request plans and retry decisions.

Nothing here performs I/O or sleeps (the design of httpx's `BaseClient` and of the Stainless SDKs'
`_base_client.py`). A method call becomes a `Plan`: the operations to send (windows of a long
range, batches of a long IMEI list), how many may be in flight at once, and how their answers
combine. Each operation then runs as an `exchange`, a generator that yields `Send` and `Sleep`
steps and is told what each `Send` brought back; it decides whether to retry, how long to wait
and what to return or raise. The two executors in `hpl.client` only carry those steps out, one
with blocking calls and threads, the other with coroutines, so they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import uuid
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx

from hpl.auth import DEADLINE_EXTENSION, Credentials, HplAuth, token_endpoints
from hpl.errors import (
    ApiError,
    DeadlineExceededError,
    HplError,
    InvalidResponseError,
    NetworkError,
    api_error_from_response,
    retry_after_seconds,
)
from hpl.limits import SYNC_MAX_DEVICES, batches, split_range, utc
from hpl.operations import AggregateQuery, Operation
from hpl.operations import aggregate as aggregate_op
from hpl.operations import async_aggregate as async_aggregate_op
from hpl.operations import deregister as deregister_op
from hpl.operations import list_callbacks as list_callbacks_op
from hpl.operations import register as register_op
from hpl.operations import sessions as sessions_op

# Re-exported: the client and the command name them from here.
from hpl.paths import API_PATH as API_PATH
from hpl.paths import PRODUCTION_ORIGIN
from hpl.paths import SANDBOX_ORIGIN as SANDBOX_ORIGIN
from hpl.reports import merge_aggregates, merge_sessions
from hpl.retry import RetryPolicy, is_permanent, is_retryable_status
from hpl_client import Client as RawClient
from hpl_client.models import (
    AggregatedReportCallbackResult,
    AggregateSessionReport,
    CallbackCreated,
    CallbackRegistered,
    SessionReport,
)

T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")

log = logging.getLogger("hpl.client")

PRODUCTION_URL = PRODUCTION_ORIGIN + API_PATH
SANDBOX_URL = SANDBOX_ORIGIN + API_PATH


def sandbox_credentials(index: int = 1) -> Credentials:
    """The sandbox's default credentials of its development account `index` (1 or 2; see
    docs/sandbox-interface.md). Written here once: `hpl` needs them for `sandbox=True` and does not
    import the sandbox, whose `hpl_sandbox.facts` takes them from here."""
    return Credentials(
        client_id=f"sandbox-client-{index}",
        client_secret=f"sandbox-secret-{index}",
        username=f"sandbox-user-{index}",
        password=f"sandbox-password-{index}",
    )


SANDBOX_CREDENTIALS = sandbox_credentials(1)
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# The whole of one method call: requests, token fetches, retries, back-off and slow bodies.
DEFAULT_DEADLINE = 300.0
DEFAULT_CONCURRENCY = 4

# Failures where the request provably never reached the service: safe to retry even for an
# operation that must not run twice.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


def resolve_base_url(base_url: str | None = None, *, sandbox: bool | str = False) -> str:
    """The HPL base URL: production by default, the local sandbox, or what was given.

    `sandbox=True` means `$HPL_SANDBOX_URL` when set (as for `hpl --sandbox`), else the default
    sandbox. A URL with no path (`http://127.0.0.1:9000`) gets the HPL API path appended.
    """
    if base_url is not None and sandbox:
        raise ValueError("give either base_url or sandbox, not both")
    if isinstance(sandbox, str):
        base_url = sandbox
    elif sandbox:
        base_url = os.environ.get("HPL_SANDBOX_URL") or SANDBOX_URL
    if base_url is None:
        return PRODUCTION_URL
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base URL {base_url!r} is not an http(s) URL")
    if parts.path in ("", "/"):
        return base_url.rstrip("/") + API_PATH
    return base_url.rstrip("/")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- the steps an executor performs -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    """Send this request (keyword arguments of `httpx.Client.request`) and send back the response,
    or throw the exception that sending raised into the exchange."""

    request: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds, then resume the exchange."""

    seconds: float


Step = Send | Sleep
Exchange = Generator[Step, httpx.Response, T]


@dataclass(frozen=True)
class Plan(Generic[P, R]):
    """The requests of one method call and how their answers become its result.

    `concurrency` is how many operations may be in flight at once (1: one after another, in
    order); `retry_unsafe` lets a non-idempotent operation be sent again; `deadline` is the
    clock reading by which the whole call must be over.
    """

    operations: Sequence[Operation[P]]
    combine: Callable[[list[P]], R]
    deadline: float
    concurrency: int = 1
    retry_unsafe: bool = False


def _only(results: list[T]) -> T:
    return results[0]


def _sessions_result(reports: list[SessionReport]) -> SessionReport:
    return reports[0] if len(reports) == 1 else merge_sessions(reports)


def _aggregate_result(reports: list[AggregateSessionReport]) -> AggregateSessionReport:
    return reports[0] if len(reports) == 1 else merge_aggregates(reports)


def _deregistered(results: list[None]) -> None:
    return None


def network_error(exc: Exception, redact: Callable[[str], str]) -> NetworkError:
    """A `NetworkError` for an exception raised while sending or reading, without any secret."""
    request: httpx.Request | None = None
    if isinstance(exc, httpx.RequestError):
        try:
            request = exc.request
        except RuntimeError:
            request = None
    # The URL without its query: nothing secret is in it today, and nothing should leak tomorrow.
    where = f"{request.method} {request.url.copy_with(query=None)}" if request is not None else "request"
    detail = redact(str(exc)) or "no detail"
    return NetworkError(f"{where} failed: {type(exc).__name__}: {detail}", cause=exc)


class ClientCore:
    """What both clients resolve from their constructor arguments, and every decision they make."""

    def __init__(
        self,
        base_url: str | None,
        *,
        sandbox: bool | str,
        credentials: Credentials | None,
        client_id: str | None,
        client_secret: str | None,
        username: str | None,
        password: str | None,
        access_token: str | None,
        session_token: str | None,
        timeout: float | httpx.Timeout,
        retry: RetryPolicy | None,
        concurrency: int,
        clock: Callable[[], float],
        now: Callable[[], dt.datetime],
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.base_url = resolve_base_url(base_url, sandbox=sandbox)
        parts = (client_id, client_secret, username, password)
        if credentials is None and all(part is not None for part in parts):
            credentials = Credentials(*(part for part in parts if part is not None))
        elif credentials is None and any(part is not None for part in parts):
            missing = [
                name
                for name, part in zip(("client_id", "client_secret", "username", "password"), parts, strict=True)
                if part is None
            ]
            raise ValueError(f"incomplete credentials: {', '.join(missing)} missing")
        if credentials is None and access_token is None and session_token is None and sandbox:
            credentials = SANDBOX_CREDENTIALS
        if credentials is None and (access_token is None or session_token is None):
            raise ValueError(
                "no credentials: give client_id, client_secret, username and password "
                "(or access_token and session_token)"
            )
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not deadline > 0:
            raise ValueError("deadline must be above 0 seconds")
        token_url, login_url = token_endpoints(self.base_url)
        self.auth = HplAuth(
            token_url=token_url,
            login_url=login_url,
            credentials=credentials,
            access_token=access_token,
            session_token=session_token,
            clock=clock,
        )
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        phases = (self.timeout.connect, self.timeout.read, self.timeout.write, self.timeout.pool)
        # Below this many seconds left, each phase's timeout is cut to what is left of the deadline.
        self._longest_phase = max((phase for phase in phases if phase is not None), default=float("inf"))
        self.deadline = deadline
        self.retry = retry if retry is not None else RetryPolicy()
        self.concurrency = concurrency
        self.now = now
        self.clock = clock
        self._redact = self.auth.redact
        # Filled in by the executor, which alone knows whether it is the sync or the async flavour.
        self.raw: RawClient

    def raw_client(self, transport: Any, httpx_args: dict[str, Any] | None) -> RawClient:
        args: dict[str, Any] = {"auth": self.auth, **(httpx_args or {})}
        if transport is not None:
            args["transport"] = transport
        self.raw = RawClient(base_url=self.base_url, timeout=self.timeout, httpx_args=args)
        return self.raw

    # -- plans -----------------------------------------------------------------------------------

    def _deadline(self) -> float:
        return self.clock() + self.deadline

    def sessions(
        self,
        *,
        account_number: str,
        imei: str,
        start_date: dt.datetime | None,
        end_date: dt.datetime | None,
        duration_low: int | None,
        duration_high: int | None,
        split_range: bool,
    ) -> Plan[SessionReport, SessionReport]:
        now = self.now()
        operations = [
            sessions_op(
                self.raw,
                account_number=account_number,
                imei=imei,
                start_date=start,
                end_date=end,
                duration_low=duration_low,
                duration_high=duration_high,
                now=now,
            )
            for start, end in _windows(start_date, end_date, now=now, split=split_range)
        ]
        return Plan(operations, _sessions_result, self._deadline())

    def _query(
        self,
        *,
        account_number: str,
        imeis: Sequence[str],
        start_date: dt.datetime | None,
        end_date: dt.datetime | None,
        device_group: str | None,
        data_plan: str | None,
        no_sessions: bool | None,
    ) -> AggregateQuery:
        return AggregateQuery.checked(
            account_number=account_number,
            imeis=imeis,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_sessions=no_sessions,
            now=self.now(),
        )

    def aggregate(
        self,
        *,
        account_number: str,
        imeis: Sequence[str],
        start_date: dt.datetime | None,
        end_date: dt.datetime | None,
        device_group: str | None,
        data_plan: str | None,
        no_sessions: bool | None,
        concurrency: int | None,
    ) -> Plan[AggregateSessionReport, AggregateSessionReport]:
        query = self._query(
            account_number=account_number,
            imeis=imeis,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_sessions=no_sessions,
        )
        operations = [aggregate_op(self.raw, query.with_imeis(batch)) for batch in _imei_batches(query)]
        return Plan(operations, _aggregate_result, self._deadline(), concurrency=concurrency or self.concurrency)

    def start_async_aggregate(
        self,
        *,
        account_number: str,
        imeis: Sequence[str],
        start_date: dt.datetime | None,
        end_date: dt.datetime | None,
        device_group: str | None,
        data_plan: str | None,
        no_sessions: bool | None,
        portal_initiated: bool,
        retry: bool,
        idempotency_key: str | None,
    ) -> Plan[AggregatedReportCallbackResult, AggregatedReportCallbackResult]:
        query = self._query(
            account_number=account_number,
            imeis=imeis,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_sessions=no_sessions,
        )
        # One key per logical call, the same on each of its retries: that is what lets the service
        # tell a retry from a second report (D8).
        key = idempotency_key if idempotency_key is not None else str(uuid.uuid4())
        operation = async_aggregate_op(self.raw, query, portal_initiated=portal_initiated, idempotency_key=key)
        return Plan([operation], _only, self._deadline(), retry_unsafe=retry)

    def list_callbacks(self, *, account_number: str) -> Plan[list[CallbackCreated], list[CallbackCreated]]:
        return Plan([list_callbacks_op(self.raw, account_number=account_number)], _only, self._deadline())

    def register_callback(
        self, *, account_number: str, name: str, url: str
    ) -> Plan[CallbackRegistered, CallbackRegistered]:
        operation = register_op(self.raw, account_number=account_number, name=name, url=url)
        return Plan([operation], _only, self._deadline())

    def deregister_callback(self, *, account_number: str, name: str) -> Plan[None, None]:
        operation = deregister_op(self.raw, account_number=account_number, name=name)
        return Plan([operation], _deregistered, self._deadline())

    # -- one operation, its retries included -----------------------------------------------------

    def exchange(self, operation: Operation[T], *, deadline: float, retry_unsafe: bool = False) -> Exchange[T]:
        """Send `operation` until it succeeds or must stop; the generator's value is the result."""
        last: Exception | None = None
        for attempt in itertools.count():
            request = self._request(operation, deadline, last)
            try:
                response = yield Send(request)
            except ApiError as exc:
                # From the token services, before the operation itself went out.
                stop = self._retry_delay(operation, attempt, retry_unsafe, deadline, error=exc)
                if stop is None:
                    raise
                last = exc
            except (httpx.HTTPError, UnicodeError) as exc:
                failure = self._failure(exc, deadline)
                stop = self._retry_delay(operation, attempt, retry_unsafe, deadline, error=exc)
                if stop is None:
                    raise failure from exc
                last = failure
            else:
                stop = self._retry_delay(operation, attempt, retry_unsafe, deadline, response=response)
                if stop is None:
                    return self._parse(operation, response)
                last = None
            yield Sleep(stop)
        raise AssertionError("unreachable: itertools.count() does not end")

    def _request(self, operation: Operation[Any], deadline: float, last: Exception | None) -> dict[str, Any]:
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise DeadlineExceededError(
                f"{operation.operation_id} did not finish within its deadline of {self.deadline:g} s",
                cause=last,
            ) from last
        extensions = {DEADLINE_EXTENSION: deadline}
        if remaining >= self._longest_phase:
            return {**operation.request, "extensions": extensions}
        return {**operation.request, "extensions": extensions, "timeout": _cut(self.timeout, remaining)}

    def _failure(self, exc: Exception, deadline: float) -> NetworkError:
        if self.clock() >= deadline:
            return DeadlineExceededError(
                f"the call did not finish within its deadline of {self.deadline:g} s "
                f"({type(exc).__name__}: {self._redact(str(exc)) or 'no detail'})",
                cause=exc,
            )
        return network_error(exc, self._redact)

    @staticmethod
    def _parse(operation: Operation[T], response: httpx.Response) -> T:
        try:
            return operation.parse(response)
        except HplError:
            raise
        except Exception as exc:
            # The parsers map every failure they know of; this keeps the promise for the rest.
            raise InvalidResponseError(
                f"HTTP {response.status_code} answer could not be read ({type(exc).__name__})", response=response
            ) from exc

    def _retry_delay(
        self,
        operation: Operation[Any],
        attempt: int,
        retry_unsafe: bool,
        deadline: float,
        *,
        error: Exception | None = None,
        response: httpx.Response | None = None,
    ) -> float | None:
        """How long to wait before sending `operation` again, or None to stop and report.

        An `ApiError` here comes from the token services, before the operation itself went out, so
        retrying it is safe for every operation; so is a connection that was never made. A wait
        that would end past the deadline is not begun: the last error is worth more than a timeout.
        """
        policy = self.retry
        if attempt + 1 >= policy.attempts:
            return None
        repeat_ok = operation.idempotent or retry_unsafe
        answer = response
        if isinstance(error, ApiError):
            if not is_retryable_status(error.status_code):
                return None
            answer, reason = error.response, f"token service HTTP {error.status_code}"
        elif error is not None:
            if not (repeat_ok or isinstance(error, _NOT_SENT)) or self.clock() >= deadline:
                return None
            reason = type(error).__name__
        elif response is not None:
            if not (repeat_ok and is_retryable_status(response.status_code)):
                return None
            if response.status_code == 500 and is_permanent(api_error_from_response(response)):
                return None
            reason = f"HTTP {response.status_code}"
        else:
            return None
        if answer is not None:
            asked = retry_after_seconds(answer)
            if asked is not None and asked > policy.max_retry_after:
                return None
        delay = policy.delay(attempt, answer)
        if self.clock() + delay >= deadline:
            return None
        log.info("retrying %s after %s in %.2f s", operation.operation_id, reason, delay)
        return delay


def _cut(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    def cut(phase: float | None) -> float:
        return remaining if phase is None else min(phase, remaining)

    return httpx.Timeout(
        connect=cut(timeout.connect), read=cut(timeout.read), write=cut(timeout.write), pool=cut(timeout.pool)
    )


def _imei_batches(query: AggregateQuery) -> list[list[str]]:
    # An empty list means "all devices" and must go out as it is, not as zero batches.
    return list(batches(query.imeis, SYNC_MAX_DEVICES)) or [[]]


def _windows(
    start: dt.datetime | None, end: dt.datetime | None, *, now: dt.datetime, split: bool
) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    if not split or start is None:
        return [(start, end)]
    return list(split_range(utc(start), utc(end) if end is not None else now))
