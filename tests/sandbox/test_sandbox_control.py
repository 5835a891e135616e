"""Issue item 6: the /_sandbox/ control plane — reset, seed, devices, journal, clock, forced answers."""

from __future__ import annotations

import time

import pytest

from hpl_sandbox.config import ACCOUNT_1, ACCOUNT_2
from hpl_sandbox.spec import load_spec
from hpl_sandbox.validation import compile_schema
from tests.sandbox.support import (
    ACTIVE,
    CALLBACKS,
    INACTIVE,
    LOGIN,
    MULTI_ACCOUNT,
    NOT_CERTIFIED,
    NOT_PURCHASED,
    Api,
    TestClient,
    assert_error,
    login,
)


def force(client: TestClient, **fields: object) -> int:
    return client.post("/_sandbox/force", json=fields).status_code


def test_devices_lists_every_state_of_the_demo_account(client: TestClient) -> None:
    listed = {
        d["imei"]: d["state"] for d in client.get("/_sandbox/devices", params={"accountNumber": ACCOUNT_1}).json()
    }
    assert listed[ACTIVE] == "active"
    assert (listed[NOT_CERTIFIED], listed[INACTIVE], listed[NOT_PURCHASED], listed[MULTI_ACCOUNT]) == (
        "not_certified",
        "inactive",
        "not_purchased",
        "multi_account",
    )


def test_demo_fleet_spreads_over_groups_and_plans(client: TestClient) -> None:
    listed = client.get("/_sandbox/devices", params={"accountNumber": ACCOUNT_1}).json()
    assert {d["deviceGroup"] for d in listed} == {"fleet-north", "fleet-south"}
    assert {d["dataPlan"] for d in listed} == {"hpl-basic", "hpl-pro"}


def test_the_second_account_owns_its_own_devices(client: TestClient) -> None:
    listed = client.get("/_sandbox/devices", params={"accountNumber": ACCOUNT_2}).json()
    assert listed
    assert {d["accountNumber"] for d in listed} == {ACCOUNT_2}


def test_seed_replaces_the_fleet(client: TestClient) -> None:
    answer = client.post("/_sandbox/seed", json={"devices": 50, "days": 10, "seed": 3})
    assert answer.status_code == 200
    assert answer.json()["sessions"] > 0
    assert len(client.get("/_sandbox/devices", params={"accountNumber": ACCOUNT_1}).json()) == 50


def test_the_same_seed_gives_the_same_data(client: TestClient) -> None:
    first = client.post("/_sandbox/seed", json={"devices": 30, "days": 30, "seed": 9}).json()["sessions"]
    other = client.post("/_sandbox/seed", json={"devices": 30, "days": 30, "seed": 10}).json()["sessions"]
    again = client.post("/_sandbox/seed", json={"devices": 30, "days": 30, "seed": 9}).json()["sessions"]
    assert first == again
    assert first != other


def test_seed_refuses_nonsense_with_the_error_body(client: TestClient) -> None:
    assert_error(client.post("/_sandbox/seed", json={"devices": -1}), 400)
    assert_error(client.post("/_sandbox/seed", content=b"{", headers={"Content-Type": "application/json"}), 400)


def test_reset_forgets_listeners_tokens_and_the_journal(api: Api) -> None:
    api.register("hook", "https://example.com/hook")
    assert api.client.post("/_sandbox/reset").json() == {"ok": True}
    assert api.client.get("/_sandbox/journal").json() == []
    response = api.client.get(CALLBACKS, params={"accountNumber": ACCOUNT_1}, headers=api.credentials)
    assert_error(response, 401)
    fresh = login(api.client)
    assert api.client.get(CALLBACKS, params={"accountNumber": ACCOUNT_1}, headers=fresh).json() == []


def test_reset_puts_the_clock_back(client: TestClient) -> None:
    client.post("/_sandbox/clock", json={"advance_seconds": 5000})
    client.post("/_sandbox/reset")
    assert abs(client.get("/_sandbox/clock").json()["offset_seconds"]) < 1


def test_journal_records_requests_with_credentials_redacted(api: Api) -> None:
    api.sessions(imei=ACTIVE)
    entries = api.client.get("/_sandbox/journal").json()
    last = entries[-1]
    assert (last["method"], last["status"]) == ("POST", 200)
    assert last["path"].endswith("/report/sessions")
    assert last["headers"]["authorization"] == "<redacted>"
    assert last["headers"]["vz-m2m-token"] == "<redacted>"
    assert last["body"] == {"accountNumber": ACCOUNT_1, "imei": ACTIVE}


def test_journal_hides_login_passwords(api: Api) -> None:
    logins = [e for e in api.client.get("/_sandbox/journal").json() if e["path"] == LOGIN]
    assert logins
    assert logins[0]["body"]["password"] == "<redacted>"


def test_journal_limit_returns_the_newest_entries(api: Api) -> None:
    api.sessions(imei=ACTIVE)
    api.sessions(imei=INACTIVE)
    entries = api.client.get("/_sandbox/journal", params={"limit": 1}).json()
    assert len(entries) == 1
    assert entries[0]["status"] == 404


def test_journal_can_be_emptied(api: Api) -> None:
    api.sessions(imei=ACTIVE)
    api.client.delete("/_sandbox/journal")
    assert api.client.get("/_sandbox/journal").json() == []


def test_clock_can_be_set_to_an_instant(client: TestClient) -> None:
    answer = client.post("/_sandbox/clock", json={"now": "2030-01-01T00:00:00Z"}).json()
    assert answer["now"].startswith("2030-01-01T00:00:0")
    assert answer["offset_seconds"] > 0


def test_clock_refuses_a_bad_instant(client: TestClient) -> None:
    assert_error(client.post("/_sandbox/clock", json={"now": "soon"}), 400)


def test_a_forced_status_answers_the_next_call_with_the_error_body(api: Api) -> None:
    assert force(api.client, operationId="getSessionsReport", status=500) == 200
    assert_error(api.sessions(imei=ACTIVE), 500, "INTERNAL_ERROR")
    assert api.sessions(imei=ACTIVE).status_code == 200


def test_a_forced_status_lasts_the_given_number_of_calls(api: Api) -> None:
    force(api.client, operationId="getSessionsReport", status=409, times=2)
    statuses = [api.sessions(imei=ACTIVE).status_code for _ in range(3)]
    assert statuses == [409, 409, 200]


def test_forcing_applies_only_to_its_operation(api: Api) -> None:
    force(api.client, operationId="getSessionsReport", status=404)
    assert api.aggregate(imei=[ACTIVE]).status_code == 200


def test_forced_latency_delays_the_answer(api: Api) -> None:
    force(api.client, operationId="calculateAggregatedReportSynchronous", status=200, latency_ms=300)
    began = time.monotonic()
    assert api.aggregate(imei=[ACTIVE]).status_code == 200
    assert time.monotonic() - began >= 0.3


def test_a_forced_gateway_page_is_html(api: Api) -> None:
    force(api.client, operationId="getSessionsReport", status=500, gateway_html=True)
    response = api.sessions(imei=ACTIVE)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("operation_id", "status"),
    [(op, status) for op in ("getSessionsReport", "deregisterCallback") for status in (400, 401, 403, 404, 409, 500)],
)
def test_a_forced_error_can_come_in_the_gateway_envelope(api: Api, operation_id: str, status: int) -> None:
    # D8: the vendor's current SDKs model errors as the API gateway's {responseCode, message, fault}.
    force(api.client, operationId=operation_id, status=status, gateway_envelope=True)
    if operation_id == "getSessionsReport":
        response = api.sessions(imei=ACTIVE)
    else:
        params = {"accountNumber": api.account, "service": "hook"}
        response = api.client.delete(CALLBACKS, params=params, headers=api.credentials)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"responseCode", "message", "fault"}
    assert set(body["fault"]) == {"code", "message", "description"}
    expected_code = {401: "UNAUTHORIZED", 500: "INTERNAL_ERROR"}.get(status, "INVALID_PARAMETER")
    assert body["responseCode"] == expected_code
    assert compile_schema(load_spec(), {"$ref": "#/components/schemas/ErrorBody"}).first_error(body, "body") is None


def test_a_forced_gateway_envelope_carries_the_gateway_fault_code(api: Api) -> None:
    force(api.client, operationId="getSessionsReport", status=404, gateway_envelope=True)
    assert api.sessions(imei=ACTIVE).json()["fault"]["code"] == "900906"


def test_a_forced_gateway_envelope_is_listed_as_such(client: TestClient) -> None:
    force(client, operationId="getSessionsReport", status=401, gateway_envelope=True)
    (queued,) = client.get("/_sandbox/force").json()["getSessionsReport"]
    assert (queued["gateway_envelope"], queued["gateway_html"]) == (True, False)


@pytest.mark.parametrize(
    "fields",
    [
        {"operationId": "getSessionsReport", "status": 500, "gateway_envelope": "yes"},
        {"operationId": "getSessionsReport", "status": 500, "gateway_envelope": True, "gateway_html": True},
        {"operationId": "getSessionsReport", "status": 418},
        {"operationId": "noSuchOperation", "status": 500},
        {"operationId": "getSessionsReport", "status": 500, "times": 0},
    ],
)
def test_forcing_refuses_what_the_spec_does_not_document(client: TestClient, fields: dict[str, object]) -> None:
    assert_error(client.post("/_sandbox/force", json=fields), 400)


def test_forced_answers_can_be_cleared(api: Api) -> None:
    force(api.client, operationId="getSessionsReport", status=500, times=5)
    api.client.delete("/_sandbox/force")
    assert api.sessions(imei=ACTIVE).status_code == 200
