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

from hpl_contract.hooks import ACCOUNT, IMEI, SESSIONS, SYNC_AGGREGATE, Semantics
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
        assert set(body["imei"]) <= set(OWNED) and headers["imei"] == str(len(body["imei"]))
        assert len(body["imei"]) <= 10
        if path == SYNC_AGGREGATE:
            assert body["imei"], "an empty list would select every device, possibly more than 10"
    now = datetime.now(UTC)
    start = parse(body["startDate"]) if "startDate" in body else None
    end = parse(body["endDate"]) if "endDate" in body else now
    assert end <= now
    if start is not None:
        assert start <= end and end - start <= timedelta(days=180)
    for name, value in body.items():
        if name != "imei" and name in headers:
            assert headers[name] == str(value), (name, headers[name], value)


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
