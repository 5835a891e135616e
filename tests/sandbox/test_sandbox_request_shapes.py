"""The request shapes of Verizon's current public sources that decision D8 makes the sandbox accept,
in strict mode (with the D2 header copies) and in compatibility mode (body only): `noSessionFlag`
as a JSON boolean, `null` in optional fields meaning absent, `deviceLabel` accepted and ignored,
and the aggregate's `imei` as one string meaning a list of that one device."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hpl_sandbox.config import ACCOUNT_1
from tests.sandbox.support import (
    ACTIVE,
    AGGREGATE,
    ASYNC_AGGREGATE,
    SESSIONS,
    Api,
    Listener,
    TestClient,
    assert_error,
    login,
    wait_until,
)

NO_SESSIONS_DEVICE = "709312035000002"  # the demo's generated devices: every fifth has no sessions


def post(api: Api, path: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    """`body` as it is, with only the headers given (plus the credentials)."""
    extra = {"X-Portal-Initiated": "false"} if path == ASYNC_AGGREGATE else {}
    return api.client.post(path, json=body, headers={**api.credentials, **extra, **headers})


def aggregate_body(**fields: Any) -> dict[str, Any]:
    return {"accountNumber": ACCOUNT_1, **fields}


def reported(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [usage["imei"] for usage in response.json()["usage"]]


def test_a_boolean_no_session_flag_keeps_only_devices_without_sessions(api: Api) -> None:
    body = aggregate_body(imei=[ACTIVE, NO_SESSIONS_DEVICE], noSessionFlag=True)
    assert reported(post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="2")) == [NO_SESSIONS_DEVICE]


def test_a_boolean_false_no_session_flag_filters_nothing(api: Api) -> None:
    body = aggregate_body(imei=[ACTIVE, NO_SESSIONS_DEVICE], noSessionFlag=False)
    assert reported(post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="2")) == [ACTIVE, NO_SESSIONS_DEVICE]


@pytest.mark.parametrize(("flag", "header"), [(True, "true"), (False, "false")])
def test_a_boolean_no_session_flag_agrees_with_the_same_word_in_its_header(api: Api, flag: bool, header: str) -> None:
    body = aggregate_body(imei=[ACTIVE], noSessionFlag=flag)
    response = post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="1", noSessionFlag=header)
    assert response.status_code == 200, response.text


def test_a_boolean_no_session_flag_disagreeing_with_its_header_is_refused(api: Api) -> None:
    body = aggregate_body(imei=[ACTIVE], noSessionFlag=True)
    response = post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="1", noSessionFlag="false")
    assert_error(response, 400, "INVALID_PARAMETER", says="noSessionFlag")


@pytest.mark.parametrize("flag", [1, "yes", "True"])
def test_a_no_session_flag_that_is_neither_boolean_nor_true_or_false_is_refused(api: Api, flag: object) -> None:
    body = aggregate_body(imei=[ACTIVE], noSessionFlag=flag)
    assert_error(post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="1"), 400, says="noSessionFlag")


def test_null_in_the_optional_fields_of_a_sessions_report_means_absent(api: Api) -> None:
    nulls = {"startDate": None, "endDate": None, "durationLow": None, "durationHigh": None}
    plain = post(api, SESSIONS, {"accountNumber": ACCOUNT_1, "imei": ACTIVE}, accountNumber=ACCOUNT_1, imei=ACTIVE)
    with_nulls = post(
        api, SESSIONS, {"accountNumber": ACCOUNT_1, "imei": ACTIVE, **nulls}, accountNumber=ACCOUNT_1, imei=ACTIVE
    )
    assert with_nulls.status_code == 200, with_nulls.text
    assert with_nulls.json()["sessions"] == plain.json()["sessions"]


def test_null_in_the_optional_fields_of_an_aggregate_means_absent(api: Api) -> None:
    nulls = {"startDate": None, "endDate": None, "deviceGroup": None, "dataPlan": None, "noSessionFlag": None}
    body = aggregate_body(imei=[ACTIVE, NO_SESSIONS_DEVICE], **nulls)
    assert reported(post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="2")) == [ACTIVE, NO_SESSIONS_DEVICE]


def test_a_header_copying_a_field_the_body_sends_as_null_is_refused(api: Api) -> None:
    # Null means absent (D8), and a header must copy a body field that is there (D2).
    body = aggregate_body(imei=[ACTIVE], deviceGroup=None)
    response = post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="1", deviceGroup="fleet-north")
    assert_error(response, 400, says="deviceGroup")


def test_null_in_a_required_field_is_refused(api: Api) -> None:
    assert_error(post(api, AGGREGATE, aggregate_body(imei=None), accountNumber=ACCOUNT_1, imei="0"), 400, says="imei")


def test_a_device_label_on_an_aggregate_is_accepted_and_selects_nothing(api: Api) -> None:
    body = aggregate_body(imei=[ACTIVE, NO_SESSIONS_DEVICE], deviceLabel="truck-17")
    assert reported(post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="2")) == [ACTIVE, NO_SESSIONS_DEVICE]


def test_a_device_label_is_not_a_field_of_the_sessions_report(api: Api) -> None:
    body = {"accountNumber": ACCOUNT_1, "imei": ACTIVE, "deviceLabel": "truck-17"}
    assert_error(post(api, SESSIONS, body, accountNumber=ACCOUNT_1, imei=ACTIVE), 400, says="deviceLabel")


def test_one_imei_string_on_the_synchronous_aggregate_is_a_list_of_that_device(api: Api) -> None:
    body = aggregate_body(imei=ACTIVE)
    assert reported(post(api, AGGREGATE, body, accountNumber=ACCOUNT_1, imei="1")) == [ACTIVE]


def test_the_imei_header_counts_one_for_one_imei_string(api: Api) -> None:
    response = post(api, AGGREGATE, aggregate_body(imei=ACTIVE), accountNumber=ACCOUNT_1, imei="15")
    assert_error(response, 400, says="number of IMEIs")


def test_one_imei_string_that_is_not_an_imei_is_refused(api: Api) -> None:
    assert_error(post(api, AGGREGATE, aggregate_body(imei="7093"), accountNumber=ACCOUNT_1, imei="1"), 400, says="imei")


def test_one_imei_string_on_the_asynchronous_aggregate_queues_that_one_device(api: Api, listener: Listener) -> None:
    api.register("hook", "http://listener.test/hook")
    response = post(api, ASYNC_AGGREGATE, aggregate_body(imei=ACTIVE), accountNumber=ACCOUNT_1, imei="1")
    assert response.status_code == 200, response.text
    wait_until(lambda: len(listener.messages) == 1)
    assert listener.messages[0][1]["usage"][0]["imei"] == ACTIVE


@pytest.fixture
def compat(make_client: Callable[..., TestClient]) -> Api:
    client = make_client(compat_mode=True)
    return Api(client, login(client, 1), ACCOUNT_1)


def test_compatibility_mode_accepts_the_current_sdk_aggregate_body_without_headers(compat: Api) -> None:
    body = aggregate_body(imei=[ACTIVE, NO_SESSIONS_DEVICE], noSessionFlag=True, startDate=None, deviceLabel="x")
    assert reported(post(compat, AGGREGATE, body)) == [NO_SESSIONS_DEVICE]


def test_compatibility_mode_accepts_one_imei_string_without_headers(compat: Api) -> None:
    assert reported(post(compat, AGGREGATE, aggregate_body(imei=ACTIVE))) == [ACTIVE]


def test_compatibility_mode_accepts_nulls_in_a_sessions_report_without_headers(compat: Api) -> None:
    body = {"accountNumber": ACCOUNT_1, "imei": ACTIVE, "startDate": None, "durationHigh": None}
    response = post(compat, SESSIONS, body)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == ACTIVE
