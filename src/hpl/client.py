"""`Client` and `AsyncClient`: one method per operation, with auth, typed errors, retries and limits.

Both are thin executors of `hpl.core.ClientCore`: the core turns a method call into a plan of
requests and decides, answer by answer, whether to retry, wait, return or raise; the clients
only send, sleep and run batches side by side (threads or tasks). The generated client stays
reachable as `.raw` for anyone who wants the bare operations.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Self, TypeVar

import httpx

from hpl.auth import Credentials
from hpl.core import (
    DEFAULT_CONCURRENCY,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    PRODUCTION_URL,
    SANDBOX_CREDENTIALS,
    SANDBOX_ORIGIN,
    SANDBOX_URL,
    ClientCore,
    Exchange,
    Plan,
    Send,
    _utcnow,
    resolve_base_url,
)
from hpl.operations import Operation
from hpl.retry import RetryPolicy
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

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_DEADLINE",
    "DEFAULT_TIMEOUT",
    "PRODUCTION_URL",
    "SANDBOX_CREDENTIALS",
    "SANDBOX_ORIGIN",
    "SANDBOX_URL",
    "AsyncClient",
    "Client",
    "resolve_base_url",
]


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
        deadline: float = DEFAULT_DEADLINE,
        retry: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        transport: httpx.BaseTransport | None = None,
        httpx_args: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._core = ClientCore(
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
            deadline=deadline,
            retry=retry,
            concurrency=concurrency,
            clock=clock,
            now=now,
        )
        self.base_url = self._core.base_url
        self.auth = self._core.auth
        self.retry = self._core.retry
        self.raw = self._core.raw_client(transport, httpx_args)
        self._http = self.raw.get_httpx_client()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, auth={self.auth!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the executor: all I/O and every wait happen here, nothing is decided here ---------------

    def _perform(self, exchange: Exchange[T]) -> T:
        try:
            step = next(exchange)
            while True:
                if isinstance(step, Send):
                    try:
                        response = self._http.request(**step.request)
                    except Exception as exc:
                        step = exchange.throw(exc)
                    else:
                        step = exchange.send(response)
                else:
                    self.retry.sleep(step.seconds)
                    step = next(exchange)
        except StopIteration as done:
            result: T = done.value
            return result

    def _send(self, operation: Operation[T], deadline: float, retry_unsafe: bool) -> T:
        return self._perform(self._core.exchange(operation, deadline=deadline, retry_unsafe=retry_unsafe))

    def _run(self, plan: Plan[P, R]) -> R:
        operations = plan.operations
        if len(operations) == 1 or plan.concurrency == 1:
            return plan.combine([self._send(operation, plan.deadline, plan.retry_unsafe) for operation in operations])
        workers = min(plan.concurrency, len(operations))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hpl-aggregate") as pool:
            futures = [pool.submit(self._send, operation, plan.deadline, plan.retry_unsafe) for operation in operations]
            try:
                results = [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return plan.combine(results)

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
        return self._run(
            self._core.sessions(
                account_number=account_number,
                imei=imei,
                start_date=start_date,
                end_date=end_date,
                duration_low=duration_low,
                duration_high=duration_high,
                split_range=split_range,
            )
        )

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
        return self._run(
            self._core.aggregate(
                account_number=account_number,
                imeis=imeis,
                start_date=start_date,
                end_date=end_date,
                device_group=device_group,
                data_plan=data_plan,
                no_sessions=no_sessions,
                concurrency=concurrency,
            )
        )

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
        idempotency_key: str | None = None,
    ) -> AggregatedReportCallbackResult:
        """Queue an asynchronous aggregate (`calculateAggregatedReportAsynchronous`); returns its txid.

        The results arrive as callback messages at the account's listeners (see `hpl.callbacks`).
        The request carries an `Idempotency-Key` (decision D8), a fresh UUID per call unless
        `idempotency_key` is given, the same on every retry: a service that honours it answers a
        retry with the first txid and queues nothing new, so this call is retried like the
        others (connection errors, timeouts, 5xx, 429). `retry` is kept for compatibility and
        changes nothing now.
        """
        return self._run(
            self._core.start_async_aggregate(
                account_number=account_number,
                imeis=imeis,
                start_date=start_date,
                end_date=end_date,
                device_group=device_group,
                data_plan=data_plan,
                no_sessions=no_sessions,
                portal_initiated=portal_initiated,
                retry=retry,
                idempotency_key=idempotency_key,
            )
        )

    def list_callbacks(self, *, account_number: str) -> list[CallbackCreated]:
        """The listeners registered for the account (`listRegisteredCallbacks`)."""
        return self._run(self._core.list_callbacks(account_number=account_number))

    def register_callback(self, *, account_number: str, name: str, url: str) -> CallbackRegistered:
        """Register (or re-point) the listener `name` at `url` (`registerCallback`)."""
        return self._run(self._core.register_callback(account_number=account_number, name=name, url=url))

    def deregister_callback(self, *, account_number: str, name: str) -> None:
        """Remove the listener `name` (`deregisterCallback`)."""
        self._run(self._core.deregister_callback(account_number=account_number, name=name))


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
        deadline: float = DEFAULT_DEADLINE,
        retry: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        transport: httpx.AsyncBaseTransport | None = None,
        httpx_args: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._core = ClientCore(
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
            deadline=deadline,
            retry=retry,
            concurrency=concurrency,
            clock=clock,
            now=now,
        )
        self.base_url = self._core.base_url
        self.auth = self._core.auth
        self.retry = self._core.retry
        self.raw = self._core.raw_client(transport, httpx_args)
        self._http = self.raw.get_async_httpx_client()

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self.base_url!r}, auth={self.auth!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- the executor: all I/O and every wait happen here, nothing is decided here ---------------

    async def _perform(self, exchange: Exchange[T]) -> T:
        try:
            step = next(exchange)
            while True:
                if isinstance(step, Send):
                    try:
                        response = await self._http.request(**step.request)
                    except Exception as exc:
                        step = exchange.throw(exc)
                    else:
                        step = exchange.send(response)
                else:
                    await self.retry.async_sleep(step.seconds)
                    step = next(exchange)
        except StopIteration as done:
            result: T = done.value
            return result

    async def _send(self, operation: Operation[T], deadline: float, retry_unsafe: bool) -> T:
        return await self._perform(self._core.exchange(operation, deadline=deadline, retry_unsafe=retry_unsafe))

    async def _run(self, plan: Plan[P, R]) -> R:
        operations = plan.operations
        if len(operations) == 1 or plan.concurrency == 1:
            return plan.combine(
                [await self._send(operation, plan.deadline, plan.retry_unsafe) for operation in operations]
            )
        gate = asyncio.Semaphore(plan.concurrency)

        async def bounded(operation: Operation[P]) -> P:
            async with gate:
                return await self._send(operation, plan.deadline, plan.retry_unsafe)

        # A TaskGroup cancels the other batches as soon as one fails; the caller gets that
        # batch's own exception, not an ExceptionGroup it would have to unpack.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(bounded(operation)) for operation in operations]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return plan.combine([task.result() for task in tasks])

    # -- operations: the same signatures as `Client` (a test holds them equal) -------------------
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
        return await self._run(
            self._core.sessions(
                account_number=account_number,
                imei=imei,
                start_date=start_date,
                end_date=end_date,
                duration_low=duration_low,
                duration_high=duration_high,
                split_range=split_range,
            )
        )

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
        return await self._run(
            self._core.aggregate(
                account_number=account_number,
                imeis=imeis,
                start_date=start_date,
                end_date=end_date,
                device_group=device_group,
                data_plan=data_plan,
                no_sessions=no_sessions,
                concurrency=concurrency,
            )
        )

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
        idempotency_key: str | None = None,
    ) -> AggregatedReportCallbackResult:
        """See `Client.start_async_aggregate`."""
        return await self._run(
            self._core.start_async_aggregate(
                account_number=account_number,
                imeis=imeis,
                start_date=start_date,
                end_date=end_date,
                device_group=device_group,
                data_plan=data_plan,
                no_sessions=no_sessions,
                portal_initiated=portal_initiated,
                retry=retry,
                idempotency_key=idempotency_key,
            )
        )

    async def list_callbacks(self, *, account_number: str) -> list[CallbackCreated]:
        """See `Client.list_callbacks`."""
        return await self._run(self._core.list_callbacks(account_number=account_number))

    async def register_callback(self, *, account_number: str, name: str, url: str) -> CallbackRegistered:
        """See `Client.register_callback`."""
        return await self._run(self._core.register_callback(account_number=account_number, name=name, url=url))

    async def deregister_callback(self, *, account_number: str, name: str) -> None:
        """See `Client.deregister_callback`."""
        await self._run(self._core.deregister_callback(account_number=account_number, name=name))
