"""`Client` and `AsyncClient` are two executors of one core: for every operation they send the same
requests (method, URL, headers, body, in the same order) and return the same result or raise the
same error, retries and waits included. Both run against the same scripted service; a drift in
either one fails here."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import hpl
from tests.client import fakes
from tests.client.conftest import ACCOUNT, DEVICE, Sleeps

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
TXID = "60c07fff-470b-4d6d-afcc-75e6a7c238f6"
IMEIS = [f"7093120344933{n:02d}" for n in range(72, 97)]
# Given, so that both runs send the same request; a fresh key per call is test_retry's subject.
KEY = "8a0b3d0e-8f6f-4a53-9f41-0d6c1c9a2b7e"


def answer(request: httpx.Request) -> httpx.Response:
    """A deterministic service: every answer is a function of the request alone."""
    path, method = request.url.path, request.method
    body = json.loads(request.content) if request.content else {}
    if path.endswith("/report/sessions"):
        start = body.get("startDate", "start")
        sessions = [{"startTime": start, "endTime": start, "numBytes": len(start)}]
        return fakes.json_response(200, {"id": body["imei"], "txid": TXID, "sessions": sessions})
    if path.endswith("/report/aggregate"):
        usage = [{"imei": imei, "numberOfSessions": int(imei[-2:]), "bytesTransferred": 7} for imei in body["imei"]]
        return fakes.json_response(200, {"txid": TXID, "usage": usage, "errors": []})
    if path.endswith("/report/async/aggregate"):
        return fakes.json_response(200, {"txid": TXID, "status": "QUEUED"})
    if method == "GET":
        return fakes.json_response(200, [{"aname": ACCOUNT, "name": "hook", "url": "https://example.com/h"}])
    if method == "POST":
        return fakes.json_response(200, {"accountName": ACCOUNT, "name": body["name"]})
    return httpx.Response(200)


@dataclass
class Run:
    """What one client did: every request it sent, every wait, and its result or error."""

    requests: list[tuple[str, str, list[tuple[str, str]], bytes]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    outcome: Any = None


def shape(value: Any) -> Any:
    """A result as plain data, or an error as its class and message."""
    if isinstance(value, BaseException):
        return (type(value).__name__, str(value))
    if isinstance(value, list):
        return [shape(item) for item in value]
    return value.to_dict() if hasattr(value, "to_dict") else value


def service(script: list[fakes.Reply]) -> fakes.FakeService:
    fake = fakes.FakeService(list(script))
    fake.default = answer
    return fake


def record(fake: fakes.FakeService, sleeps: Sleeps, outcome: Any) -> Run:
    run = Run(sleeps=sleeps.calls, outcome=shape(outcome))
    for request in [*fake.token_requests, *fake.login_requests, *fake.api_requests]:
        run.requests.append((request.method, str(request.url), list(request.headers.multi_items()), request.content))
    return run


def options(fake: fakes.FakeService, sleeps: Sleeps) -> dict[str, Any]:
    retry = hpl.RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep, rng=random.Random(7))
    return {"credentials": fakes.CREDENTIALS, "retry": retry, "now": lambda: NOW, "concurrency": 1}


def run_sync(method: str, kwargs: dict[str, Any], script: list[fakes.Reply]) -> Run:
    fake, sleeps = service(script), Sleeps()
    with hpl.Client(fakes.BASE_URL, transport=fake.transport, **options(fake, sleeps)) as client:
        try:
            outcome = getattr(client, method)(**kwargs)
        except hpl.HplError as exc:
            outcome = exc
    return record(fake, sleeps, outcome)


def run_async(method: str, kwargs: dict[str, Any], script: list[fakes.Reply]) -> Run:
    fake, sleeps = service(script), Sleeps()

    async def go() -> Any:
        async with hpl.AsyncClient(fakes.BASE_URL, transport=fake.transport, **options(fake, sleeps)) as client:
            try:
                return await getattr(client, method)(**kwargs)
            except hpl.HplError as exc:
                return exc

    outcome = asyncio.run(go())
    return record(fake, sleeps, outcome)


def down() -> httpx.Response:
    return httpx.Response(503, text="<html>down</html>", headers={"Retry-After": "2"})


# Scripts are built anew for each run: an httpx.Response read by one client cannot be read by another.
CASES: dict[str, tuple[str, dict[str, Any], Callable[[], list[fakes.Reply]]]] = {
    "sessions": (
        "sessions",
        {"account_number": ACCOUNT, "imei": DEVICE, "start_date": NOW - dt.timedelta(days=9), "duration_low": 5},
        list,
    ),
    "sessions in 180-day windows": (
        "sessions",
        {"account_number": ACCOUNT, "imei": DEVICE, "start_date": NOW - dt.timedelta(days=400), "split_range": True},
        list,
    ),
    "sessions retried after a 503 and a dropped connection": (
        "sessions",
        {"account_number": ACCOUNT, "imei": DEVICE},
        lambda: [down(), httpx.RemoteProtocolError("peer closed")],
    ),
    "sessions refused with 403": (
        "sessions",
        {"account_number": ACCOUNT, "imei": DEVICE},
        lambda: [fakes.json_response(403, {"errorCode": "INVALID_ACCESS", "errorMessage": "Not your account"})],
    ),
    "sessions after four 503s": (
        "sessions",
        {"account_number": ACCOUNT, "imei": DEVICE},
        lambda: [down() for _ in range(4)],
    ),
    "aggregate of one batch": (
        "aggregate",
        {"account_number": ACCOUNT, "imeis": IMEIS[:3], "no_sessions": False, "device_group": "north"},
        list,
    ),
    "aggregate of three batches": ("aggregate", {"account_number": ACCOUNT, "imeis": IMEIS}, list),
    "aggregate of every device": ("aggregate", {"account_number": ACCOUNT, "end_date": NOW}, list),
    "aggregate with a body that is not the spec's": (
        "aggregate",
        {"account_number": ACCOUNT, "imeis": IMEIS[:2]},
        lambda: [fakes.json_response(200, {"usage": [{"imei": 5}], "errors": "no"})],
    ),
    "asynchronous aggregate": (
        "start_async_aggregate",
        {"account_number": ACCOUNT, "imeis": IMEIS[:4], "portal_initiated": True, "idempotency_key": KEY},
        list,
    ),
    "asynchronous aggregate retried after a 503": (
        "start_async_aggregate",
        {"account_number": ACCOUNT, "imeis": IMEIS[:4], "idempotency_key": KEY},
        lambda: [down()],
    ),
    "asynchronous aggregate retried after a refused connection": (
        "start_async_aggregate",
        {"account_number": ACCOUNT, "imeis": IMEIS[:4], "idempotency_key": KEY},
        lambda: [httpx.ConnectError("refused")],
    ),
    "list listeners": ("list_callbacks", {"account_number": ACCOUNT}, list),
    "register a listener": (
        "register_callback",
        {"account_number": ACCOUNT, "name": "hook", "url": "https://example.com/h"},
        list,
    ),
    "deregister a listener": ("deregister_callback", {"account_number": ACCOUNT, "name": "hook"}, list),
    "deregister a listener that is not there": (
        "deregister_callback",
        {"account_number": ACCOUNT, "name": "gone"},
        lambda: [fakes.json_response(404, {"errorCode": "INVALID_PARAMETER", "errorMessage": "No such listener"})],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_both_clients_send_the_same_requests_and_return_the_same_outcome(case: str) -> None:
    method, kwargs, script = CASES[case]
    sync, asynchronous = run_sync(method, kwargs, script()), run_async(method, kwargs, script())
    assert sync.requests, "the case sent nothing"
    assert asynchronous.requests == sync.requests
    assert asynchronous.sleeps == sync.sleeps
    assert asynchronous.outcome == sync.outcome


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_") and name not in {"close", "aclose"}
    }


def test_every_operation_of_either_client_is_covered_by_a_parity_case() -> None:
    covered = {method for method, _, _ in CASES.values()}
    assert set(public_methods(hpl.Client)) == set(public_methods(hpl.AsyncClient)) == covered


def test_both_clients_take_the_same_arguments_for_every_operation() -> None:
    sync, asynchronous = public_methods(hpl.Client), public_methods(hpl.AsyncClient)
    assert {name: str(sig) for name, sig in asynchronous.items()} == {name: str(sig) for name, sig in sync.items()}


def test_both_constructors_take_the_same_arguments() -> None:
    def arguments(cls: type) -> list[str]:
        return list(inspect.signature(cls).parameters)

    assert arguments(hpl.AsyncClient) == arguments(hpl.Client)
