"""The synchronous aggregate: limits and filters (D4), per-device errors and the sum rule (D5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpl_sandbox.app import create_app
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from tests.sandbox.support import (
    ACCOUNT_2_DEVICE,
    ACTIVE,
    INACTIVE,
    MULTI_ACCOUNT,
    NOT_CERTIFIED,
    NOT_PURCHASED,
    UNOWNED,
    Api,
    TestClient,
    assert_error,
    login,
)

DAY = timedelta(days=1)
REFUSING = [NOT_CERTIFIED, INACTIVE, NOT_PURCHASED, MULTI_ACCOUNT]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def devices(api: Api, **filters: str) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = api.client.get("/_sandbox/devices", params={"accountNumber": api.account}).json()
    return [d for d in listed if all(d[k] == v for k, v in filters.items())]


def active_imeis(api: Api) -> list[str]:
    return [d["imei"] for d in devices(api, state="active")]


@pytest.fixture(scope="module")
def shared_api() -> Iterator[Api]:
    """One sandbox for the property tests (hypothesis reuses it across examples)."""
    with TestClient(create_app(SandboxConfig())) as client:
        yield Api(client, login(client), ACCOUNT_1)


def test_usage_lists_each_requested_device(api: Api) -> None:
    imeis = active_imeis(api)[:3]
    report = api.aggregate(imei=imeis).json()
    assert [u["imei"] for u in report["usage"]] == imeis
    assert report["errors"] == []


def test_every_aggregate_has_a_fresh_txid(api: Api) -> None:
    txids = {api.aggregate(imei=[ACTIVE]).json()["txid"] for _ in range(3)}
    assert len(txids) == 3
    assert None not in txids


def test_ten_devices_are_accepted(api: Api) -> None:
    assert api.aggregate(imei=active_imeis(api)[:10]).status_code == 200


def test_sync_aggregate_refuses_eleven_devices(api: Api) -> None:
    imeis = [str(709312036000000 + i) for i in range(11)]
    assert_error(api.aggregate(imei=imeis), 400, "INVALID_PARAMETER", says="at most 10")


def test_an_empty_list_selecting_more_than_ten_devices_is_refused(api: Api) -> None:
    assert len(devices(api)) > 10
    assert_error(api.aggregate(imei=[]), 400, says="at most 10")


def test_an_empty_list_means_every_device_the_filters_select(api: Api) -> None:
    expected = devices(api, deviceGroup="fleet-north", dataPlan="hpl-basic")
    assert 0 < len(expected) <= 10
    report = api.aggregate(imei=[], deviceGroup="fleet-north", dataPlan="hpl-basic").json()
    reported = {u["imei"] for u in report["usage"]} | {e["imei"] for e in report["errors"]}
    assert reported == {d["imei"] for d in expected}


def test_device_group_filter_drops_devices_of_other_groups(api: Api) -> None:
    north = {d["imei"] for d in devices(api, deviceGroup="fleet-north", state="active")}
    requested = active_imeis(api)[:10]
    report = api.aggregate(imei=requested, deviceGroup="fleet-north").json()
    assert {u["imei"] for u in report["usage"]} == north & set(requested)


def test_data_plan_filter_drops_devices_of_other_plans(api: Api) -> None:
    pro = {d["imei"] for d in devices(api, dataPlan="hpl-pro", state="active")}
    requested = active_imeis(api)[:10]
    report = api.aggregate(imei=requested, dataPlan="hpl-pro").json()
    assert {u["imei"] for u in report["usage"]} == pro & set(requested)


def test_no_session_flag_keeps_only_devices_without_sessions(api: Api) -> None:
    requested = active_imeis(api)[:10]
    everything = api.aggregate(imei=requested).json()["usage"]
    quiet = api.aggregate(imei=requested, noSessionFlag="true").json()["usage"]
    assert quiet == [u for u in everything if u["numberOfSessions"] == 0]
    assert 0 < len(quiet) < len(everything)


def test_no_session_flag_false_filters_nothing(api: Api) -> None:
    requested = active_imeis(api)[:10]
    assert (
        api.aggregate(imei=requested, noSessionFlag="false").json()["usage"]
        == (api.aggregate(imei=requested).json()["usage"])
    )


def test_an_unowned_device_lands_in_errors_as_device_not_found(api: Api) -> None:
    report = api.aggregate(imei=[ACTIVE, UNOWNED, ACCOUNT_2_DEVICE]).json()
    assert [u["imei"] for u in report["usage"]] == [ACTIVE]
    for error in report["errors"]:
        assert error["errorMessage"] == "Device Not Found"
        assert error["errorResponse"]["httpStatusCode"] == "400 BAD_REQUEST"
    assert [e["imei"] for e in report["errors"]] == [UNOWNED, ACCOUNT_2_DEVICE]


def test_refusing_device_states_land_in_errors_with_their_status(api: Api) -> None:
    response = api.aggregate(imei=REFUSING)
    assert response.status_code == 200
    statuses = {e["imei"]: e["errorResponse"]["httpStatusCode"] for e in response.json()["errors"]}
    assert statuses == {
        NOT_CERTIFIED: "403 FORBIDDEN",
        INACTIVE: "404 NOT_FOUND",
        NOT_PURCHASED: "409 CONFLICT",
        MULTI_ACCOUNT: "500 INTERNAL_SERVER_ERROR",
    }


def test_imei_header_must_count_the_body_list(api: Api) -> None:
    response = api.aggregate(headers={"imei": "2"}, imei=[ACTIVE])
    assert_error(response, 400, says="imei")


@pytest.mark.parametrize(("header", "value"), [("deviceGroup", "fleet-south"), ("noSessionFlag", "true")])
def test_a_filter_header_that_disagrees_with_the_body_is_refused(api: Api, header: str, value: str) -> None:
    response = api.aggregate(headers={header: value}, imei=[ACTIVE], deviceGroup="fleet-north", noSessionFlag="false")
    assert_error(response, 400, says=header)


def test_aggregate_range_over_180_days_is_refused(api: Api) -> None:
    end = datetime.now(UTC)
    response = api.aggregate(imei=[ACTIVE], startDate=iso(end - 181 * DAY), endDate=iso(end))
    assert_error(response, 400, says="180 days")


@given(
    device=st.sampled_from([ACTIVE, "709312035000000", "709312035000001", "709312035000002", "709312035000003"]),
    start_days_ago=st.integers(min_value=0, max_value=200),
    length_days=st.integers(min_value=0, max_value=180),
)
def test_aggregate_equals_the_sum_of_the_sessions_report(
    shared_api: Api, device: str, start_days_ago: int, length_days: int
) -> None:
    """For any device and range, numberOfSessions and bytesTransferred equal the count and the byte
    sum of that device's sessions report over the same range."""
    start = datetime.now(UTC) - timedelta(days=start_days_ago, hours=7)
    end = start + timedelta(days=length_days, hours=3) if length_days < 180 else start + 180 * DAY
    window: dict[str, Any] = {"startDate": iso(start), "endDate": iso(end)}
    sessions = shared_api.sessions(imei=device, **window).json()["sessions"]
    usage = shared_api.aggregate(imei=[device], **window).json()["usage"]
    assert usage == [
        {
            "imei": device,
            "numberOfSessions": len(sessions),
            "bytesTransferred": sum(s["numBytes"] for s in sessions),
        }
    ]


@given(
    group=st.sampled_from([None, "fleet-north", "fleet-south"]),
    plan=st.sampled_from([None, "hpl-basic", "hpl-pro"]),
    quiet=st.sampled_from([None, "true", "false"]),
)
def test_filters_never_invent_devices(shared_api: Api, group: str | None, plan: str | None, quiet: str | None) -> None:
    """A filtered report of a fixed list holds exactly the listed devices that match every filter."""
    requested = [ACTIVE, *[str(709312035000000 + i) for i in range(9)]]
    filters: dict[str, Any] = {
        k: v for k, v in {"deviceGroup": group, "dataPlan": plan, "noSessionFlag": quiet}.items() if v
    }
    everything = shared_api.aggregate(imei=requested).json()["usage"]
    known = {d["imei"]: d for d in devices(shared_api)}
    expected = [
        u
        for u in everything
        if (group is None or known[u["imei"]]["deviceGroup"] == group)
        and (plan is None or known[u["imei"]]["dataPlan"] == plan)
        and (quiet != "true" or u["numberOfSessions"] == 0)
    ]
    assert shared_api.aggregate(imei=requested, **filters).json()["usage"] == expected
