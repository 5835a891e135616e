"""Issue item 7: bad input of every kind gets the right 4xx with the spec's error body — never a
5xx, never HTML, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount

from hpl_sandbox import reports
from hpl_sandbox.app import create_app, render_answer
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from hpl_sandbox.handlers import HANDLERS
from tests.sandbox.support import (
    ACTIVE,
    AGGREGATE,
    BASE,
    CALLBACKS,
    LOGIN,
    SESSIONS,
    TOKEN,
    Api,
    TestClient,
    assert_error,
    login,
    raw_headers,
    report_headers,
)

BODY = {"accountNumber": ACCOUNT_1, "imei": ACTIVE}


@pytest.fixture(scope="module")
def shared_api() -> Iterator[Api]:
    """One sandbox for the property tests (hypothesis runs many examples per test)."""
    with TestClient(create_app(SandboxConfig())) as client:
        yield Api(client, login(client), ACCOUNT_1)


def post_raw(api: Api, content: bytes, content_type: str | None = "application/json") -> httpx.Response:
    headers = {**api.credentials, **report_headers(BODY, False)}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return api.client.post(SESSIONS, content=content, headers=headers)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"accountNumber": ', "Malformed JSON"),
        (b"", "required"),
        (b"[]", "body"),
        (b"null", "body"),
        (b'{"accountNumber": "0844021539-00001", "imei": NaN}', "Malformed JSON"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "Malformed JSON"),  # deeper than the parser recurses
        (b'{"durationLow": 1' + b"0" * 5000 + b"}", "Malformed JSON"),
    ],
    ids=["truncated", "empty", "array", "null", "nan", "not-utf8", "deep", "huge-integer"],
)
def test_a_body_that_is_not_a_json_object_is_400(api: Api, content: bytes, says: str) -> None:
    assert_error(post_raw(api, content), 400, "INVALID_PARAMETER", says=says)


@pytest.mark.parametrize(
    "name",
    ["a\\ud800", "\\udfff", "x\\uDBFFy", "\\udc00\\ud800"],
    ids=["high", "low", "upper-case-high", "reversed-pair"],
)
def test_a_listener_name_escaping_a_lone_surrogate_is_400_not_stored(api: Api, name: str) -> None:
    content = ('{"name": "' + name + '", "url": "https://example.com/hook"}').encode()
    headers = {**api.credentials, "Content-Type": "application/json"}
    response = api.client.post(CALLBACKS, params={"accountNumber": ACCOUNT_1}, content=content, headers=headers)
    assert_error(response, 400, "INVALID_PARAMETER", says="surrogate")
    assert api.client.get(CALLBACKS, params={"accountNumber": ACCOUNT_1}, headers=api.credentials).json() == []


def test_a_lone_surrogate_in_a_report_body_key_is_400(api: Api) -> None:
    content = b'{"accountNumber": "0844021539-00001", "imei": "709312034493372", "\\ud800": 1}'
    assert_error(post_raw(api, content), 400, "INVALID_PARAMETER", says="surrogate")


def test_an_escaped_surrogate_pair_is_text_and_accepted(api: Api) -> None:
    content = b'{"name": "bullseye \\ud83d\\ude00", "url": "https://example.com/hook"}'
    headers = {**api.credentials, "Content-Type": "application/json"}
    response = api.client.post(CALLBACKS, params={"accountNumber": ACCOUNT_1}, content=content, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "bullseye \U0001f600"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_that_is_not_declared_json_is_400(api: Api, content_type: str | None) -> None:
    assert_error(post_raw(api, json.dumps(BODY).encode(), content_type), 400, says="Content-Type")


def test_json_with_a_charset_is_accepted(api: Api) -> None:
    response = post_raw(api, json.dumps(BODY).encode(), "application/json; charset=utf-8")
    assert response.status_code == 200


def test_an_oversized_body_is_400(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=1000)
    body = {**BODY, "padding": "x" * 2000}
    headers = {**login(client), **report_headers(BODY, False)}
    assert_error(client.post(SESSIONS, json=body, headers=headers), 400, says="exceeds")


def test_huge_headers_are_400(api: Api) -> None:
    headers = {**api.credentials, **report_headers(BODY, False), "X-Padding": "x" * 20_000}
    assert_error(api.client.post(SESSIONS, json=BODY, headers=headers), 400, says="headers")


def test_a_non_ascii_header_value_is_400(api: Api) -> None:
    headers: dict[str, str | bytes] = {
        **api.credentials,
        **report_headers(BODY, False),
        "imei": "7093120344933ñ2".encode(),
    }
    assert_error(api.client.post(SESSIONS, json=BODY, headers=raw_headers(headers)), 400, says="imei")


def test_a_non_ascii_credential_is_401(api: Api) -> None:
    headers: dict[str, str | bytes] = {
        **api.credentials,
        "VZ-M2M-Token": "tökén".encode(),
        **report_headers(BODY, False),
    }
    assert_error(api.client.post(SESSIONS, json=BODY, headers=raw_headers(headers)), 401)


def test_an_unknown_body_field_is_400_naming_it(api: Api) -> None:
    assert_error(api.sessions(imei=ACTIVE, colour="blue"), 400, says="colour")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("imei", 709312034493372),
        ("imei", "70931203449337"),
        ("durationLow", "5"),
        ("durationLow", 5.5),
        ("durationLow", 5.0),  # OpenAPI 3.0: an integer is not a float, even a whole one
        ("durationLow", -1),
        ("startDate", "yesterday"),
        ("startDate", "2026-13-01T00:00:00Z"),
    ],
)
def test_a_wrong_type_or_format_is_400(api: Api, field: str, value: object) -> None:
    body = {**BODY, field: value}
    headers = {**api.credentials, "accountNumber": ACCOUNT_1, "imei": ACTIVE}
    assert_error(api.client.post(SESSIONS, json=body, headers=headers), 400, "INVALID_PARAMETER", says=field)


@pytest.mark.parametrize(("header", "value"), [("durationLow", "five"), ("startDate", "2026-01-01"), ("imei", "")])
def test_a_malformed_header_is_400_naming_it(api: Api, header: str, value: str) -> None:
    headers = {**api.credentials, **report_headers(BODY, False), header: value}
    assert_error(api.client.post(SESSIONS, json=BODY, headers=headers), 400, says=header)


def test_a_malformed_header_on_the_async_report_is_400(api: Api) -> None:
    body = {"accountNumber": ACCOUNT_1, "imei": [ACTIVE]}
    headers = {**api.credentials, **report_headers(body, True), "X-Portal-Initiated": "yes"}
    assert_error(api.client.post(f"{BASE}/report/async/aggregate", json=body, headers=headers), 400)


@pytest.mark.parametrize("path", ["/", "/nothing", f"{BASE}/report", f"{BASE}/report/sessions/", "/api/../etc"])
def test_an_unknown_path_is_404_with_the_error_body(api: Api, path: str) -> None:
    assert_error(api.client.get(path, headers=api.credentials), 404, "INVALID_PARAMETER")


def test_the_sandbox_answers_below_the_path_it_is_mounted_at() -> None:
    outer = Starlette(routes=[Mount("/hpl", app=create_app(SandboxConfig()))])
    with TestClient(outer) as client:
        token = client.post(
            "/hpl" + TOKEN, data={"grant_type": "client_credentials"}, auth=("sandbox-client-1", "sandbox-secret-1")
        )
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        session = client.post(
            "/hpl" + LOGIN, json={"username": "sandbox-user-1", "password": "sandbox-password-1"}, headers=bearer
        )
        credentials = {**bearer, "VZ-M2M-Token": session.json()["sessionToken"]}
        body = {"accountNumber": ACCOUNT_1, "imei": [ACTIVE]}
        response = client.post("/hpl" + AGGREGATE, json=body, headers={**credentials, **report_headers(body, True)})
        assert response.status_code == 200, response.text
        assert [line["imei"] for line in response.json()["usage"]] == [ACTIVE]


@pytest.mark.parametrize("method", ["TRACE", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"])
def test_a_wrong_method_is_405_with_allow(api: Api, method: str) -> None:
    response = api.client.request(method, AGGREGATE, headers=api.credentials)
    assert_error(response, 405)
    assert response.headers["allow"] == "POST"


def test_allow_lists_every_method_of_a_path(api: Api) -> None:
    response = api.client.request("PUT", CALLBACKS, headers=api.credentials)
    assert_error(response, 405)
    assert set(response.headers["allow"].split(", ")) >= {"GET", "POST", "DELETE"}


def test_a_response_that_breaks_the_spec_becomes_a_500_with_the_error_body(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # D8 lets a txid be any string, so a number is what breaks the spec here.
    monkeypatch.setattr(reports, "fresh_txid", lambda: 12345)
    assert_error(api.sessions(imei=ACTIVE), 500, "INTERNAL_ERROR")


@settings(max_examples=60)
@given(content=st.binary(max_size=300), content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_arbitrary_bytes_never_cause_a_server_error(shared_api: Api, content: bytes, content_type: str) -> None:
    """Whatever bytes arrive as a report body, the answer is a 4xx with the spec's error body."""
    headers = {**shared_api.credentials, "Content-Type": content_type}
    response = shared_api.client.post(SESSIONS, content=content, headers=headers)
    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"errorCode", "errorMessage"}


@settings(max_examples=60)
@given(
    body=st.dictionaries(
        st.sampled_from(["accountNumber", "imei", "startDate", "endDate", "durationLow", "durationHigh", "x"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(max_size=20),
        ),
    )
)
def test_arbitrary_json_objects_never_cause_a_server_error(shared_api: Api, body: dict[str, object]) -> None:
    """Whatever JSON object arrives as a report body, the answer is 200 or a documented 4xx."""
    headers = {**shared_api.credentials, "accountNumber": ACCOUNT_1, "imei": ACTIVE}
    response = shared_api.client.post(SESSIONS, json=body, headers=headers)
    assert response.status_code in {200, 400, 403, 404, 409}
    if response.status_code != 200:
        assert set(response.json()) == {"errorCode", "errorMessage"}


# What the spec's answers are made of: no numbers but 64-bit integers (the spec has no `number`).
ANSWER_DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@given(document=ANSWER_DOCUMENTS)
@settings(max_examples=300, deadline=None)
def test_answers_are_rendered_byte_for_byte_as_starlettes_json_response(document: object) -> None:
    # The rule: for every document the spec can describe, the sandbox's renderer and JSONResponse agree.
    assert render_answer(document) == JSONResponse(document).body


def _fail(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("unexpected failure inside the sandbox")


def last_journaled(client: TestClient) -> tuple[str, int]:
    entry = client.get("/_sandbox/journal").json()[-1]
    return entry["path"], entry["status"]


def test_an_unexpected_error_in_an_operation_answers_the_last_resort_500_and_is_journaled(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(HANDLERS, "getSessionsReport", _fail)
    assert_error(api.sessions(imei=ACTIVE), 500, "INTERNAL_ERROR", says="see its log")
    assert last_journaled(api.client) == (SESSIONS, 500)


def test_an_unexpected_error_in_a_token_service_answers_the_last_resort_500_and_is_journaled(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client.app.sandbox.auth, "issue_access_token", _fail)  # type: ignore[attr-defined]
    response = client.post(TOKEN, data={"grant_type": "client_credentials"}, auth=("sandbox-client-1", "x"))
    assert_error(response, 500, "INTERNAL_ERROR", says="see its log")
    assert last_journaled(client) == (TOKEN, 500)


def test_an_unexpected_error_in_the_control_plane_answers_the_last_resort_500_unjournaled(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.delete("/_sandbox/journal")
    monkeypatch.setattr(client.app.sandbox.store, "devices", _fail)  # type: ignore[attr-defined]
    assert_error(client.get("/_sandbox/devices"), 500, "INTERNAL_ERROR", says="see its log")
    assert client.get("/_sandbox/journal").json() == []
