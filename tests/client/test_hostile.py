"""Hostile answers: what `hpl.Client`, `hpl.AsyncClient` and the `hpl` command promise (issue 13)
beyond what one answer shows. What each client does with each odd answer is in the catalogue,
`tests/hostile/catalogue.py`; here are the rest: how long the deadline lets a call run, a
deadline across retries, token renewal over time, secrets in transport errors and ready tokens,
the sandbox's permanent 500, and the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import hpl
from hpl import cli
from hpl_sandbox.testing import SandboxControl
from tests.client import fakes
from tests.client.conftest import ACCOUNT, DEVICE, MULTI_ACCOUNT
from tests.serving import serve

FLAVOURS = ["sync", "async"]


class Clock:
    """A clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.now += seconds


def call(
    flavour: str,
    service: fakes.FakeService,
    method: str = "sessions",
    *,
    retry: hpl.RetryPolicy | None = None,
    **options: Any,
) -> Any:
    """Run one client method against `service` with the sync or the async client."""
    kwargs: dict[str, Any] = {"account_number": ACCOUNT, "imei": DEVICE}
    settings: dict[str, Any] = {
        "credentials": fakes.CREDENTIALS,
        "transport": service.transport,
        "retry": retry or hpl.RetryPolicy(attempts=1),
        **options,
    }
    if flavour == "sync":
        with hpl.Client(fakes.BASE_URL, **settings) as client:
            return getattr(client, method)(**kwargs)

    async def run() -> Any:
        async with hpl.AsyncClient(fakes.BASE_URL, **settings) as client:
            return await getattr(client, method)(**kwargs)

    return asyncio.run(run())


def raised(flavour: str, service: fakes.FakeService, method: str = "sessions", **options: Any) -> hpl.HplError:
    with pytest.raises(hpl.HplError) as caught:
        call(flavour, service, method, **options)
    return caught.value


def shown(error: BaseException) -> str:
    return f"{error}\n{error!r}"


class Drip(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent one byte at a time, each well within any read timeout."""

    def __init__(self, chunks: int = 200, pause: float = 0.05) -> None:
        self.chunks, self.pause = chunks, pause

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            time.sleep(self.pause)
            yield b" "

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            await asyncio.sleep(self.pause)
            yield b" "


# -- tokens: checked before use, never shown ------------------------------------------------------


def test_a_ready_token_that_cannot_be_a_header_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="session_token is not a valid header value") as caught:
        hpl.Client(fakes.BASE_URL, access_token="ACCESS-SECRET", session_token="SESSION-SECRET\n1")
    assert "SECRET" not in shown(caught.value)


def test_a_transport_error_that_quotes_a_token_does_not_show_it() -> None:
    def leak(request: httpx.Request) -> httpx.Response:
        raise httpx.LocalProtocolError(f"Illegal header value {request.headers['VZ-M2M-Token']!r}")

    service = fakes.FakeService([leak])
    error = raised("sync", service)
    assert isinstance(error, hpl.NetworkError)
    assert "SESSION-SECRET" not in shown(error) and "***" in str(error)


# -- one deadline for the whole call --------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_body_dripped_slowly_stops_at_the_deadline_not_after_the_body(flavour: str) -> None:
    # Which error it is, is in the catalogue (body_dripped_past_the_deadline); this is when it comes.
    body = Drip()
    service = fakes.FakeService([httpx.Response(200, stream=body)])
    started = time.monotonic()
    raised(flavour, service, deadline=0.5, timeout=5.0)
    elapsed = time.monotonic() - started
    # Not a speed target: the bound is half the body's 10 s, wide enough for a loaded CI machine.
    assert 0.4 < elapsed < body.chunks * body.pause / 2


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_deadline_stops_retries_before_a_wait_that_would_pass_it(flavour: str) -> None:
    clock = Clock()
    busy: list[fakes.Reply] = [httpx.Response(503, headers={"Retry-After": "3"}) for _ in range(10)]
    service = fakes.FakeService(busy)
    retry = hpl.RetryPolicy(attempts=10, sleep=clock.sleep, async_sleep=clock.asleep)
    error = raised(flavour, service, retry=retry, deadline=5.0, clock=clock)
    assert isinstance(error, hpl.UnexpectedStatusError) and error.status_code == 503
    assert len(service.api_requests) == 2
    assert clock.now - 1000.0 < 5.0


def test_a_deadline_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="deadline"):
        hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, deadline=0)


# -- retries: Retry-After up to a cap, permanent errors never -------------------------------------


def test_the_sandboxs_device_in_several_accounts_is_asked_once(sandbox: SandboxControl, client: hpl.Client) -> None:
    with pytest.raises(hpl.InternalServerError):
        client.sessions(account_number=ACCOUNT, imei=MULTI_ACCOUNT)
    assert len(sandbox.journal("/report/sessions")) == 1


# -- token renewal in proportion to the token's life ----------------------------------------------


def test_a_token_living_30_s_is_not_renewed_before_every_call() -> None:
    clock = Clock()
    service = fakes.FakeService(expires_in=30)
    with hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport, clock=clock) as client:
        for _ in range(5):
            client.sessions(account_number=ACCOUNT, imei=DEVICE)
            clock.now += 5
    assert len(service.token_requests) == 1


def test_a_token_living_30_s_is_renewed_in_the_last_tenth_of_its_life() -> None:
    clock = Clock()
    service = fakes.FakeService(expires_in=30)
    with hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport, clock=clock) as client:
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
        clock.now += 28
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert len(service.token_requests) == 2 and len(service.api_requests) == 2


# -- the command line -----------------------------------------------------------------------------


def hostile_service(*, token: str = "ACCESS-TOKEN-1", queued: dict[str, Any] | None = None) -> Starlette:
    """Token services and the asynchronous aggregate, answering as told."""

    async def oauth(request: Request) -> Response:
        return JSONResponse({"access_token": token, "expires_in": 3600})

    async def login(request: Request) -> Response:
        return JSONResponse({"sessionToken": "SESSION-TOKEN-1"})

    async def report(request: Request) -> Response:
        return JSONResponse(queued or {"txid": None, "status": "QUEUED"})

    async def callbacks(request: Request) -> Response:
        return JSONResponse({"accountName": ACCOUNT, "name": "x"}) if request.method == "POST" else Response()

    return Starlette(
        routes=[
            Route("/api/ts/v1/oauth2/token", oauth, methods=["POST"]),
            Route("/api/m2m/v1/session/login", login, methods=["POST"]),
            Route("/api/hyper-precise/v1/report/async/aggregate", report, methods=["POST"]),
            Route("/api/hyper-precise/v1/callbacks", callbacks, methods=["POST", "DELETE"]),
        ]
    )


DEV_ENV = {
    "HPL_CLIENT_ID": "sandbox-client-1",
    "HPL_CLIENT_SECRET": "sandbox-secret-1",
    "HPL_USERNAME": "sandbox-user-1",
    "HPL_PASSWORD": "sandbox-password-1",
}


def run_cli(origin: str, *argv: str) -> tuple[int, str]:
    err = io.StringIO()
    env = {"HPL_CONFIG": os.devnull, **DEV_ENV}
    code = cli.main(["--base-url", origin, *argv], stdout=io.StringIO(), stderr=err, environ=env)
    return code, err.getvalue()


def test_the_cli_reports_an_async_answer_without_a_txid_at_once_as_an_api_error() -> None:
    with serve(hostile_service()) as origin:
        started = time.monotonic()
        code, err = run_cli(
            origin,
            "aggregate",
            "--account",
            ACCOUNT,
            "--imei",
            DEVICE,
            "--async",
            "--listen",
            "127.0.0.1:0",
            "--wait-timeout",
            "5",
        )
    assert code == cli.EXIT_API, err
    assert "without a txid" in err
    assert time.monotonic() - started < 10


def test_the_cli_never_prints_a_token_the_token_service_mangled() -> None:
    with serve(hostile_service(token="ACCESS-TOKEN-SECRET\nX: 1")) as origin:
        code, err = run_cli(origin, "callbacks", "add", "x", "https://example.com/x", "--account", ACCOUNT)
    assert code == cli.EXIT_API, err
    assert "ACCESS-TOKEN-SECRET" not in err and "Traceback" not in err


def test_the_cli_takes_lowercase_t_and_z_in_a_date(sandbox: SandboxControl) -> None:
    day = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).strftime("%Y-%m-%dt00:00:00z")
    code, err = run_cli(sandbox.origin, "sessions", "--account", ACCOUNT, "--imei", DEVICE, "--from", day)
    assert code == 0, err


def test_the_cli_passes_its_deadline_to_the_client() -> None:
    parsed = cli.build_parser().parse_args(["--deadline", "7.5", "callbacks", "list", "--account", ACCOUNT])
    with cli._client(parsed, {"HPL_CONFIG": os.devnull, **DEV_ENV}) as client:
        assert client._core.deadline == 7.5
