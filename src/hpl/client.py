"""`Client` and `AsyncClient`: one method per operation, with auth, typed errors, retries and limits.

Both are thin loops around `hpl.operations`: build the request, send it through an `httpx`
client that carries `HplAuth`, retry what may be retried, parse or raise. The generated client
stays reachable as `.raw` for anyone who wants the bare operations.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Self, TypeVar
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
from hpl.paths import API_PATH, PRODUCTION_ORIGIN, SANDBOX_ORIGIN
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

log = logging.getLogger("hpl.client")

PRODUCTION_URL = PRODUCTION_ORIGIN + API_PATH
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


class _Settings:
    """What both clients resolve from their constructor arguments."""

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

    def raw_client(self, transport: Any, httpx_args: dict[str, Any] | None) -> RawClient:
        args: dict[str, Any] = {"auth": self.auth, **(httpx_args or {})}
        if transport is not None:
            args["transport"] = transport
        return RawClient(base_url=self.base_url, timeout=self.timeout, httpx_args=args)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _network_error(exc: httpx.TransportError) -> NetworkError:
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    # The URL without its query: nothing secret is in it today, and nothing should leak tomorrow.
    where = f"{request.method} {request.url.copy_with(query=None)}" if request is not None else "request"
    return NetworkError(f"{where} failed: {type(exc).__name__}: {exc or 'no detail'}", cause=exc)


def _retry_delay(
    policy: RetryPolicy,
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


class Client:
    """The synchronous client.

    >>> with Client(sandbox=True) as hpl:                     # doctest: +SKIP
    ...     hpl.sessions(account_number="0844021539-00001", imei="709312034493372")

    `transport` is the `httpx.BaseTransport` every request (token calls included) goes through,
    e.g. `hpl_sandbox.testing.InProcessTransport` to reach a sandbox in this process or an
    `httpx.MockTransport`; by default httpx's own HTTP transport. `httpx_args` are passed to the
    underlying `httpx.Client`.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        sandbox: bool | str = False,
        credentials: Credentials | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        username: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        session_token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        transport: httpx.BaseTransport | None = None,
        httpx_args: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._settings = _Settings(
            base_url,
            sandbox=sandbox,
            credentials=credentials,
            client_id=client_id,
            client_secret=client_secret,
            username=username,
            password=password,
            access_token=access_token,
            session_token=session_token,
            timeout=timeout,
            retry=retry,
            concurrency=concurrency,
            clock=clock,
            now=now,
        )
        self.base_url = self._settings.base_url
        self.auth = self._settings.auth
        self.retry = self._settings.retry
        self.raw = self._settings.raw_client(transport, httpx_args)
        self._http = self.raw.get_httpx_client()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, auth={self.auth!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, operation: Operation[T], *, retry_unsafe: bool = False) -> T:
        for attempt in itertools.count():
            try:
                response = self._http.request(**operation.request)
            except httpx.TransportError as exc:
                delay = _retry_delay(self.retry, operation, attempt, retry_unsafe, error=exc)
                if delay is None:
                    raise _network_error(exc) from exc
            except ApiError as exc:
                delay = _retry_delay(self.retry, operation, attempt, retry_unsafe, error=exc)
                if delay is None:
                    raise
            else:
                delay = _retry_delay(self.retry, operation, attempt, retry_unsafe, response=response)
                if delay is None:
                    return operation.parse(response)
            self.retry.sleep(delay)
        raise AssertionError("unreachable: itertools.count() does not end")

    # -- operations ------------------------------------------------------------------------------

    def sessions(
        self,
        *,
        account_number: str,
        imei: str,
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        duration_low: int | None = None,
        duration_high: int | None = None,
        split_range: bool = False,
    ) -> SessionReport:
        """The sessions of one device (`getSessionsReport`).

        With `split_range`, a range over 180 days is queried in 180-day windows and merged.
        """
        now = self._settings.now()
        windows = _windows(start_date, end_date, now=now, split=split_range)
        reports = [
            self._send(
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
            )
            for start, end in windows
        ]
        return reports[0] if len(reports) == 1 else merge_sessions(reports)

    def aggregate(
        self,
        *,
        account_number: str,
        imeis: Sequence[str] = (),
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        device_group: str | None = None,
        data_plan: str | None = None,
        no_sessions: bool | None = None,
        concurrency: int | None = None,
    ) -> AggregateSessionReport:
        """The synchronous aggregate (`calculateAggregatedReportSynchronous`) over any number of IMEIs.

        More than 10 IMEIs go out in batches of 10, at most `concurrency` at a time, merged into
        one report. An empty list means every device of the account that the filters select
        (the service allows at most 10 of them).
        """
        query = AggregateQuery.checked(
            account_number=account_number,
            imeis=imeis,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_sessions=no_sessions,
            now=self._settings.now(),
        )
        operations = [aggregate_op(self.raw, query.with_imeis(batch)) for batch in _imei_batches(query)]
        if len(operations) == 1:
            return self._send(operations[0])
        workers = min(concurrency or self._settings.concurrency, len(operations))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hpl-aggregate") as pool:
            futures = [pool.submit(self._send, operation) for operation in operations]
            try:
                reports = [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return merge_aggregates(reports)

    def start_async_aggregate(
        self,
        *,
        account_number: str,
        imeis: Sequence[str] = (),
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        device_group: str | None = None,
        data_plan: str | None = None,
        no_sessions: bool | None = None,
        portal_initiated: bool = False,
        retry: bool = False,
    ) -> AggregatedReportCallbackResult:
        """Queue an asynchronous aggregate (`calculateAggregatedReportAsynchronous`); returns its txid.

        The results arrive as callback messages at the account's listeners (see `hpl.callbacks`).
        A request that may have reached the service is not sent again unless `retry=True`,
        because a second one queues a second job.
        """
        query = AggregateQuery.checked(
            account_number=account_number,
            imeis=imeis,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_sessions=no_sessions,
            now=self._settings.now(),
        )
        operation = async_aggregate_op(self.raw, query, portal_initiated=portal_initiated)
        return self._send(operation, retry_unsafe=retry)

    def list_callbacks(self, *, account_number: str) -> list[CallbackCreated]:
        """The listeners registered for the account (`listRegisteredCallbacks`)."""
        return self._send(list_callbacks_op(self.raw, account_number=account_number))

    def register_callback(self, *, account_number: str, name: str, url: str) -> CallbackRegistered:
        """Register (or re-point) the listener `name` at `url` (`registerCallback`)."""
        return self._send(register_op(self.raw, account_number=account_number, name=name, url=url))

    def deregister_callback(self, *, account_number: str, name: str) -> None:
        """Remove the listener `name` (`deregisterCallback`)."""
        self._send(deregister_op(self.raw, account_number=account_number, name=name))


class AsyncClient:
    """The asyncio client: the same methods as `Client`, as coroutines.

    `transport` is an `httpx.AsyncBaseTransport` (e.g. `httpx.ASGITransport`), as for `Client`.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        sandbox: bool | str = False,
        credentials: Credentials | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        username: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        session_token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        transport: httpx.AsyncBaseTransport | None = None,
        httpx_args: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._settings = _Settings(
            base_url,
            sandbox=sandbox,
            credentials=credentials,
            client_id=client_id,
            client_secret=client_secret,
            username=username,
            password=password,
            access_token=access_token,
            session_token=session_token,
            timeout=timeout,
            retry=retry,
            concurrency=concurrency,
            clock=clock,
            now=now,
        )
        self.base_url = self._settings.base_url
        self.auth = self._settings.auth
        self.retry = self._settings.retry
        self.raw = self._settings.raw_client(transport, httpx_args)
        self._http = self.raw.get_async_httpx_client()

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self.base_url!r}, auth={self.auth!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, operation: Operation[T], *, retry_unsafe: bool = False) -> T:
        for attempt in itertools.count():
            try:
                response = await self._http.request(**operation.request)
            except httpx.TransportError as exc:
                delay = _retry_delay(self.retry, operation, attempt, retry_unsafe, error=exc)
                if delay is None:
                    raise _network_error(exc) from exc
            except ApiError as exc:
                delay = _retry_delay(self.retry, operation, attempt, retry_unsafe, error=exc)
                if delay is None:
                    raise
            else:
                delay = _retry_delay(self.retry, operation, attempt, retry_unsafe, response=response)
                if delay is None:
                    return operation.parse(response)
            await self.retry.async_sleep(delay)
        raise AssertionError("unreachable: itertools.count() does not end")

    async def sessions(
        self,
        *,
        account_number: str,
        imei: str,
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        duration_low: int | None = None,
        duration_high: int | None = None,
        split_range: bool = False,
    ) -> SessionReport:
        """See `Client.sessions`."""
        now = self._settings.now()
        reports = []
        for start, end in _windows(start_date, end_date, now=now, split=split_range):
            operation = sessions_op(
                self.raw,
                account_number=account_number,
                imei=imei,
                start_date=start,
                end_date=end,
                duration_low=duration_low,
                duration_high=duration_high,
                now=now,
            )
            reports.append(await self._send(operation))
        return reports[0] if len(reports) == 1 else merge_sessions(reports)

    async def aggregate(
        self,
        *,
        account_number: str,
        imeis: Sequence[str] = (),
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        device_group: str | None = None,
        data_plan: str | None = None,
        no_sessions: bool | None = None,
        concurrency: int | None = None,
    ) -> AggregateSessionReport:
        """See `Client.aggregate`."""
        query = AggregateQuery.checked(
            account_number=account_number,
            imeis=imeis,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_sessions=no_sessions,
            now=self._settings.now(),
        )
        operations = [aggregate_op(self.raw, query.with_imeis(batch)) for batch in _imei_batches(query)]
        gate = asyncio.Semaphore(concurrency or self._settings.concurrency)

        async def bounded(operation: Operation[AggregateSessionReport]) -> AggregateSessionReport:
            async with gate:
                return await self._send(operation)

        # A TaskGroup cancels the other batches as soon as one fails; the caller gets that
        # batch's own exception, not an ExceptionGroup it would have to unpack.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(bounded(operation)) for operation in operations]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        reports = [task.result() for task in tasks]
        return reports[0] if len(reports) == 1 else merge_aggregates(reports)

    async def start_async_aggregate(
        self,
        *,
        account_number: str,
        imeis: Sequence[str] = (),
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        device_group: str | None = None,
        data_plan: str | None = None,
        no_sessions: bool | None = None,
        portal_initiated: bool = False,
        retry: bool = False,
    ) -> AggregatedReportCallbackResult:
        """See `Client.start_async_aggregate`."""
        query = AggregateQuery.checked(
            account_number=account_number,
            imeis=imeis,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_sessions=no_sessions,
            now=self._settings.now(),
        )
        operation = async_aggregate_op(self.raw, query, portal_initiated=portal_initiated)
        return await self._send(operation, retry_unsafe=retry)

    async def list_callbacks(self, *, account_number: str) -> list[CallbackCreated]:
        """See `Client.list_callbacks`."""
        return await self._send(list_callbacks_op(self.raw, account_number=account_number))

    async def register_callback(self, *, account_number: str, name: str, url: str) -> CallbackRegistered:
        """See `Client.register_callback`."""
        return await self._send(register_op(self.raw, account_number=account_number, name=name, url=url))

    async def deregister_callback(self, *, account_number: str, name: str) -> None:
        """See `Client.deregister_callback`."""
        await self._send(deregister_op(self.raw, account_number=account_number, name=name))


def _imei_batches(query: AggregateQuery) -> list[list[str]]:
    # An empty list means "all devices" and must go out as it is, not as zero batches.
    return list(batches(query.imeis, SYNC_MAX_DEVICES)) or [[]]


def _windows(
    start: dt.datetime | None, end: dt.datetime | None, *, now: dt.datetime, split: bool
) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    if not split or start is None:
        return [(start, end)]
    return list(split_range(utc(start), utc(end) if end is not None else now))
