"""The sessions report: header/body agreement (D2), dates and limits (D4), devices and body (D5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from hpl_sandbox.config import ACCOUNT_2
from tests.sandbox.support import (
    ACCOUNT_2_DEVICE,
    ACTIVE,
    INACTIVE,
    MULTI_ACCOUNT,
    NOT_CERTIFIED,
    NOT_PURCHASED,
    SESSIONS,
    UNOWNED,
    Api,
    TestClient,
    assert_error,
    login,
)

DAY = timedelta(days=1)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def duration(session: dict[str, str]) -> float:
    return (parse(session["endTime"]) - parse(session["startTime"])).total_seconds()


def test_report_names_the_device_and_lists_its_sessions(api: Api) -> None:
    response = api.sessions(imei=ACTIVE)
    assert response.status_code == 200
    report = response.json()
    assert report["id"] == ACTIVE
    assert report["sessions"]
    for session in report["sessions"]:
        assert session["startTime"].endswith("Z")
        assert session["numBytes"] >= 0


def test_every_report_has_a_fresh_txid(api: Api) -> None:
    txids = {api.sessions(imei=ACTIVE).json()["txid"] for _ in range(3)}
    assert len(txids) == 3


def test_missing_dates_cover_the_180_days_before_now(api: Api) -> None:
    end = now()
    explicit = api.sessions(imei=ACTIVE, startDate=iso(end - 180 * DAY), endDate=iso(end)).json()["sessions"]
    defaulted = api.sessions(imei=ACTIVE).json()["sessions"]
    assert defaulted == explicit


def test_missing_start_date_is_180_days_before_the_end_date(api: Api) -> None:
    end = now() - 30 * DAY
    explicit = api.sessions(imei=ACTIVE, startDate=iso(end - 180 * DAY), endDate=iso(end)).json()["sessions"]
    defaulted = api.sessions(imei=ACTIVE, endDate=iso(end)).json()["sessions"]
    assert defaulted == explicit
    assert all(parse(s["startTime"]) <= end for s in defaulted)


def test_default_end_date_follows_the_sandbox_clock(api: Api) -> None:
    before = len(api.sessions(imei=ACTIVE).json()["sessions"])
    api.client.post("/_sandbox/clock", json={"advance_seconds": 90 * 86400})
    credentials = login(api.client)
    after = api.client.post(
        SESSIONS,
        json={"accountNumber": api.account, "imei": ACTIVE},
        headers={**credentials, "accountNumber": api.account, "imei": ACTIVE},
    )
    assert 0 < len(after.json()["sessions"]) < before


def test_sessions_start_inside_the_range(api: Api) -> None:
    start, end = now() - 40 * DAY, now() - 10 * DAY
    sessions = api.sessions(imei=ACTIVE, startDate=iso(start), endDate=iso(end)).json()["sessions"]
    assert sessions
    assert all(start <= parse(s["startTime"]) <= end for s in sessions)


def test_duration_filter_keeps_sessions_between_low_and_high_seconds(api: Api) -> None:
    everything = api.sessions(imei=ACTIVE).json()["sessions"]
    low, high = 600, 3600
    filtered = api.sessions(imei=ACTIVE, durationLow=low, durationHigh=high).json()["sessions"]
    assert filtered == [s for s in everything if low <= duration(s) <= high]
    assert 0 < len(filtered) < len(everything)


def test_durations_beyond_any_session_are_accepted(api: Api) -> None:
    everything = api.sessions(imei=ACTIVE).json()["sessions"]
    assert api.sessions(imei=ACTIVE, durationHigh=10**30).json()["sessions"] == everything
    assert api.sessions(imei=ACTIVE, durationLow=10**30).json()["sessions"] == []


def test_duration_low_above_high_is_refused(api: Api) -> None:
    assert_error(api.sessions(imei=ACTIVE, durationLow=10, durationHigh=9), 400, says="durationLow")


def test_start_after_end_is_refused(api: Api) -> None:
    response = api.sessions(imei=ACTIVE, startDate=iso(now()), endDate=iso(now() - DAY))
    assert_error(response, 400, "INVALID_PARAMETER", says="startDate")


def test_a_range_of_180_days_is_accepted(api: Api) -> None:
    end = now()
    assert api.sessions(imei=ACTIVE, startDate=iso(end - 180 * DAY), endDate=iso(end)).status_code == 200


def test_a_range_one_second_past_180_days_is_refused(api: Api) -> None:
    end = now()
    response = api.sessions(imei=ACTIVE, startDate=iso(end - 180 * DAY - timedelta(seconds=1)), endDate=iso(end))
    assert_error(response, 400, says="180 days")


def test_a_start_date_alone_more_than_180_days_ago_is_refused(api: Api) -> None:
    assert_error(api.sessions(imei=ACTIVE, startDate=iso(now() - 200 * DAY)), 400, says="180 days")


def test_an_imei_the_account_does_not_own_is_device_not_found(api: Api) -> None:
    assert_error(api.sessions(imei=UNOWNED), 400, "INVALID_PARAMETER", says="Device Not Found")


def test_another_accounts_device_is_device_not_found(api: Api) -> None:
    assert_error(api.sessions(imei=ACCOUNT_2_DEVICE), 400, says="Device Not Found")


@pytest.mark.parametrize(
    ("imei", "status", "code", "message"),
    [
        (NOT_CERTIFIED, 403, "INVALID_PARAMETER", "Device Not Certified"),
        (INACTIVE, 404, "INVALID_PARAMETER", "Device inactive"),
        (NOT_PURCHASED, 409, "INVALID_PARAMETER", "Service Not Purchased"),
        (MULTI_ACCOUNT, 500, "INTERNAL_ERROR", "Device is active in several accounts"),
    ],
)
def test_device_state_sets_the_status(api: Api, imei: str, status: int, code: str, message: str) -> None:
    response = api.sessions(imei=imei)
    assert_error(response, status, code)
    assert response.json()["errorMessage"] == message


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("imei", "709312034493399"),
        ("startDate", "2026-01-01T00:00:00Z"),
        ("endDate", "2026-01-01T00:00:00Z"),
        ("durationLow", "5"),
        ("durationHigh", "5"),
    ],
)
def test_a_header_that_disagrees_with_the_body_is_refused_naming_it(api: Api, header: str, value: str) -> None:
    response = api.sessions(headers={header: value}, imei=ACTIVE, durationLow=1, durationHigh=99999)
    assert_error(response, 400, "INVALID_PARAMETER", says=header)


def test_an_account_header_that_disagrees_with_the_body_is_refused(api: Api) -> None:
    body = {"accountNumber": api.account, "imei": ACTIVE}
    headers = {**api.credentials, "accountNumber": ACCOUNT_2, "imei": ACTIVE}
    assert_error(api.client.post(SESSIONS, json=body, headers=headers), 400, says="accountNumber")


def test_the_body_account_is_the_one_bound_to_the_credentials(api: Api) -> None:
    body = {"accountNumber": ACCOUNT_2, "imei": ACTIVE}
    headers = {**api.credentials, "accountNumber": api.account, "imei": ACTIVE}
    assert_error(api.client.post(SESSIONS, json=body, headers=headers), 403)


def test_the_header_account_is_bound_when_the_body_cannot_be_read(api: Api) -> None:
    headers = {**api.credentials, "accountNumber": ACCOUNT_2, "imei": ACTIVE, "Content-Type": "application/json"}
    assert_error(api.client.post(SESSIONS, content=b"{", headers=headers), 403)


def test_a_header_without_its_body_field_is_refused(api: Api) -> None:
    assert_error(api.sessions(headers={"durationLow": "5"}, imei=ACTIVE), 400, says="durationLow")


def test_header_and_body_dates_agree_as_instants_not_as_text(api: Api) -> None:
    day = now() - 30 * DAY
    start = f"{day:%Y-%m-%d}T00:00:00Z"
    response = api.sessions(headers={"startDate": f"{day:%Y-%m-%d}T02:00:00+02:00"}, imei=ACTIVE, startDate=start)
    assert response.status_code == 200


def test_missing_required_header_is_refused(api: Api) -> None:
    body = {"accountNumber": api.account, "imei": ACTIVE}
    response = api.client.post(SESSIONS, json=body, headers={**api.credentials, "accountNumber": api.account})
    assert_error(response, 400, says="imei")


def test_compatibility_mode_accepts_a_body_without_headers(make_client: Callable[..., TestClient]) -> None:
    client = make_client(compat_mode=True)
    body = {"accountNumber": "0844021539-00001", "imei": ACTIVE}
    response = client.post(SESSIONS, json=body, headers=login(client))
    assert response.status_code == 200
    assert response.json()["id"] == ACTIVE


def test_compatibility_mode_still_binds_the_body_account(make_client: Callable[..., TestClient]) -> None:
    client = make_client(compat_mode=True)
    body = {"accountNumber": ACCOUNT_2, "imei": ACCOUNT_2_DEVICE}
    assert_error(client.post(SESSIONS, json=body, headers=login(client)), 403)


def test_compatibility_mode_still_checks_headers_that_are_sent(make_client: Callable[..., TestClient]) -> None:
    client = make_client(compat_mode=True)
    body = {"accountNumber": "0844021539-00001", "imei": ACTIVE}
    response = client.post(SESSIONS, json=body, headers={**login(client), "imei": "709312034493399"})
    assert_error(response, 400, says="imei")
