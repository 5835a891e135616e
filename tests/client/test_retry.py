"""Resilience: timeouts on every call, backoff with jitter on connection errors, 5xx and 429
(honouring Retry-After), and an Idempotency-Key that makes the asynchronous aggregate safe to retry."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import random
import uuid

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import hpl
from hpl.retry import MAX_RETRY_AFTER, retry_after_seconds
from hpl_sandbox.testing import SandboxControl
from tests.client import fakes
from tests.client.conftest import ACCOUNT, DEVICE, Sleeps

GATEWAY_DOWN = "<html><body>503 Service Unavailable</body></html>"


def fake_client(service: fakes.FakeService, sleeps: Sleeps, attempts: int = 4) -> hpl.Client:
    retry = hpl.RetryPolicy(attempts=attempts, sleep=sleeps, async_sleep=sleeps.asleep)
    return hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport, retry=retry)


def test_sessions_report_is_retried_after_a_5xx_until_it_succeeds(
    sandbox: SandboxControl, client: hpl.Client, sleeps: Sleeps
) -> None:
    sandbox.force("getSessionsReport", 500, times=2)
    report = client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert report.id == DEVICE
    assert [e["status"] for e in sandbox.journal("/report/sessions")] == [500, 500, 200]
    assert len(sleeps.calls) == 2


def test_sync_aggregate_is_retried_after_a_gateway_html_500(sandbox: SandboxControl, client: hpl.Client) -> None:
    sandbox.force("calculateAggregatedReportSynchronous", 500, gateway_html=True)
    report = client.aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    assert report.usage and report.usage[0].imei == DEVICE


def test_listing_listeners_is_retried_after_a_5xx(sandbox: SandboxControl, client: hpl.Client) -> None:
    sandbox.force("listRegisteredCallbacks", 500)
    assert client.list_callbacks(account_number=ACCOUNT) == []


def test_retries_stop_after_the_last_attempt_with_the_last_error(
    sandbox: SandboxControl, client: hpl.Client, sleeps: Sleeps
) -> None:
    sandbox.force("getSessionsReport", 500, times=10)
    with pytest.raises(hpl.InternalServerError):
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert len(sandbox.journal("/report/sessions")) == client.retry.attempts == 4
    assert len(sleeps.calls) == 3


def test_a_4xx_is_not_retried(sandbox: SandboxControl, client: hpl.Client, sleeps: Sleeps) -> None:
    sandbox.force("getSessionsReport", 409)
    with pytest.raises(hpl.ConflictError):
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert sleeps.calls == []


def test_the_async_aggregate_is_retried_after_a_5xx(
    sandbox: SandboxControl, client: hpl.Client, sleeps: Sleeps
) -> None:
    # Safe since it carries an Idempotency-Key (D8, issue 14).
    client.register_callback(account_number=ACCOUNT, name="nobody", url="http://127.0.0.1:9/none")
    sandbox.force("calculateAggregatedReportAsynchronous", 500)
    started = client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    assert started.txid
    assert [e["status"] for e in sandbox.journal("/report/async/aggregate")] == [500, 200]
    assert len(sleeps.calls) == 1


def test_every_try_of_one_async_aggregate_carries_the_same_idempotency_key(sleeps: Sleeps) -> None:
    queued = {"txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "status": "QUEUED"}
    service = fakes.FakeService([httpx.Response(502), httpx.ReadTimeout("no answer"), fakes.json_response(200, queued)])
    with fake_client(service, sleeps) as client:
        client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    keys = {request.headers["Idempotency-Key"] for request in service.api_requests}
    assert len(service.api_requests) == 3 and len(keys) == 1


def test_each_async_aggregate_gets_a_fresh_uuid_as_its_idempotency_key(sleeps: Sleeps) -> None:
    queued = {"txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "status": "QUEUED"}
    service = fakes.FakeService()
    service.default = lambda request: fakes.json_response(200, queued)
    with fake_client(service, sleeps) as client:
        for _ in range(2):
            client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    first, second = (uuid.UUID(request.headers["Idempotency-Key"]) for request in service.api_requests)
    assert first != second and first.version == 4


def test_an_idempotency_key_given_by_the_caller_is_sent_as_it_is(sleeps: Sleeps) -> None:
    queued = {"txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "status": "QUEUED"}
    service = fakes.FakeService([fakes.json_response(200, queued)])
    with fake_client(service, sleeps) as client:
        client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE], idempotency_key="nightly-report-7")
    assert service.api_requests[0].headers["Idempotency-Key"] == "nightly-report-7"


def test_an_idempotency_key_that_cannot_be_a_header_is_refused_before_sending(sleeps: Sleeps) -> None:
    service = fakes.FakeService()
    with fake_client(service, sleeps) as client, pytest.raises(hpl.RequestLimitError, match="idempotency key"):
        client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE], idempotency_key="two words")
    assert service.api_requests == []


def test_the_async_aggregate_is_retried_after_a_5xx_when_asked(sandbox: SandboxControl, client: hpl.Client) -> None:
    client.register_callback(account_number=ACCOUNT, name="nobody", url="http://127.0.0.1:9/none")
    sandbox.force("calculateAggregatedReportAsynchronous", 500)
    started = client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE], retry=True)
    assert started.txid
    assert [e["status"] for e in sandbox.journal("/report/async/aggregate")] == [500, 200]


def test_the_async_aggregate_is_retried_when_the_connection_was_never_made(sleeps: Sleeps) -> None:
    queued = {"txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "status": "QUEUED"}
    service = fakes.FakeService([httpx.ConnectError("refused"), fakes.json_response(200, queued)])
    with fake_client(service, sleeps) as client:
        started = client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    assert started.txid == queued["txid"]
    assert len(service.api_requests) == 2


def test_the_async_aggregate_is_retried_after_a_read_timeout(sleeps: Sleeps) -> None:
    queued = {"txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "status": "QUEUED"}
    service = fakes.FakeService([httpx.ReadTimeout("no answer"), fakes.json_response(200, queued)])
    with fake_client(service, sleeps) as client:
        assert client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE]).txid == queued["txid"]
    assert len(service.api_requests) == 2


def test_connection_errors_are_retried_then_raised_as_network_error(sleeps: Sleeps) -> None:
    service = fakes.FakeService([httpx.ConnectError("refused")] * 4)
    with fake_client(service, sleeps) as client, pytest.raises(hpl.NetworkError) as raised:
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert len(service.api_requests) == 4
    assert "ConnectError" in str(raised.value) and "/report/sessions" in str(raised.value)
    assert isinstance(raised.value.cause, httpx.ConnectError)


def test_a_dropped_connection_then_a_success_returns_the_report(sleeps: Sleeps) -> None:
    service = fakes.FakeService([httpx.RemoteProtocolError("peer closed"), httpx.Response(503, text=GATEWAY_DOWN)])
    with fake_client(service, sleeps) as client:
        assert client.sessions(account_number=ACCOUNT, imei=DEVICE).id == DEVICE
    assert len(service.api_requests) == 3


def test_a_429_waits_as_long_as_retry_after_asks(sleeps: Sleeps) -> None:
    service = fakes.FakeService([httpx.Response(429, headers={"Retry-After": "7"})])
    with fake_client(service, sleeps) as client:
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert sleeps.calls and sleeps.calls[0] >= 7


def test_a_retry_after_up_to_the_cap_is_waited_in_full(sleeps: Sleeps) -> None:
    asked = str(int(MAX_RETRY_AFTER))
    service = fakes.FakeService([httpx.Response(503, headers={"Retry-After": asked})])
    with fake_client(service, sleeps) as client:
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert sleeps.calls == [MAX_RETRY_AFTER]


def test_a_retry_after_beyond_the_cap_raises_at_once_saying_when_to_retry(sleeps: Sleeps) -> None:
    # Issue 13: waiting 60 s three times for a service that asked for a day helps nobody.
    service = fakes.FakeService([httpx.Response(503, headers={"Retry-After": "86400"})])
    with fake_client(service, sleeps) as client, pytest.raises(hpl.UnexpectedStatusError) as raised:
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert sleeps.calls == [] and len(service.api_requests) == 1
    assert raised.value.retry_after == 86400
    assert "retry after 86400 s" in str(raised.value)


def test_a_5xx_from_the_token_service_is_retried_even_for_the_async_aggregate(sleeps: Sleeps) -> None:
    queued = {"txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "status": "QUEUED"}
    service = fakes.FakeService([fakes.json_response(200, queued)])
    service.token_script = [httpx.Response(503, text="token service down")]
    with fake_client(service, sleeps) as client:
        client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    assert len(service.token_requests) == 2 and len(service.api_requests) == 1


def test_each_retry_is_logged_with_its_reason(
    sandbox: SandboxControl, client: hpl.Client, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.force("getSessionsReport", 500)
    with caplog.at_level(logging.INFO, logger="hpl"):
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert "retrying getSessionsReport after HTTP 500" in caplog.text


def test_retry_after_as_an_http_date_is_the_seconds_until_then() -> None:
    now = 1_700_000_000.0
    when = email.utils.formatdate(now + 30, usegmt=True)
    response = httpx.Response(429, headers={"Retry-After": when})
    assert retry_after_seconds(response, now=lambda: now) == pytest.approx(30, abs=1)


def test_an_unparsable_retry_after_is_ignored() -> None:
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "soon"})) is None


def test_a_slow_answer_times_out_as_a_network_error(sandbox: SandboxControl) -> None:
    sandbox.force("getSessionsReport", 200, latency_ms=2000)
    # The first call also fetches tokens; those answer at once, only the report is slow.
    with (
        hpl.Client(sandbox=sandbox.origin, timeout=0.3, retry=hpl.RetryPolicy(attempts=1)) as client,
        pytest.raises(hpl.NetworkError, match="ReadTimeout"),
    ):
        client.sessions(account_number=ACCOUNT, imei=DEVICE)


def test_the_async_client_retries_on_5xx_too(sleeps: Sleeps) -> None:
    service = fakes.FakeService([httpx.Response(502, text="bad gateway")])

    async def run() -> str:
        retry = hpl.RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep)
        async with hpl.AsyncClient(
            fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport, retry=retry
        ) as client:
            report = await client.sessions(account_number=ACCOUNT, imei=DEVICE)
            return report.id

    assert asyncio.run(run()) == DEVICE
    assert len(sleeps.calls) == 1


@given(
    attempt=st.integers(min_value=0, max_value=30),
    base=st.floats(min_value=0.01, max_value=5),
    cap=st.floats(min_value=0.01, max_value=60),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_backoff_stays_within_the_exponential_envelope(attempt: int, base: float, cap: float, seed: int) -> None:
    """Rule: the wait after try n lies in [0, min(cap, base * 2**n)] (full jitter)."""
    policy = hpl.RetryPolicy(backoff_base=base, backoff_cap=cap, rng=random.Random(seed))
    assert 0 <= policy.delay(attempt) <= min(cap, base * 2**attempt)


def test_backoff_is_jittered_not_fixed() -> None:
    policy = hpl.RetryPolicy(rng=random.Random(1))
    assert len({policy.delay(3) for _ in range(20)}) > 1


def test_retry_after_in_the_past_means_no_wait() -> None:
    past = email.utils.format_datetime(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), usegmt=True)
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": past})) == 0.0
