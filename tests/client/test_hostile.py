"""Hostile answers: whatever a service or a token service sends, `hpl.Client` and `hpl.AsyncClient`
keep the README's promises (issue 13) — every exception is an `hpl` type with its cause chained, one
deadline bounds a whole call, no secret is shown, `Retry-After` is honoured up to a cap, permanent
errors are not retried, and both error envelopes of decision D8 read the same."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
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
from tests.client.conftest import ACCOUNT, DEVICE, MULTI_ACCOUNT, Sleeps
from tests.serving import serve

FLAVOURS = ["sync", "async"]
SECRETS = ("ACCESS-SECRET", "SESSION-SECRET", "fake-client-secret-value", "fake-password-value")


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
    if method == "start_async_aggregate":
        kwargs = {"account_number": ACCOUNT, "imeis": [DEVICE]}
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


# -- every exception is an hpl type, with its cause -----------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_false_gzip_content_encoding_is_a_network_error_with_the_decoding_error_as_cause(flavour: str) -> None:
    lie = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b'{"id": "x"}'))
    error = raised(flavour, fakes.FakeService([lie]))
    assert isinstance(error, hpl.NetworkError)
    assert isinstance(error.__cause__, httpx.DecodingError)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_json_nested_100000_deep_in_a_success_body_is_an_invalid_response(flavour: str) -> None:
    deep = httpx.Response(200, content=b"[" * 100_000, headers={"content-type": "application/json"})
    error = raised(flavour, fakes.FakeService([deep]))
    assert isinstance(error, hpl.InvalidResponseError)
    assert isinstance(error.__cause__, RecursionError)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_json_nested_100000_deep_in_an_error_body_is_still_the_statuss_error(flavour: str) -> None:
    deep = httpx.Response(400, content=b"[" * 100_000, headers={"content-type": "application/json"})
    error = raised(flavour, fakes.FakeService([deep]))
    assert isinstance(error, hpl.BadRequestError) and error.error_code is None


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_body_that_breaks_the_spec_keeps_the_parsers_exception_as_cause(flavour: str) -> None:
    error = raised(flavour, fakes.FakeService([fakes.json_response(200, {"sessions": []})]))
    assert isinstance(error, hpl.InvalidResponseError)
    assert isinstance(error.__cause__, KeyError)


@pytest.mark.parametrize("value", ["²", "٣", "1e9", "-5", "Mon, 99 Foo 99999 99:99:99 GMT"])
def test_a_retry_after_that_is_not_a_number_or_a_date_is_ignored(value: str, sleeps: Sleeps) -> None:
    service = fakes.FakeService([httpx.Response(503, headers={b"Retry-After": value.encode()})])
    retry = hpl.RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep)
    assert call("sync", service, retry=retry).id == DEVICE
    assert len(sleeps.calls) == 1 and sleeps.calls[0] <= retry.backoff_base


# -- tokens: checked before use, never shown ------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_token_with_a_trailing_newline_is_used_without_it(flavour: str) -> None:
    service = fakes.FakeService()
    service.token_script = [fakes.json_response(200, {"access_token": "ACCESS-SECRET-1\n", "expires_in": 3600})]
    service.issued = 1
    assert call(flavour, service).id == DEVICE
    assert service.api_requests[0].headers["Authorization"] == "Bearer ACCESS-SECRET-1"


@pytest.mark.parametrize("token", ["ACCESS-SECRET-tök", "ACCESS-SECRET\r\nX-Injected: 1", "ACCESS SECRET"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_token_that_cannot_be_a_header_is_refused_without_showing_it(flavour: str, token: str) -> None:
    service = fakes.FakeService()
    service.token_script = [fakes.json_response(200, {"access_token": token, "expires_in": 3600})]
    error = raised(flavour, service)
    assert isinstance(error, hpl.InvalidResponseError)
    assert "access_token" in str(error)
    assert "SECRET" not in shown(error) + error.text
    assert service.login_requests == [] and service.api_requests == []


def test_a_ready_token_that_cannot_be_a_header_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="session_token is not a valid header value") as caught:
        hpl.Client(fakes.BASE_URL, access_token="ACCESS-SECRET", session_token="SESSION-SECRET\n1")
    assert "SECRET" not in shown(caught.value)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_token_service_error_that_echoes_the_secret_does_not_show_it(flavour: str) -> None:
    service = fakes.FakeService()
    echo = {"error": "invalid_client", "error_description": "bad secret fake-client-secret-value"}
    service.token_script = [fakes.json_response(401, echo)]
    error = raised(flavour, service)
    assert isinstance(error, hpl.AuthenticationError)
    assert "fake-client-secret-value" not in shown(error) + error.text


def test_a_transport_error_that_quotes_a_token_does_not_show_it() -> None:
    def leak(request: httpx.Request) -> httpx.Response:
        raise httpx.LocalProtocolError(f"Illegal header value {request.headers['VZ-M2M-Token']!r}")

    service = fakes.FakeService([leak])
    error = raised("sync", service)
    assert isinstance(error, hpl.NetworkError)
    assert "SESSION-SECRET" not in shown(error) and "***" in str(error)


# -- one deadline for the whole call --------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_body_dripped_slowly_stops_at_the_deadline(flavour: str) -> None:
    service = fakes.FakeService([httpx.Response(200, stream=Drip())])
    started = time.monotonic()
    error = raised(flavour, service, deadline=0.5, timeout=5.0)
    elapsed = time.monotonic() - started
    assert isinstance(error, hpl.DeadlineExceededError)
    assert isinstance(error, hpl.NetworkError)
    assert 0.4 < elapsed < 2.0


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


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_retry_after_beyond_the_cap_raises_at_once_with_the_time_to_wait(flavour: str) -> None:
    sleeps = Sleeps()
    service = fakes.FakeService(
        [fakes.json_response(429, {"errorCode": "X", "errorMessage": "slow down"}, {"Retry-After": "3600"})]
    )
    retry = hpl.RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep)
    error = raised(flavour, service, retry=retry)
    assert isinstance(error, hpl.UnexpectedStatusError) and error.retry_after == 3600
    assert "retry after 3600 s" in str(error)
    assert sleeps.calls == [] and len(service.api_requests) == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_500_the_spec_documents_as_permanent_is_not_retried(flavour: str) -> None:
    sleeps = Sleeps()
    several = {"errorCode": "INTERNAL_ERROR", "errorMessage": "Device is active in several accounts"}
    service = fakes.FakeService([fakes.json_response(500, several)])
    error = raised(flavour, service, retry=hpl.RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep))
    assert isinstance(error, hpl.InternalServerError)
    assert sleeps.calls == [] and len(service.api_requests) == 1


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


# -- error bodies ---------------------------------------------------------------------------------

ENVELOPES = {
    "errorCode": {"errorCode": "INVALID_ACCESS", "errorMessage": "Access denied"},
    "gateway": {
        "responseCode": "INVALID_ACCESS",
        "message": "Access denied",
        "fault": {"code": "900906", "message": "No matching resource", "description": "Access failure"},
    },
}


@pytest.mark.parametrize("envelope", list(ENVELOPES))
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_both_error_envelopes_give_the_same_typed_error(flavour: str, envelope: str) -> None:
    error = raised(flavour, fakes.FakeService([fakes.json_response(403, ENVELOPES[envelope])]))
    assert isinstance(error, hpl.PermissionDeniedError)
    assert (error.status_code, error.error_code, error.error_message) == (403, "INVALID_ACCESS", "Access denied")


def test_the_gateway_envelopes_fault_code_is_kept() -> None:
    error = raised("sync", fakes.FakeService([fakes.json_response(403, ENVELOPES["gateway"])]))
    assert isinstance(error, hpl.ApiError) and error.fault_code == "900906"


def test_a_gateway_envelope_with_only_a_fault_gives_the_faults_code_and_message() -> None:
    body = {"fault": {"code": 900906, "message": "No matching resource", "description": "Access failure"}}
    error = raised("sync", fakes.FakeService([fakes.json_response(404, body)]))
    assert isinstance(error, hpl.NotFoundError)
    assert (error.error_code, error.error_message) == ("900906", "No matching resource")


def test_a_byte_order_mark_before_an_error_body_keeps_the_code() -> None:
    body = "\ufeff" + json.dumps({"errorCode": "INVALID_PARAMETER", "errorMessage": "Device Not Found"})
    reply = httpx.Response(400, content=body.encode(), headers={"content-type": "application/json"})
    error = raised("sync", fakes.FakeService([reply]))
    assert isinstance(error, hpl.BadRequestError)
    assert (error.error_code, error.error_message) == ("INVALID_PARAMETER", "Device Not Found")


def test_an_error_code_too_long_to_print_is_left_out() -> None:
    reply = httpx.Response(400, content=b'{"errorCode": 1' + b"0" * 5000 + b', "errorMessage": "x"}')
    error = raised("sync", fakes.FakeService([reply]))
    assert isinstance(error, hpl.BadRequestError) and error.error_code is None


# -- answers of the asynchronous aggregate and dates ----------------------------------------------


@pytest.mark.parametrize(
    "body", [{"txid": None, "status": "QUEUED"}, {"txid": " ", "status": "QUEUED"}, {"status": "QUEUED"}]
)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_async_answer_without_a_txid_is_an_invalid_response(flavour: str, body: dict[str, Any]) -> None:
    error = raised(flavour, fakes.FakeService([fakes.json_response(200, body)]), "start_async_aggregate")
    assert isinstance(error, hpl.InvalidResponseError)
    assert "txid" in str(error)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_lowercase_t_and_z_in_a_reports_dates_are_accepted(flavour: str) -> None:
    moment = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).strftime("%Y-%m-%dt%H:%M:%Sz")
    sessions = [{"startTime": moment, "endTime": moment.upper(), "numBytes": 5}]
    service = fakes.FakeService([fakes.json_response(200, {"id": DEVICE, "txid": "t", "sessions": sessions})])
    report = call(flavour, service)
    [session] = report.sessions
    assert session.start_time == session.end_time
    assert session.start_time.tzinfo is not None


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
