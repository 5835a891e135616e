"""Requests as decision D2 wants them on the wire: every report parameter in the body and mirrored
into the header of the same name; plus the checks every response of the spec must pass."""

from __future__ import annotations

import re
from typing import Any

import httpx

from contract_tests.spec_loader import component_validator

SESSIONS = "/report/sessions"
SYNC_AGGREGATE = "/report/aggregate"
ASYNC_AGGREGATE = "/report/async/aggregate"
REPORTS = (SESSIONS, SYNC_AGGREGATE, ASYNC_AGGREGATE)
AGGREGATES = (SYNC_AGGREGATE, ASYNC_AGGREGATE)
OPERATION_IDS = {
    SESSIONS: "getSessionsReport",
    SYNC_AGGREGATE: "calculateAggregatedReportSynchronous",
    ASYNC_AGGREGATE: "calculateAggregatedReportAsynchronous",
}
SUCCESS_SCHEMAS = {
    SESSIONS: "SessionReport",
    SYNC_AGGREGATE: "AggregateSessionReport",
    ASYNC_AGGREGATE: "AggregatedReportCallbackResult",
}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# D4 and D6 fix these two; the other statuses carry whichever code fits the cause.
ERROR_CODE_BY_STATUS = {400: "INVALID_PARAMETER", 401: "INVALID_ACCESS"}


def mirrored_headers(path: str, body: dict[str, Any]) -> dict[str, str]:
    """The report headers that carry the body's fields (the aggregates' `imei` header counts devices)."""
    headers = {name: str(value) for name, value in body.items() if name != "imei"}
    imei = body.get("imei")
    if imei is not None:
        headers["imei"] = str(imei) if path == SESSIONS else str(len(imei))
    if path == ASYNC_AGGREGATE:
        headers["X-Portal-Initiated"] = "true"
    return headers


def post_report(
    api: httpx.Client,
    path: str,
    body: dict[str, Any],
    credentials: dict[str, str],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a report request with mirrored headers; `headers` overrides or adds to them."""
    sent = {**mirrored_headers(path, body), **credentials, **(headers or {})}
    return api.post(path, json=body, headers=sent)


def schema_errors(component: str, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in component_validator(component).iter_errors(document)
    ]


def assert_success(path: str, response: httpx.Response) -> dict[str, Any]:
    """A 200 with a body valid against the operation's success schema; returns the body."""
    assert response.status_code == 200, f"{path}: expected 200, got {response.status_code}: {response.text[:500]}"
    body: dict[str, Any] = response.json()
    errors = schema_errors(SUCCESS_SCHEMAS[path], body)
    assert not errors, f"{path}: 200 body violates {SUCCESS_SCHEMAS[path]}: {errors}"
    return body


def assert_error(response: httpx.Response, status: int, message: str | None = None) -> dict[str, Any]:
    """The documented error status with the spec's JSON error body; `message` must appear in it."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text[:500]}\n"
        f"request: {response.request.method} {response.request.url}"
    )
    body = assert_error_body(response)
    if message is not None:
        assert message.lower() in body["errorMessage"].lower(), (
            f"errorMessage {body['errorMessage']!r} does not say {message!r}"
        )
    return body


def assert_error_body(response: httpx.Response) -> dict[str, Any]:
    """Any error answer: JSON, valid against the error model, its errorCode fitting its status."""
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with {content_type!r}, not JSON: {response.text[:300]}"
    )
    body: dict[str, Any] = response.json()
    errors = schema_errors("HyperPreciseLocationResult", body)
    assert not errors, f"{response.status_code} body violates the error model: {errors}; body: {body}"
    expected = ERROR_CODE_BY_STATUS.get(response.status_code)
    if expected is not None:
        assert body["errorCode"] == expected, f"{response.status_code} carries errorCode {body['errorCode']}"
    return body
