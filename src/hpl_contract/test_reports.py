"""Responses over the wire: documented — sessions inside the range, a txid per request, the filters,
the error model; decision D5 — reports name what was asked with UUID txids, aggregates agree with the
sessions they summarise, and every error is `{errorCode, errorMessage}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpl_contract import strategies as gen
from hpl_contract.rules import checking, rule
from hpl_contract.target import Target
from hpl_contract.wire import (
    OPERATION_IDS,
    REPORTS,
    SESSIONS,
    SYNC_AGGREGATE,
    UUID,
    assert_error,
    assert_error_body,
    assert_success,
    post_report,
)
from hpl_sandbox.testing import SandboxControl


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def sessions_of(api: httpx.Client, target: Target, imei: str, dates: dict[str, Any], **extra: Any) -> list[Any]:
    body = {"accountNumber": target.account, "imei": imei, **dates, **extra}
    report = assert_success(SESSIONS, post_report(api, SESSIONS, body, target.auth_headers()))
    sessions: list[Any] = report.get("sessions", [])
    return sessions


@rule("doc.sessions-in-range", "D5.report-identity", "D3.duration-seconds")
@given(data=st.data())
def test_sessions_report_answers_the_request_that_was_made(
    api: httpx.Client, target: Target, data: st.DataObject
) -> None:
    """The report holds only sessions that start inside the range (documented, seed 002); it is for the
    requested IMEI with a UUID txid (D5); its sessions' durations in seconds lie within
    [durationLow, durationHigh] (D3)."""
    body = data.draw(gen.session_requests(target.account, target.imeis), label="body")
    report = assert_success(SESSIONS, post_report(api, SESSIONS, body, target.auth_headers()))
    with checking("D5.report-identity"):
        assert report["id"] == body["imei"]
        assert UUID.match(report["txid"]), report["txid"]
    for session in report.get("sessions", []):
        start, end = parse(session["startTime"]), parse(session["endTime"])
        with checking("doc.sessions-in-range"):
            if "startDate" in body:
                assert start >= parse(body["startDate"]), (session, body)
            if "endDate" in body:
                assert start <= parse(body["endDate"]), (session, body)
        duration = (end - start).total_seconds()
        with checking("D3.duration-seconds"):
            assert duration >= body.get("durationLow", 0), (session, body)
            assert duration <= body.get("durationHigh", float("inf")), (session, body)


@rule("doc.unique-txid")
@given(path=st.sampled_from(REPORTS))
def test_every_request_gets_a_fresh_txid(
    api: httpx.Client, target: Target, listener_registered: str, path: str
) -> None:
    """Documented (seeds 002/004, "a unique string"): two identical requests get two different txids."""
    imei: Any = target.imeis[0] if path == SESSIONS else [target.imeis[0]]
    body = {"accountNumber": target.account, "imei": imei}
    first = assert_success(path, post_report(api, path, body, target.auth_headers()))
    second = assert_success(path, post_report(api, path, body, target.auth_headers()))
    assert first["txid"] != second["txid"], f"txid {first['txid']} was reused"


@rule("D5.aggregate-devices", "D5.report-identity")
@given(data=st.data())
def test_aggregate_reports_exactly_the_requested_devices(
    api: httpx.Client, target: Target, data: st.DataObject
) -> None:
    """Rule D5: every requested device appears once, in `usage` or in `errors`, and no other device;
    a device the account does not own is in `errors` with 400 BAD_REQUEST "Device Not Found"."""
    owned = data.draw(st.lists(st.sampled_from(target.imeis), max_size=6, unique=True), label="owned")
    foreign = data.draw(st.lists(gen.unknown_imeis(target.imeis), max_size=3, unique=True), label="foreign")
    devices = owned + [f for f in foreign if f not in owned]
    if not devices:
        devices = [target.imeis[0]]
    body = {"accountNumber": target.account, "imei": devices, **data.draw(gen.optional_dates(), label="dates")}
    report = assert_success(SYNC_AGGREGATE, post_report(api, SYNC_AGGREGATE, body, target.auth_headers()))
    with checking("D5.report-identity"):
        assert UUID.match(report["txid"] or ""), f"a successful aggregate needs a fresh txid, got {report['txid']!r}"
    reported = [u["imei"] for u in report.get("usage", [])] + [e["imei"] for e in report.get("errors", [])]
    assert sorted(reported) == sorted(devices), f"asked for {sorted(devices)}, reported {sorted(reported)}"
    errors = {e["imei"]: e for e in report.get("errors", [])}
    for imei in foreign:
        assert imei in errors, f"{imei} is not the account's, yet it was reported as usage"
        assert errors[imei]["errorResponse"]["httpStatusCode"] == "400 BAD_REQUEST", errors[imei]
        assert "device not found" in errors[imei]["errorMessage"].lower(), errors[imei]


@rule("D5.aggregate-equals-sessions")
@given(data=st.data())
def test_aggregate_agrees_with_the_sessions_it_summarises(
    api: httpx.Client, target: Target, data: st.DataObject
) -> None:
    """Rule D5: for any devices and range, each device's `numberOfSessions` and `bytesTransferred`
    equal the count and byte sum of its sessions report over the same range."""
    body = data.draw(gen.aggregate_requests(target.account, target.imeis, max_devices=3), label="body")
    report = assert_success(SYNC_AGGREGATE, post_report(api, SYNC_AGGREGATE, body, target.auth_headers()))
    dates: dict[str, Any] = {k: body[k] for k in ("startDate", "endDate") if k in body}
    for usage in report.get("usage", []):
        sessions = sessions_of(api, target, usage["imei"], dates)
        assert usage["numberOfSessions"] == len(sessions), (usage, len(sessions), dates)
        assert usage["bytesTransferred"] == sum(s["numBytes"] for s in sessions), (usage, dates)


@rule("doc.aggregate-filters", "D4.empty-list-selection", "D5.aggregate-equals-sessions")
@pytest.mark.sandbox_only
@given(data=st.data())
def test_aggregate_filters_select_exactly_the_matching_devices(
    api: httpx.Client, target: Target, sandbox: SandboxControl, data: st.DataObject
) -> None:
    """Documented filters (seed 003), made exact by D4/D5: with an empty device list, `deviceGroup`,
    `dataPlan` and `noSessionFlag` select exactly
    the account's devices that match them, and their totals still agree with their sessions."""
    devices = sandbox.devices(target.account)
    group = data.draw(st.sampled_from(sorted({d["deviceGroup"] for d in devices})), label="deviceGroup")
    plan = data.draw(st.sampled_from(sorted({d["dataPlan"] for d in devices})), label="dataPlan")
    no_sessions = data.draw(st.sampled_from(["true", "false"]), label="noSessionFlag")
    dates = data.draw(gen.optional_dates(), label="dates")
    matching = [d for d in devices if d["deviceGroup"] == group and d["dataPlan"] == plan]
    body = {
        "accountNumber": target.account,
        "imei": [],
        "deviceGroup": group,
        "dataPlan": plan,
        "noSessionFlag": no_sessions,
        **dates,
    }
    response = post_report(api, SYNC_AGGREGATE, body, target.auth_headers())
    if len(matching) > 10:
        assert_error(response, 400)
        return
    report = assert_success(SYNC_AGGREGATE, response)
    reported = {u["imei"]: u for u in report.get("usage", [])}
    reported_errors = {e["imei"] for e in report.get("errors", [])}
    assert set(reported) | reported_errors <= {d["imei"] for d in matching}, (group, plan, report)
    for imei, usage in reported.items():
        sessions = sessions_of(api, target, imei, dates)
        if no_sessions == "true":
            assert usage["numberOfSessions"] == 0, usage
        assert usage["numberOfSessions"] == len(sessions), (usage, len(sessions))
    if no_sessions == "false":
        active = {d["imei"] for d in matching if d["state"] == "active"}
        assert active <= set(reported), f"active matching devices {active - set(reported)} are missing"


# How to provoke each error without the control plane: (path, body, credentials, expected status, the rule
# that sets the status); "{own}" and "{imei}" stand for the target's account and one of its devices, None
# for valid credentials.
PROVOCATIONS: dict[str, tuple[str, dict[str, Any], dict[str, str] | None, int, str]] = {
    "no credentials": (
        SESSIONS,
        {"accountNumber": "{own}", "imei": "{imei}"},
        {},
        401,
        "doc.401-missing-or-invalid-token",
    ),
    "an unknown bearer": (
        SYNC_AGGREGATE,
        {"accountNumber": "{own}", "imei": ["{imei}"]},
        {"Authorization": "Bearer x"},
        401,
        "doc.401-missing-or-invalid-token",
    ),
    "another account": (
        SYNC_AGGREGATE,
        {"accountNumber": "0000000000-00000", "imei": ["{imei}"]},
        None,
        403,
        "D6.account-binding",
    ),
    "a schema-invalid IMEI": (SESSIONS, {"accountNumber": "{own}", "imei": "12"}, None, 400, "D3.request-schema"),
    "an undocumented field": (
        SYNC_AGGREGATE,
        {"accountNumber": "{own}", "imei": ["{imei}"], "colour": "red"},
        None,
        400,
        "D3.request-schema",
    ),
    "a device not owned": (
        SESSIONS,
        {"accountNumber": "{own}", "imei": "000000000000000"},
        None,
        400,
        "D4.unowned-device-sessions",
    ),
}


def _fill(value: Any, target: Target) -> Any:
    if isinstance(value, list):
        return [_fill(v, target) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, target) for k, v in value.items()}
    return {"{own}": target.account, "{imei}": target.imeis[0]}.get(value, value)


@rule("doc.error-model", "D5.error-envelope")
@pytest.mark.parametrize("provocation", [pytest.param(name, marks=rule(p[4])) for name, p in PROVOCATIONS.items()])
def test_every_error_answer_carries_the_error_model(api: httpx.Client, target: Target, provocation: str) -> None:
    """An error answer has the status its rule sets and is JSON in a published error envelope
    (documented); in `{errorCode, errorMessage}` with INVALID_PARAMETER on 400 and INVALID_ACCESS on 401
    (D5)."""
    path, body, credentials, status, status_rule = PROVOCATIONS[provocation]
    sent = target.auth_headers() if credentials is None else credentials
    response = post_report(api, path, _fill(body, target), sent)
    with checking(status_rule):
        assert_error(response, status)


@rule("D5.malformed-body")
def test_malformed_json_is_refused_with_the_error_model(api: httpx.Client, target: Target) -> None:
    """Rule D5: a body that is not JSON gets 400 with the error model, not a framework's page."""
    headers = {**target.auth_headers(), "accountNumber": target.account, "imei": target.imeis[0]}
    headers["Content-Type"] = "application/json"
    response = api.post(SESSIONS, content=b"{not json", headers=headers)
    assert_error(response, 400)


@rule("doc.error-model", "D5.error-envelope")
@pytest.mark.sandbox_only
@pytest.mark.parametrize("path", REPORTS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 500])
def test_a_forced_error_status_carries_the_error_model(
    api: httpx.Client, target: Target, sandbox: SandboxControl, path: str, status: int
) -> None:
    """Every documented status of every report operation comes with the JSON error model (documented;
    its `{errorCode, errorMessage}` shape is D5)."""
    sandbox.force(OPERATION_IDS[path], status)
    try:
        imei: Any = target.imeis[0] if path == SESSIONS else [target.imeis[0]]
        response = post_report(api, path, {"accountNumber": target.account, "imei": imei}, target.auth_headers())
    finally:
        sandbox.clear_forced()
    assert response.status_code == status, response.text
    assert_error_body(response)
