"""The facade: one constructor (base URL, credentials, timeouts), context managers, one method per
operation that fills headers and body from one value each, and the raw generated client within reach."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import httpx
import pytest

import hpl
from hpl.client import PRODUCTION_URL, SANDBOX_URL, resolve_base_url
from hpl_client.api.device_reports import get_sessions_report
from hpl_client.models import SessionReport, SessionReportRequest
from hpl_sandbox.testing import SandboxControl
from tests.client import fakes
from tests.client.conftest import ACCOUNT, DEVICE


def test_the_base_url_is_production_by_default() -> None:
    assert resolve_base_url() == PRODUCTION_URL == "https://thingspace.verizon.com/api/hyper-precise/v1"


def test_sandbox_true_is_the_local_sandbox() -> None:
    assert resolve_base_url(sandbox=True) == SANDBOX_URL == "http://127.0.0.1:8080/api/hyper-precise/v1"


def test_an_origin_gets_the_api_path() -> None:
    assert resolve_base_url("http://127.0.0.1:9000/") == "http://127.0.0.1:9000/api/hyper-precise/v1"
    assert resolve_base_url(sandbox="http://h:1") == "http://h:1/api/hyper-precise/v1"


def test_a_full_base_url_is_kept() -> None:
    assert resolve_base_url("https://staging.example/api/hyper-precise/v1/") == (
        "https://staging.example/api/hyper-precise/v1"
    )


def test_a_base_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="not an http"):
        hpl.Client("thingspace.verizon.com", credentials=fakes.CREDENTIALS)


def test_the_sandbox_gets_its_development_credentials_when_none_are_given() -> None:
    client = hpl.Client(sandbox=True)
    assert client.auth.credentials is not None
    assert client.auth.credentials.client_id == "sandbox-client-1"
    assert client.auth.token_url == "http://127.0.0.1:8080/api/ts/v1/oauth2/token"
    client.close()


def test_production_without_credentials_is_refused() -> None:
    with pytest.raises(ValueError, match="no credentials"):
        hpl.Client()


def test_incomplete_credentials_name_what_is_missing() -> None:
    with pytest.raises(ValueError, match="password missing"):
        hpl.Client(client_id="a", client_secret="b", username="c")


def test_each_value_is_passed_once_and_sent_in_both_header_and_body() -> None:
    service = fakes.FakeService()
    end = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=29) + dt.timedelta(hours=8, minutes=30)
    with hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport) as client:
        client.sessions(
            account_number=ACCOUNT, imei=DEVICE, start_date=start, end_date=end, duration_low=60, duration_high=3600
        )
    [request] = service.api_requests
    body = json.loads(request.content)
    for name in ("accountNumber", "imei", "startDate", "endDate", "durationLow", "durationHigh"):
        assert request.headers[name] == str(body[name])
    assert body["startDate"] == start.isoformat() and body["startDate"].endswith("T08:30:00+00:00")


def test_a_naive_datetime_is_taken_as_utc() -> None:
    service = fakes.FakeService()
    # Derived from the clock: a fixed date drifts out of the 180-day window as time passes.
    naive = (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).replace(tzinfo=None, microsecond=0)
    with hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport) as client:
        client.sessions(account_number=ACCOUNT, imei=DEVICE, start_date=naive)
    assert service.api_requests[0].headers["startDate"] == naive.isoformat() + "+00:00"


def test_the_aggregate_imei_header_is_the_number_of_imeis() -> None:
    service = fakes.FakeService()
    service.default = lambda request: fakes.json_response(200, {"txid": None})
    with hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport) as client:
        client.aggregate(account_number=ACCOUNT, imeis=[DEVICE, "709312034493373"], no_sessions=False)
        client.aggregate(account_number=ACCOUNT)
    first, every = service.api_requests
    assert first.headers["imei"] == "2" and first.headers["noSessionFlag"] == "false"
    assert json.loads(first.content)["noSessionFlag"] == "false"
    assert every.headers["imei"] == "0" and json.loads(every.content)["imei"] == []


def test_the_async_aggregate_sends_x_portal_initiated() -> None:
    service = fakes.FakeService()
    service.default = lambda request: fakes.json_response(
        200, {"txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "status": "QUEUED"}
    )
    with hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport) as client:
        client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE], portal_initiated=True)
    assert service.api_requests[0].headers["X-Portal-Initiated"] == "true"


def test_a_string_instead_of_a_list_of_imeis_is_refused() -> None:
    with hpl.Client(sandbox=True) as client, pytest.raises(TypeError, match="list of IMEIs"):
        client.aggregate(account_number=ACCOUNT, imeis=DEVICE)


def test_every_operation_works_against_the_sandbox(client: hpl.Client) -> None:
    report = client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert isinstance(report, SessionReport) and report.id == DEVICE
    aggregate = client.aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    assert aggregate.usage and aggregate.usage[0].number_of_sessions == len(report.sessions or [])
    client.register_callback(account_number=ACCOUNT, name="x", url="http://127.0.0.1:9/x")
    started = client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    assert started.status == "QUEUED"
    client.deregister_callback(account_number=ACCOUNT, name="x")


def test_the_raw_generated_client_is_reachable_and_authenticated(client: hpl.Client) -> None:
    body = SessionReportRequest(account_number=ACCOUNT, imei=DEVICE)
    response = get_sessions_report.sync_detailed(client=client.raw, body=body, account_number=ACCOUNT, imei=DEVICE)
    assert response.status_code == 200
    assert isinstance(response.parsed, SessionReport)


def test_the_async_client_is_an_async_context_manager(sandbox: SandboxControl) -> None:
    async def run() -> hpl.AsyncClient:
        async with hpl.AsyncClient(sandbox=sandbox.origin) as client:
            listeners = await client.list_callbacks(account_number=ACCOUNT)
            assert listeners == []
        return client

    client = asyncio.run(run())
    with pytest.raises(RuntimeError):
        asyncio.run(client.list_callbacks(account_number=ACCOUNT))


def test_a_closed_client_refuses_further_calls(sandbox: SandboxControl) -> None:
    with hpl.Client(sandbox=sandbox.origin) as client:
        client.list_callbacks(account_number=ACCOUNT)
    with pytest.raises(RuntimeError):
        client.list_callbacks(account_number=ACCOUNT)


def test_the_timeout_applies_to_every_call() -> None:
    client = hpl.Client(sandbox=True, timeout=1.5)
    http = client.raw.get_httpx_client()
    assert http.timeout == httpx.Timeout(1.5)
    client.close()


def test_sandbox_true_follows_hpl_sandbox_url_as_the_cli_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPL_SANDBOX_URL", "http://127.0.0.1:9321")
    with hpl.Client(sandbox=True) as client:
        assert client.base_url == "http://127.0.0.1:9321/api/hyper-precise/v1"
    monkeypatch.delenv("HPL_SANDBOX_URL")
    with hpl.Client(sandbox=True) as client:
        assert client.base_url == hpl.SANDBOX_URL
