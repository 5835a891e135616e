"""Typed errors: one class per documented status, and a typed exception with the raw text for every
answer the spec does not promise — never a JSONDecodeError, KeyError or ValueError."""

from __future__ import annotations

import httpx
import pytest

import hpl
from hpl_client.types import UnknownEnumValue
from hpl_sandbox.testing import SandboxControl
from tests.client import fakes
from tests.client.conftest import (
    ACCOUNT,
    DEVICE,
    INACTIVE,
    MULTI_ACCOUNT,
    NOT_CERTIFIED,
    NOT_OWNED,
    NOT_PURCHASED,
)

NO_RETRY = hpl.RetryPolicy(attempts=1)


def answer(reply: httpx.Response) -> BaseException:
    """What `sessions` raises when the service answers `reply` (after the tokens)."""
    service = fakes.FakeService([reply])
    with (
        hpl.Client(
            fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport, retry=NO_RETRY
        ) as client,
        pytest.raises(hpl.HplError) as raised,
    ):
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    return raised.value


@pytest.mark.parametrize(
    ("imei", "error_class", "status", "message"),
    [
        (NOT_OWNED, hpl.BadRequestError, 400, "Device Not Found"),
        (NOT_CERTIFIED, hpl.PermissionDeniedError, 403, "Device Not Certified"),
        (INACTIVE, hpl.NotFoundError, 404, "Device inactive"),
        (NOT_PURCHASED, hpl.ConflictError, 409, "Service Not Purchased"),
        (MULTI_ACCOUNT, hpl.InternalServerError, 500, "Device is active in several accounts"),
    ],
)
def test_each_refusing_device_state_raises_its_own_class(
    client: hpl.Client, imei: str, error_class: type[hpl.ApiError], status: int, message: str
) -> None:
    with pytest.raises(error_class) as raised:
        client.sessions(account_number=ACCOUNT, imei=imei)
    error = raised.value
    assert isinstance(error, hpl.ApiError)
    assert (error.status_code, error.error_message) == (status, message)
    assert error.error_code in {"INVALID_PARAMETER", "INTERNAL_ERROR"}
    assert error.error_code_enum is not None
    assert error.response is not None and error.response.status_code == status


def test_another_accounts_number_raises_permission_denied(client: hpl.Client) -> None:
    with pytest.raises(hpl.PermissionDeniedError) as raised:
        client.sessions(account_number="0844021539-00002", imei="709312034499001")
    assert raised.value.status_code == 403


def test_a_gateway_html_500_from_the_sandbox_is_a_typed_error_with_the_page(
    sandbox: SandboxControl, client: hpl.Client
) -> None:
    sandbox.force("getSessionsReport", 500, gateway_html=True, times=10)
    with pytest.raises(hpl.InternalServerError) as raised:
        client.sessions(account_number=ACCOUNT, imei=DEVICE)
    error = raised.value
    assert error.error_code is None
    assert "<html>" in error.text
    assert "not the API's error body" in str(error)
    assert "\n" not in str(error)


def test_an_html_502_from_a_gateway_is_an_unexpected_status_error_with_the_raw_text() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    error = answer(httpx.Response(502, text=page, headers={"content-type": "text/html"}))
    assert isinstance(error, hpl.UnexpectedStatusError)
    assert error.status_code == 502 and error.text == page
    assert "502 Bad Gateway" in str(error)


def test_an_undocumented_status_with_a_json_error_body_keeps_its_fields() -> None:
    error = answer(fakes.json_response(418, {"errorCode": "TEAPOT", "errorMessage": "short and stout"}))
    assert isinstance(error, hpl.UnexpectedStatusError)
    assert (error.status_code, error.error_code, error.error_message) == (418, "TEAPOT", "short and stout")


def test_an_unknown_error_code_is_kept_raw_on_the_documented_class() -> None:
    error = answer(fakes.json_response(400, {"errorCode": "QUOTA_EXCEEDED", "errorMessage": "Too many"}))
    assert isinstance(error, hpl.BadRequestError)
    assert error.error_code == "QUOTA_EXCEEDED"
    assert error.error_code_enum is None


def test_an_error_body_without_error_code_is_still_typed() -> None:
    error = answer(fakes.json_response(409, {"message": "something else"}))
    assert isinstance(error, hpl.ConflictError)
    assert error.error_code is None
    assert "something else" in error.text


def test_a_success_body_that_is_not_json_raises_invalid_response() -> None:
    error = answer(httpx.Response(200, text="<html>maintenance</html>"))
    assert isinstance(error, hpl.InvalidResponseError)
    assert error.text == "<html>maintenance</html>"
    assert error.response.status_code == 200


def test_a_success_body_missing_a_required_field_raises_invalid_response() -> None:
    error = answer(fakes.json_response(200, {"sessions": []}))
    assert isinstance(error, hpl.InvalidResponseError)
    assert "KeyError" in str(error)


def test_a_success_body_with_a_wrong_type_raises_invalid_response() -> None:
    error = answer(fakes.json_response(200, {"id": "x", "txid": "y", "sessions": [{"startTime": 5}]}))
    assert isinstance(error, hpl.InvalidResponseError)


def test_an_unknown_enum_value_in_a_success_body_is_kept_raw() -> None:
    # D8, tolerant reader: a job the service queued under a status this client does not know is still
    # the job, so the answer is returned with the raw status rather than refused.
    service = fakes.FakeService(
        [fakes.json_response(200, {"txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6", "status": "SOMEDAY"})]
    )
    with hpl.Client(fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport) as client:
        queued = client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    assert isinstance(queued.status, UnknownEnumValue)
    assert queued.status == "SOMEDAY"
    assert queued.txid == "60c07fff-470b-4d6d-afcc-75e6a7c238f6"


def test_an_empty_body_on_an_error_status_is_typed() -> None:
    error = answer(httpx.Response(500, content=b""))
    assert isinstance(error, hpl.InternalServerError)
    assert error.text == ""


def test_every_api_error_is_an_hpl_error_and_not_a_value_error() -> None:
    for status in (400, 401, 403, 404, 409, 500, 503):
        error = hpl.errors.error_class_for(status)
        assert issubclass(error, hpl.HplError)
        assert not issubclass(error, ValueError | KeyError)
