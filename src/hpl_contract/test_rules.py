"""The request rules over the wire: the documented limits (180 days, 10 and 10,000 devices), default
dates and device-state statuses; decisions D2 and D4 — header/body agreement, date and duration order,
the exact 400 for a broken limit, and the refusal of devices the account does not own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hpl_contract import strategies as gen
from hpl_contract.hooks import format_date
from hpl_contract.rules import checking, rule
from hpl_contract.target import SANDBOX_REFUSING_IMEIS, Target
from hpl_contract.wire import (
    ASYNC_AGGREGATE,
    REPORTS,
    SESSIONS,
    SYNC_AGGREGATE,
    assert_error,
    assert_refused,
    assert_success,
    post_report,
)
from hpl_sandbox.testing import SandboxControl

# Operations that answer with the report itself; the asynchronous one answers before reading data.
SYNC_REPORTS = (SESSIONS, SYNC_AGGREGATE)


def base_body(target: Target, path: str) -> dict[str, Any]:
    imei: Any = target.imeis[0] if path == SESSIONS else [target.imeis[0]]
    return {"accountNumber": target.account, "imei": imei}


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


@rule("D4.range-order")
@given(path=st.sampled_from(REPORTS), data=st.data())
def test_start_date_after_end_date_is_refused(
    api: httpx.Client, target: Target, path: str, data: st.DataObject
) -> None:
    """Rule D4: `startDate` later than `endDate` gets 400 INVALID_PARAMETER, on every report operation."""
    start, end = data.draw(gen.date_ranges(), label="range")
    assume(end - start >= timedelta(seconds=1))
    body = {**base_body(target, path), "startDate": format_date(end), "endDate": format_date(start)}
    assert_error(post_report(api, path, body, target.auth_headers()), 400)


@rule("doc.date-range-max-180-days", "D4.limit-status")
@given(path=st.sampled_from(REPORTS), extra_minutes=st.integers(1, 400 * 24 * 60), data=st.data())
def test_a_range_longer_than_180_days_is_refused(
    api: httpx.Client, target: Target, path: str, extra_minutes: int, data: st.DataObject
) -> None:
    """A range longer than 180 days is refused (documented, seeds 000/003), with 400 INVALID_PARAMETER
    (decision D4)."""
    _, end = data.draw(gen.date_ranges(), label="range")
    start = end - timedelta(days=180, minutes=extra_minutes)
    body = {**base_body(target, path), "startDate": format_date(start), "endDate": format_date(end)}
    response = post_report(api, path, body, target.auth_headers())
    with checking("doc.date-range-max-180-days"):
        assert_refused(response)
    with checking("D4.limit-status"):
        assert_error(response, 400)


@rule("doc.date-range-max-180-days")
@given(path=st.sampled_from(SYNC_REPORTS), data=st.data())
def test_a_forward_range_of_at_most_180_days_is_accepted(
    api: httpx.Client, target: Target, path: str, data: st.DataObject
) -> None:
    """Documented (seeds 000/003, "Max 180 days"): any forward range of at most 180 days, up to its last
    second, is a valid range."""
    start, end = data.draw(gen.date_ranges(), label="range")
    if data.draw(st.booleans(), label="exactly 180 days"):
        start = end - timedelta(days=180)
    body = {**base_body(target, path), "startDate": format_date(start), "endDate": format_date(end)}
    assert_success(path, post_report(api, path, body, target.auth_headers()))


@rule("D4.duration-order")
@given(low=st.integers(1, 10**6), gap=st.integers(1, 10**6))
def test_duration_low_above_duration_high_is_refused(api: httpx.Client, target: Target, low: int, gap: int) -> None:
    """Rule D4: `durationLow` greater than `durationHigh` gets 400 INVALID_PARAMETER."""
    body = {**base_body(target, SESSIONS), "durationLow": low + gap, "durationHigh": low}
    assert_error(post_report(api, SESSIONS, body, target.auth_headers()), 400)


@rule("doc.sync-aggregate-max-10-devices", "D4.limit-status")
@given(data=st.data(), count=st.integers(11, 30))
def test_sync_aggregate_refuses_more_than_ten_devices(
    api: httpx.Client, target: Target, data: st.DataObject, count: int
) -> None:
    """The synchronous aggregate refuses a list of more than 10 devices (documented, seed 000), with 400
    (decision D4)."""
    devices = data.draw(st.lists(gen.unknown_imeis(()), min_size=count, max_size=count, unique=True), label="devices")
    body = {"accountNumber": target.account, "imei": devices}
    response = post_report(api, SYNC_AGGREGATE, body, target.auth_headers())
    with checking("doc.sync-aggregate-max-10-devices"):
        assert_refused(response)
    with checking("D4.limit-status"):
        assert_error(response, 400)


@rule("doc.async-aggregate-max-10000-devices", "D4.limit-status")
def test_async_aggregate_refuses_more_than_ten_thousand_devices(api: httpx.Client, target: Target) -> None:
    """The asynchronous aggregate refuses a list of 10,001 devices (documented, seed 003), with 400
    (decision D4)."""
    devices = [f"{n:015d}" for n in range(100_000_000_000_000, 100_000_000_010_001)]
    body = {"accountNumber": target.account, "imei": devices}
    response = post_report(api, ASYNC_AGGREGATE, body, target.auth_headers())
    with checking("doc.async-aggregate-max-10000-devices"):
        assert_refused(response)
    with checking("D4.limit-status"):
        assert_error(response, 400)


@rule("D4.empty-list-selection")
@pytest.mark.sandbox_only
def test_sync_aggregate_refuses_an_empty_list_that_selects_more_than_ten_devices(
    api: httpx.Client, target: Target, sandbox: SandboxControl
) -> None:
    """Rule D4: an empty `imei` list counts as every device the filters select; above 10 that is 400."""
    devices = sandbox.devices(target.account)
    assert len(devices) > 10, "the sandbox's demo account should own more than 10 devices"
    body = {"accountNumber": target.account, "imei": []}
    assert_error(post_report(api, SYNC_AGGREGATE, body, target.auth_headers()), 400)


HEADER_CHANGES = {
    SESSIONS: ("accountNumber", "imei", "startDate", "endDate", "durationLow", "durationHigh"),
    SYNC_AGGREGATE: ("accountNumber", "imei", "startDate", "endDate", "deviceGroup", "dataPlan", "noSessionFlag"),
    ASYNC_AGGREGATE: ("accountNumber", "imei", "startDate", "endDate", "deviceGroup", "dataPlan", "noSessionFlag"),
}


def _disagreeing_value(name: str, value: str) -> str:
    """A schema-valid header value different from `value`."""
    if name == "accountNumber":
        return "9" + value[1:] if value[0] != "9" else "8" + value[1:]
    if name == "imei":
        return str(int(value) + 1) if len(value) < 15 else ("1" if value[0] != "1" else "2") + value[1:]
    if name in ("startDate", "endDate"):
        return format_date(parse(value) - timedelta(seconds=1))
    if name in ("durationLow", "durationHigh"):
        return str(int(value) + 1)
    if name == "noSessionFlag":
        return "false" if value == "true" else "true"
    return value + "x"


@rule("D2.header-body-agreement")
@given(path=st.sampled_from(REPORTS), data=st.data())
def test_a_header_disagreeing_with_the_body_is_refused(
    api: httpx.Client, target: Target, path: str, data: st.DataObject
) -> None:
    """Rule D2: any report header that differs from the body field of the same name gets 400 naming it."""
    start, end = data.draw(gen.date_ranges(max_days=170), label="range")
    body: dict[str, Any] = {
        **base_body(target, path),
        "startDate": format_date(start),
        "endDate": format_date(end),
    }
    if path == SESSIONS:
        body.update(durationLow=60, durationHigh=3600)
    else:
        body.update(deviceGroup="fleet-north", dataPlan="hpl-basic", noSessionFlag="false")
    name = data.draw(st.sampled_from(HEADER_CHANGES[path]), label="header")
    sent = str(len(body["imei"])) if name == "imei" and path != SESSIONS else str(body[name])
    response = post_report(api, path, body, target.auth_headers(), {name: _disagreeing_value(name, sent)})
    error = assert_error(response, 400)
    assert name.lower() in error["errorMessage"].lower(), f"the error does not name {name}: {error}"


@rule("D2.header-body-agreement")
@given(path=st.sampled_from(SYNC_REPORTS), data=st.data())
def test_a_request_whose_headers_agree_with_its_body_is_accepted(
    api: httpx.Client, target: Target, path: str, data: st.DataObject
) -> None:
    """Rule D2: the same parameters in the body and in agreeing headers are a valid request (the
    asynchronous aggregate's acceptance is checked with its callbacks, in test_callbacks)."""
    if path == SESSIONS:
        body = data.draw(gen.session_requests(target.account, target.imeis), label="body")
    else:
        body = data.draw(gen.aggregate_requests(target.account, target.imeis), label="body")
    assert_success(path, post_report(api, path, body, target.auth_headers()))


@rule("D4.unowned-device-sessions")
@given(data=st.data())
def test_sessions_report_of_a_device_the_account_does_not_own_is_refused(
    api: httpx.Client, target: Target, data: st.DataObject
) -> None:
    """Rule D4: a sessions report for an IMEI the account does not own gets 400 "Device Not Found"."""
    imei = data.draw(gen.unknown_imeis(target.imeis), label="imei")
    body = {"accountNumber": target.account, "imei": imei}
    assert_error(post_report(api, SESSIONS, body, target.auth_headers()), 400, "Device Not Found")


@rule("doc.device-state-statuses")
@pytest.mark.sandbox_only
@pytest.mark.parametrize(("imei", "status", "message"), [(i, s, m) for i, (s, m) in SANDBOX_REFUSING_IMEIS.items()])
def test_a_device_state_that_refuses_reports_answers_its_documented_status(
    api: httpx.Client, target: Target, imei: str, status: int, message: str
) -> None:
    """Documented (seeds 002/003): not certified → 403, inactive → 404, not purchased → 409, in several
    accounts → 500."""
    body = {"accountNumber": target.account, "imei": imei}
    assert_error(post_report(api, SESSIONS, body, target.auth_headers()), status, message)


@rule("doc.default-dates")
@given(data=st.data())
def test_missing_dates_default_to_the_180_days_before_now(
    api: httpx.Client, target: Target, data: st.DataObject
) -> None:
    """Documented (seed 002): without dates, a sessions report covers the 180 days up to now: every session inside
    that window, and every session of a slightly narrower explicit window included."""
    imei = data.draw(st.sampled_from(target.imeis), label="imei")
    before = gen.now()
    body = {"accountNumber": target.account, "imei": imei}
    defaulted = assert_success(SESSIONS, post_report(api, SESSIONS, body, target.auth_headers()))
    after = gen.now()
    inner = {
        **body,
        "startDate": format_date(after - timedelta(days=180) + timedelta(minutes=1)),
        "endDate": format_date(before - timedelta(minutes=1)),
    }
    narrower = assert_success(SESSIONS, post_report(api, SESSIONS, inner, target.auth_headers()))
    starts = [parse(s["startTime"]) for s in defaulted.get("sessions", [])]
    assert all(before - timedelta(days=180, minutes=1) <= s <= after + timedelta(minutes=1) for s in starts), starts
    expected = {s["startTime"] for s in narrower.get("sessions", [])}
    assert expected <= {s["startTime"] for s in defaulted.get("sessions", [])}
