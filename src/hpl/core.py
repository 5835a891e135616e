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
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx

from hpl.auth import Credentials, HplAuth, token_endpoints
from hpl.errors import ApiError, NetworkError
from hpl.limits import SYNC_MAX_DEVICES, batches, split_range, utc
from hpl.operations import AggregateQuery, Operation
from hpl.operations import aggregate as aggregate_op
from hpl.operations import async_aggregate as async_aggregate_op
from hpl.operations import deregister as deregister_op
from hpl.operations import list_callbacks as list_callbacks_op
from hpl.operations import register as register_op
from hpl.operations import sessions as sessions_op
from hpl.reports import merge_aggregates, merge_sessions
from hpl.retry import RetryPolicy, is_retryable_status
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

API_PATH = "/api/hyper-precise/v1"
PRODUCTION_URL = "https://thingspace.verizon.com" + API_PATH
SANDBOX_ORIGIN = "http://127.0.0.1:8080"
SANDBOX_URL = SANDBOX_ORIGIN + API_PATH
# The sandbox's development credentials for account 0844021539-00001 (docs/sandbox-interface.md).
SANDBOX_CREDENTIALS = Credentials(
    client_id="sandbox-client-1",
    client_secret="sandbox-secret-1",
    username="sandbox-user-1",
    password="sandbox-password-1",
)
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_CONCURRENCY = 4

# Failures where the request provably never reached the service: safe to retry even for an
# operation that must not run twice.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


def resolve_base_url(base_url: str | None = None, *, sandbox: bool | str = False) -> str:
    """The HPL base URL: production by default, the local sandbox, or what was given.

    A URL with no path (`http://127.0.0.1:9000`) gets the HPL API path appended.
    """
    if base_url is not None and sandbox:
        raise ValueError("give either base_url or sandbox, not both")
    if isinstance(sandbox, str):
        base_url = sandbox
    elif sandbox:
        base_url = SANDBOX_URL
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
    order); `retry_unsafe` lets a non-idempotent operation be sent again.
    """

    operations: Sequence[Operation[P]]
    combine: Callable[[list[P]], R]
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


def network_error(exc: httpx.TransportError) -> NetworkError:
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    # The URL without its query: nothing secret is in it today, and nothing should leak tomorrow.
    where = f"{request.method} {request.url.copy_with(query=None)}" if request is not None else "request"
    return NetworkError(f"{where} failed: {type(exc).__name__}: {exc or 'no detail'}", cause=exc)


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
        self.retry = retry if retry is not None else RetryPolicy()
        self.concurrency = concurrency
        self.now = now
        self.clock = clock
        # Filled in by the executor, which alone knows whether it is the sync or the async flavour.
        self.raw: RawClient

    def raw_client(self, transport: Any, httpx_args: dict[str, Any] | None) -> RawClient:
        args: dict[str, Any] = {"auth": self.auth, **(httpx_args or {})}
        if transport is not None:
            args["transport"] = transport
        self.raw = RawClient(base_url=self.base_url, timeout=self.timeout, httpx_args=args)
        return self.raw

    # -- plans -----------------------------------------------------------------------------------

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
        return Plan(operations, _sessions_result)

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
        return Plan(operations, _aggregate_result, concurrency=concurrency or self.concurrency)

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
        operation = async_aggregate_op(self.raw, query, portal_initiated=portal_initiated)
        return Plan([operation], _only, retry_unsafe=retry)

    def list_callbacks(self, *, account_number: str) -> Plan[list[CallbackCreated], list[CallbackCreated]]:
        return Plan([list_callbacks_op(self.raw, account_number=account_number)], _only)

    def register_callback(
        self, *, account_number: str, name: str, url: str
    ) -> Plan[CallbackRegistered, CallbackRegistered]:
        return Plan([register_op(self.raw, account_number=account_number, name=name, url=url)], _only)

    def deregister_callback(self, *, account_number: str, name: str) -> Plan[None, None]:
        return Plan([deregister_op(self.raw, account_number=account_number, name=name)], _deregistered)

    # -- one operation, its retries included -----------------------------------------------------

    def exchange(self, operation: Operation[T], *, retry_unsafe: bool = False) -> Exchange[T]:
        """Send `operation` until it succeeds or must stop; the generator's value is the result."""
        for attempt in itertools.count():
            try:
                response = yield Send(operation.request)
            except httpx.TransportError as exc:
                delay = self._retry_delay(operation, attempt, retry_unsafe, error=exc)
                if delay is None:
                    raise network_error(exc) from exc
            except ApiError as exc:
                delay = self._retry_delay(operation, attempt, retry_unsafe, error=exc)
                if delay is None:
                    raise
            else:
                delay = self._retry_delay(operation, attempt, retry_unsafe, response=response)
                if delay is None:
                    return operation.parse(response)
            yield Sleep(delay)
        raise AssertionError("unreachable: itertools.count() does not end")

    def _retry_delay(
        self,
        operation: Operation[Any],
        attempt: int,
        retry_unsafe: bool,
        *,
        error: Exception | None = None,
        response: httpx.Response | None = None,
    ) -> float | None:
        """How long to wait before sending `operation` again, or None to stop and report.

        An `ApiError` here comes from the token services, before the operation itself went out, so
        retrying it is safe for every operation; so is a connection that was never made.
        """
        policy = self.retry
        if attempt + 1 >= policy.attempts:
            return None
        repeat_ok = operation.idempotent or retry_unsafe
        if isinstance(error, ApiError):
            if not is_retryable_status(error.status_code):
                return None
            delay, reason = policy.delay(attempt, error.response), f"token service HTTP {error.status_code}"
        elif isinstance(error, httpx.TransportError):
            if not (repeat_ok or isinstance(error, _NOT_SENT)):
                return None
            delay, reason = policy.delay(attempt), type(error).__name__
        elif response is not None:
            if not (repeat_ok and is_retryable_status(response.status_code)):
                return None
            delay, reason = policy.delay(attempt, response), f"HTTP {response.status_code}"
        else:
            return None
        log.info("retrying %s after %s in %.2f s", operation.operation_id, reason, delay)
        return delay


def _imei_batches(query: AggregateQuery) -> list[list[str]]:
    # An empty list means "all devices" and must go out as it is, not as zero batches.
    return list(batches(query.imeis, SYNC_MAX_DEVICES)) or [[]]


def _windows(
    start: dt.datetime | None, end: dt.datetime | None, *, now: dt.datetime, split: bool
) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    if not split or start is None:
        return [(start, end)]
    return list(split_range(utc(start), utc(end) if end is not None else now))
