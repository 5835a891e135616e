"""How the catalogue calls each client: the generated `hpl_client` (`sync_detailed`,
`asyncio_detailed`), `hpl.Client`, `hpl.AsyncClient` and `hpl.CallbackReceiver`.

Every call returns what happened — the value, or the exception — and never lets an exception
escape, so that the test compares the outcome with the case's expectation and says which it got.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx

import hpl
from hpl_client import AuthenticatedClient
from hpl_client.api.callback_listeners import deregister_callback, list_registered_callbacks, register_callback
from hpl_client.api.device_reports import (
    calculate_aggregated_report_asynchronous,
    calculate_aggregated_report_synchronous,
    get_sessions_report,
)
from hpl_client.models import AggregateSessionReportRequest, HyperPreciseLocationCallback, SessionReportRequest
from tests.hostile.server import ACCESS_TOKEN, SESSION_TOKEN, FakeServer

ACCOUNT = "0844021539-00001"
DEVICE = "709312034493372"
OTHER_DEVICE = "709312034493373"
LISTENER = "reports"
CREDENTIALS = hpl.Credentials(
    client_id="fake-client",
    client_secret="fake-client-secret-value",
    username="fake-user",
    password="fake-password-value",
)
# Each client gets this much per read; long enough that only a deadline stops a dripped body.
TIMEOUT = 5.0


def _dates() -> tuple[dt.datetime, dt.datetime]:
    end = dt.datetime.now(dt.UTC)
    return end - dt.timedelta(days=7), end


def _generated_arguments(operation: str) -> tuple[ModuleType, dict[str, Any]]:
    """The generated module of `operation` and the arguments of a small valid call."""
    start, end = _dates()
    if operation == "sessions":
        body = SessionReportRequest(account_number=ACCOUNT, imei=DEVICE, start_date=start, end_date=end)
        return get_sessions_report, {"body": body, "account_number": ACCOUNT, "imei": DEVICE}
    if operation in ("aggregate", "start_async_aggregate"):
        module = (
            calculate_aggregated_report_synchronous
            if operation == "aggregate"
            else calculate_aggregated_report_asynchronous
        )
        request = AggregateSessionReportRequest(account_number=ACCOUNT, imei=[DEVICE], start_date=start, end_date=end)
        arguments: dict[str, Any] = {"body": request, "account_number": ACCOUNT, "imei": "1"}
        if operation == "start_async_aggregate":
            arguments["x_portal_initiated"] = False
        return module, arguments
    if operation == "list_callbacks":
        return list_registered_callbacks, {"account_number": ACCOUNT}
    if operation == "register_callback":
        listener = HyperPreciseLocationCallback(name=LISTENER, url="https://example.com/x")
        return register_callback, {"body": listener, "account_number": ACCOUNT}
    if operation == "deregister_callback":
        return deregister_callback, {"account_number": ACCOUNT, "service": LISTENER}
    raise ValueError(f"no operation {operation!r}")


def _hpl_arguments(operation: str) -> dict[str, Any]:
    if operation == "sessions":
        return {"account_number": ACCOUNT, "imei": DEVICE}
    if operation in ("aggregate", "start_async_aggregate"):
        return {"account_number": ACCOUNT, "imeis": [DEVICE]}
    if operation == "register_callback":
        return {"account_number": ACCOUNT, "name": LISTENER, "url": "https://example.com/x"}
    if operation == "deregister_callback":
        return {"account_number": ACCOUNT, "name": LISTENER}
    return {"account_number": ACCOUNT}


OPERATIONS = (
    "sessions",
    "aggregate",
    "start_async_aggregate",
    "list_callbacks",
    "register_callback",
    "deregister_callback",
)


@dataclass
class Outcome:
    """What one call ended with, and what the client did on the way."""

    value: Any = None
    error: BaseException | None = None
    waits: list[float] = field(default_factory=list)


def call_generated(server: FakeServer, operation: str, flavour: str, calls: int = 1) -> Outcome:
    """`calls` calls of `operation` on one client; the outcome is the last one's."""
    module, arguments = _generated_arguments(operation)
    client = AuthenticatedClient(
        base_url=server.base_url,
        token=ACCESS_TOKEN,
        headers={"VZ-M2M-Token": SESSION_TOKEN},
        timeout=httpx.Timeout(TIMEOUT),
    )
    try:
        if flavour == "sync":
            with client:
                value = None
                for call in range(calls):
                    _apart(server, call)
                    value = module.sync_detailed(client=client, **arguments)
                return Outcome(value)

        async def run() -> Any:
            async with client:
                value = None
                for call in range(calls):
                    _apart(server, call)
                    value = await module.asyncio_detailed(client=client, **arguments)
                return value

        return Outcome(asyncio.run(run()))
    except Exception as exc:
        return Outcome(error=exc)


def _apart(server: FakeServer, call: int) -> None:
    """Before every call but the first, wait until the server has closed what it meant to close:
    calls on one client are apart in time, as they are in use, not racing the server's close."""
    if call:
        server.settle()


@dataclass
class RecordedSleeps:
    """The retry policy's sleep, recorded instead of waited, so that retries cost no time."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.calls.append(seconds)


def call_hpl(server: FakeServer, operation: str, flavour: str, calls: int, options: dict[str, Any]) -> Outcome:
    """`calls` calls of `operation` on one client; the outcome is the last one's."""
    sleeps = RecordedSleeps()
    settings: dict[str, Any] = {
        "credentials": CREDENTIALS,
        "timeout": TIMEOUT,
        "retry": hpl.RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep),
        **options,
    }
    arguments = _hpl_arguments(operation)
    outcome = Outcome(waits=sleeps.calls)
    try:
        if flavour == "sync":
            with hpl.Client(server.base_url, **settings) as client:
                for call in range(calls):
                    _apart(server, call)
                    outcome.value = getattr(client, operation)(**arguments)
            return outcome

        async def run() -> None:
            async with hpl.AsyncClient(server.base_url, **settings) as client:
                for call in range(calls):
                    _apart(server, call)
                    outcome.value = await getattr(client, operation)(**arguments)

        asyncio.run(run())
    except BaseException as exc:
        outcome.error = exc
    return outcome


@dataclass
class Delivered:
    """What the callback receiver answered to each delivery, and what `wait_for` then reported."""

    answered: list[int]
    receiver: hpl.CallbackReceiver
    result: hpl.AsyncReportResult | None = None
    error: BaseException | None = None


async def _post(receiver: hpl.CallbackReceiver, body: bytes) -> int:
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://listener") as http:
        answer = await http.post("/hpl/callbacks", content=body, headers={"Content-Type": "application/json"})
        return answer.status_code


def deliver(body: bytes, deliveries: int, txid: str, expected: list[str] | int | None) -> Delivered:
    """Post `body` `deliveries` times to a fresh receiver, then wait briefly for `expected` devices."""
    receiver = hpl.CallbackReceiver()

    async def post_all() -> list[int]:
        return [await _post(receiver, body) for _ in range(deliveries)]

    delivered = Delivered(asyncio.run(post_all()), receiver)
    if expected is None:
        return delivered
    try:
        delivered.result = receiver.wait_for(txid, expected, timeout=0.3)
    except BaseException as exc:
        delivered.error = exc
    return delivered
