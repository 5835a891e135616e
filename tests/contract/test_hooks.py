"""The schemathesis hooks keep their promise without a server: every positive case they rewrite
satisfies the prose rules of D2 and D4, and they leave the invalid part of negative cases alone."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from hpl_contract.hooks import ACCOUNT, IMEI, SESSIONS, SYNC_AGGREGATE, Semantics, device_count, header_text
from hpl_contract.spec_loader import load_spec

OWNED = ("709312034493372", "709312035000000", "709312035000001")
SEMANTICS = Semantics(
    account="0844021539-00001",
    imeis=OWNED,
    device_groups=("fleet-north",),
    data_plans=("hpl-basic",),
    callback_url="http://127.0.0.1:9999/contract-suite",
)
REPORT_PATHS = ("/report/sessions", "/report/aggregate", "/report/async/aggregate")
# Generating whole cases is slow-ish; a few dozen per rule show it.
CASES = settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@functools.cache
def _schema() -> Any:
    return schemathesis.openapi.from_dict(load_spec())


def cases(path: str, method: str, mode: GenerationMode) -> st.SearchStrategy[Any]:
    strategy: st.SearchStrategy[Any] = _schema()[path][method].as_strategy(generation_mode=mode)
    return strategy


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


@CASES
@given(data=st.data(), path=st.sampled_from(REPORT_PATHS))
def test_a_fixed_positive_report_case_obeys_every_prose_rule(data: st.DataObject, path: str) -> None:
    """Rules D2/D4 after the hooks: the account and devices are the target's, at most 10 devices on
    the synchronous aggregate, dates run forwards over at most 180 days ending in the past, durations
    are ordered, and every report header present equals its body field."""
    case = SEMANTICS.fix(data.draw(cases(path, "POST", GenerationMode.POSITIVE), label="case"))
    body, headers = case.body, case.headers
    assert body["accountNumber"] == SEMANTICS.account == headers["accountNumber"]
    if path == SESSIONS:
        assert body["imei"] in OWNED and headers["imei"] == body["imei"]
        if "durationLow" in body and "durationHigh" in body:
            assert body["durationLow"] <= body["durationHigh"]
    else:
        # D8: one IMEI string is a list of that one device.
        devices = [body["imei"]] if isinstance(body["imei"], str) else body["imei"]
        assert set(devices) <= set(OWNED) and headers["imei"] == str(device_count(body["imei"]))
        assert len(devices) <= 10
        if path == SYNC_AGGREGATE:
            assert devices, "an empty list would select every device, possibly more than 10"
    now = datetime.now(UTC)
    # D8: null in an optional field means absent.
    start = parse(body["startDate"]) if body.get("startDate") is not None else None
    end = parse(body["endDate"]) if body.get("endDate") is not None else now
    assert end <= now
    if start is not None:
        assert start <= end and end - start <= timedelta(days=180)
    for name, value in body.items():
        if name != "imei" and name in headers:
            assert value is not None and headers[name] == header_text(value), (name, headers[name], value)


@CASES
@given(data=st.data())
def test_a_fixed_negative_case_keeps_its_invalid_values(data: st.DataObject) -> None:
    """The hooks only point valid identifiers at the target's data: an invalid account number or IMEI
    in a negative case stays as generated, so the case stays negative."""
    case = data.draw(cases("/report/sessions", "POST", GenerationMode.NEGATIVE), label="case")
    before = dict(case.body) if isinstance(case.body, dict) else case.body
    SEMANTICS.fix(case)
    if not isinstance(before, dict):
        assert case.body == before
        return
    for name, pattern in (("accountNumber", ACCOUNT), ("imei", IMEI)):
        value = before.get(name)
        if value is not None and not (isinstance(value, str) and pattern.match(value)):
            assert case.body.get(name) == value, f"the invalid {name} {value!r} was replaced"


@CASES
@given(data=st.data())
def test_a_fixed_listener_registration_points_at_the_suite_listener(data: st.DataObject) -> None:
    """A positive registration registers the suite's own listener for the target's account, so the
    target never delivers to an address off this machine."""
    case = SEMANTICS.fix(data.draw(cases("/callbacks", "POST", GenerationMode.POSITIVE), label="case"))
    assert case.query["accountNumber"] == SEMANTICS.account
    assert case.body["url"] == SEMANTICS.callback_url


@CASES
@given(data=st.data())
def test_an_idempotency_key_is_made_to_name_its_body(data: st.DataObject) -> None:
    """D8: one key with two bodies is a 409, so a positive case's key carries its body's digest:
    equal bodies keep equal keys, different bodies get different keys."""
    fixed = []
    for label in ("first", "second"):
        case = data.draw(cases("/report/async/aggregate", "POST", GenerationMode.POSITIVE), label=label)
        case.headers["Idempotency-Key"] = "k"  # in the mapping schemathesis made, as the hooks meet it
        fixed.append(SEMANTICS.fix(case))
    first, second = fixed
    same_body = first.body == second.body
    assert (first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]) == same_body
    assert first.headers["Idempotency-Key"].startswith("k-")
