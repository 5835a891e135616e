"""Limits made painless: the 180-day and device-count limits are checked before sending, the
aggregate batches any number of IMEIs, and a long range is split for the sessions report."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import hpl
from hpl.limits import MAX_RANGE, batches, split_range
from hpl_sandbox.testing import SandboxControl
from tests.client import fakes
from tests.client.conftest import ACCOUNT, DEVICE, NOT_OWNED, present

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def offline_client(service: fakes.FakeService) -> hpl.Client:
    return hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport, now=lambda: NOW)


def test_a_range_over_180_days_is_refused_before_sending_with_what_to_do() -> None:
    service = fakes.FakeService()
    with offline_client(service) as client, pytest.raises(hpl.RequestLimitError) as raised:
        client.sessions(account_number=ACCOUNT, imei=DEVICE, start_date=NOW - dt.timedelta(days=181), end_date=NOW)
    assert "181.0 days" in str(raised.value) and "split_range=True" in str(raised.value)
    assert service.token_requests == [] and service.api_requests == []


def test_a_start_over_180_days_ago_without_an_end_is_refused() -> None:
    service = fakes.FakeService()
    with offline_client(service) as client, pytest.raises(hpl.RequestLimitError, match="180"):
        client.aggregate(account_number=ACCOUNT, imeis=[DEVICE], start_date=NOW - dt.timedelta(days=200))


def test_an_inverted_range_is_refused_before_sending() -> None:
    service = fakes.FakeService()
    with offline_client(service) as client, pytest.raises(hpl.RequestLimitError, match="swap"):
        client.sessions(account_number=ACCOUNT, imei=DEVICE, start_date=NOW, end_date=NOW - dt.timedelta(days=1))


def test_durations_low_above_high_are_refused_before_sending() -> None:
    service = fakes.FakeService()
    with offline_client(service) as client, pytest.raises(hpl.RequestLimitError, match="swap"):
        client.sessions(account_number=ACCOUNT, imei=DEVICE, duration_low=600, duration_high=60)
    assert service.api_requests == []


@pytest.mark.parametrize(
    ("account", "imei", "message"),
    [("0844021539", DEVICE, "10 digits, a dash"), (ACCOUNT, "70931203449337", "15 digits")],
)
def test_malformed_account_or_imei_is_refused_before_sending(account: str, imei: str, message: str) -> None:
    service = fakes.FakeService()
    with offline_client(service) as client, pytest.raises(hpl.RequestLimitError, match=message):
        client.sessions(account_number=account, imei=imei)
    assert service.api_requests == []


def test_the_async_aggregate_refuses_more_than_10000_devices_before_sending() -> None:
    service = fakes.FakeService()
    imeis = [f"{n:015d}" for n in range(10_001)]
    with offline_client(service) as client, pytest.raises(hpl.RequestLimitError, match="10,000"):
        client.start_async_aggregate(account_number=ACCOUNT, imeis=imeis)
    assert service.api_requests == []


def test_a_range_of_exactly_180_days_is_allowed(client: hpl.Client) -> None:
    end = dt.datetime.now(dt.UTC)
    report = client.sessions(account_number=ACCOUNT, imei=DEVICE, start_date=end - MAX_RANGE, end_date=end)
    assert report.id == DEVICE


def test_aggregate_over_25_imeis_sends_batches_of_10_and_merges_one_report(
    sandbox: SandboxControl, client: hpl.Client
) -> None:
    owned = sandbox.imeis(state="active")
    imeis = owned + [f"70931203450{n:04d}" for n in range(25 - len(owned))]
    assert len(imeis) == 25
    report = client.aggregate(account_number=ACCOUNT, imeis=imeis)
    calls = sandbox.journal("/report/aggregate")
    assert sorted(entry["headers"]["imei"] for entry in calls) == ["10", "10", "5"]
    reported = [present(u.imei) for u in present(report.usage)] + [present(e.imei) for e in present(report.errors)]
    assert sorted(reported) == sorted(imeis)
    assert report.txid is None  # three batches have no single txid


def test_batched_aggregate_equals_the_per_device_reports(sandbox: SandboxControl, client: hpl.Client) -> None:
    """Rule D5: numberOfSessions and bytesTransferred equal each device's sessions report."""
    imeis = sandbox.imeis(state="active")[:12]
    end = dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(days=90)
    report = client.aggregate(account_number=ACCOUNT, imeis=imeis, start_date=start, end_date=end)
    assert len(present(report.usage)) == len(imeis)
    assert any(usage.number_of_sessions for usage in present(report.usage))
    for usage in present(report.usage):
        sessions = client.sessions(account_number=ACCOUNT, imei=present(usage.imei), start_date=start, end_date=end)
        listed = sessions.sessions or []
        assert usage.number_of_sessions == len(listed)
        assert usage.bytes_transferred == sum(present(item.num_bytes) for item in listed)


def test_a_repeated_imei_is_sent_once(sandbox: SandboxControl, client: hpl.Client) -> None:
    report = client.aggregate(account_number=ACCOUNT, imeis=[DEVICE, DEVICE, NOT_OWNED])
    assert [u.imei for u in present(report.usage)] == [DEVICE]
    assert sandbox.journal("/report/aggregate")[0]["headers"]["imei"] == "2"


def test_a_single_batch_keeps_its_txid(client: hpl.Client) -> None:
    assert client.aggregate(account_number=ACCOUNT, imeis=[DEVICE]).txid


def test_batches_run_with_bounded_concurrency() -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow_aggregate(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return fakes.json_response(200, {"txid": None, "usage": [], "errors": []})

    service = fakes.FakeService()
    service.default = slow_aggregate
    imeis = [f"{n:015d}" for n in range(95)]
    with offline_client(service) as client:
        client.aggregate(account_number=ACCOUNT, imeis=imeis, concurrency=3)
    assert len(service.api_requests) == 10
    assert 1 < peak <= 3


def test_async_client_batches_with_bounded_concurrency() -> None:
    in_flight = 0
    peak = 0

    async def run() -> None:
        async def slow(request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            if request.url.path.endswith("/token"):
                return fakes.json_response(200, {"access_token": "ACCESS-SECRET-1", "expires_in": 3600})
            if request.url.path.endswith("/login"):
                return fakes.json_response(200, {"sessionToken": "SESSION-SECRET-1"})
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1
            count = int(request.headers["imei"])
            return fakes.json_response(200, {"txid": None, "usage": [{"imei": "0" * 15}] * count})

        async with hpl.AsyncClient(
            fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=httpx.MockTransport(slow), concurrency=2
        ) as client:
            report = await client.aggregate(account_number=ACCOUNT, imeis=[f"{n:015d}" for n in range(45)])
        assert len(present(report.usage)) == 45

    asyncio.run(run())
    assert peak == 2


def test_a_failing_batch_raises_its_own_error_from_the_async_client() -> None:
    def second_batch_refused(request: httpx.Request) -> httpx.Response:
        if request.headers["imei"] == "5":
            return fakes.json_response(400, {"errorCode": "INVALID_PARAMETER", "errorMessage": "Bad batch"})
        return fakes.json_response(200, {"txid": None, "usage": []})

    service = fakes.FakeService()
    service.default = second_batch_refused

    async def run() -> None:
        async with hpl.AsyncClient(
            fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport
        ) as client:
            await client.aggregate(account_number=ACCOUNT, imeis=[f"{n:015d}" for n in range(15)])

    with pytest.raises(hpl.BadRequestError, match="Bad batch"):
        asyncio.run(run())


def test_sessions_over_400_days_are_split_into_windows_and_merged(sandbox: SandboxControl, client: hpl.Client) -> None:
    end = dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(days=400)
    merged = client.sessions(account_number=ACCOUNT, imei=DEVICE, start_date=start, end_date=end, split_range=True)
    windows = split_range(start, end)
    assert len(sandbox.journal("/report/sessions")) == len(windows) == 3
    separate = [client.sessions(account_number=ACCOUNT, imei=DEVICE, start_date=a, end_date=b) for a, b in windows]
    starts = {present(item.start_time) for report in separate for item in report.sessions or []}
    assert starts, "the demo device has sessions in the last 180 days"
    assert sorted(present(item.start_time) for item in merged.sessions or []) == sorted(starts)
    assert merged.id == DEVICE


@given(
    start=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    length=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=2000)),
)
def test_split_windows_cover_the_range_exactly_and_each_fits_the_limit(
    start: dt.datetime, length: dt.timedelta
) -> None:
    """Rule: windows are contiguous, start at start, end at end, and none exceeds 180 days."""
    begin = start.replace(tzinfo=dt.UTC)
    windows = split_range(begin, begin + length)
    assert windows[0][0] == begin and windows[-1][1] == begin + length
    assert all(b - a <= MAX_RANGE for a, b in windows)
    assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(windows))
    assert len(windows) == max(1, -(-length // MAX_RANGE))


@given(items=st.lists(st.integers()), size=st.integers(min_value=1, max_value=20))
def test_batches_keep_every_item_in_order_and_respect_the_size(items: list[int], size: int) -> None:
    """Rule: concatenating the batches gives the input back; every batch holds 1..size items."""
    parts = list(batches(items, size))
    assert [item for part in parts for item in part] == items
    assert all(1 <= len(part) <= size for part in parts)
