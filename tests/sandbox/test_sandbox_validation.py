"""The compiled fast path decides every document of every schema of the spec as the reference
validator (jsonschema's OAS30Validator) does, and the messages stay the reference's.

Documents are drawn from each schema of the spec itself: valid ones, the same mutated (a value
replaced, a key dropped or added, a string bent), and arbitrary JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match
from openapi_schema_validator import oas30_format_checker

from hpl_sandbox.config import ACCOUNT_1
from hpl_sandbox.runtime import compiled_spec
from hpl_sandbox.spec import load_spec
from hpl_sandbox.validation import SchemaCheck, compile_schema, describe, format_check, to_json_schema

JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
ANY_JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def spec_checks() -> Iterator[tuple[str, SchemaCheck]]:
    compiled = compiled_spec(None)
    for operation in compiled.operations.values():
        if operation.body_validator is not None:
            yield f"{operation.operation_id} body", operation.body_validator
        for parameter in operation.parameters:
            yield f"{operation.operation_id} {parameter.location} {parameter.name}", parameter.validator
        for status, check in operation.responses.items():
            if check is not None:
                yield f"{operation.operation_id} {status}", check
    yield "callback message", compiled.message_validator


CHECKS = dict(spec_checks())


def _bounds(schema: dict[str, Any]) -> tuple[int | None, int | None]:
    low, high = schema.get("minimum"), schema.get("maximum")
    for part in schema.get("allOf", []):
        if "minimum" in part:
            low = part["minimum"] if low is None else max(low, part["minimum"])
        if "maximum" in part:
            high = part["maximum"] if high is None else min(high, part["maximum"])
    return low, high


def _date_times() -> st.SearchStrategy[str]:
    moments = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31))
    offsets = st.sampled_from(["Z", "z", "+00:00", "-05:30", "+23:59"])
    fraction = st.sampled_from(["", ".1", ".217", ".123456789"])
    return st.builds(
        lambda m, f, o: f"{m.year:04d}" + m.strftime("-%m-%dT%H:%M:%S") + f + o, moments, fraction, offsets
    )


URIS = st.from_regex(
    r"\A(https?|ftp|urn)://[a-z0-9]{1,10}(\.[a-z]{2,5})?(:[0-9]{1,5})?(/([a-z0-9_~-]|%[0-9a-f]{2}){0,8}){0,3}\Z"
)


def valid(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents the (translated) schema accepts, built from its own keywords."""
    if "anyOf" in schema:
        # Each branch with the keywords beside the anyOf (the spec's error bodies, D8 request fields).
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        return st.one_of(*(valid({**rest, **branch}) for branch in schema["anyOf"]))
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema.get("type", "string")
    options = st.one_of(*(_valid_of(kind, schema) for kind in ([kinds] if isinstance(kinds, str) else kinds)))
    if "not" in schema:
        # The listing's "accountName or aname" (D8) is said with `not`; keep what satisfies it.
        return options.filter(Draft4Validator({"not": schema["not"]}).is_valid)
    return options


def _valid_of(kind: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low, high = _bounds(schema)
        return st.integers(min_value=low, max_value=high)
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        pattern = schema.get("pattern")
        if schema.get("format") == "date-time":
            text = _date_times()
        elif schema.get("format") == "uri":
            text = URIS
        elif pattern is not None:
            text = st.from_regex(pattern)
        else:
            text = st.text(max_size=20)
        return text.filter(
            lambda s: low <= len(s) and (high is None or len(s) <= high) and (pattern is None or re.search(pattern, s))
        )
    if kind == "array":
        items = valid(schema.get("items", {}))
        size = min(schema.get("maxItems", 4), 4)
        unique = schema.get("uniqueItems", False)
        return st.lists(
            items,
            min_size=min(schema.get("minItems", 0), size),
            max_size=size,
            unique_by=(lambda v: json.dumps(v, sort_keys=True)) if unique else None,
        )
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {name: valid(sub) for name, sub in properties.items() if name in required},
            optional={name: valid(sub) for name, sub in properties.items() if name not in required},
        )
    raise AssertionError(f"no generator for type {kind}")


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """The document with one change somewhere inside it."""
    if isinstance(document, dict) and document and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(document)))
        action = draw(st.sampled_from(["descend", "drop", "add"]))
        if action == "descend":
            return {**document, key: draw(mutated(document[key]))}
        if action == "drop":
            return {k: v for k, v in document.items() if k != key}
        return {**document, draw(st.text(max_size=8)): draw(ANY_JSON)}
    if isinstance(document, list) and document and draw(st.booleans()):
        index = draw(st.integers(0, len(document) - 1))
        changed = list(document)
        if draw(st.booleans()):
            changed[index] = draw(mutated(document[index]))
        else:
            changed.append(document[index])  # a duplicate, for uniqueItems
        return changed
    if isinstance(document, str):
        bend = st.sampled_from([document + "\n", document + "x", document[:-1], document.upper(), " " + document])
        return draw(bend | ANY_JSON)
    if isinstance(document, bool):
        return draw(st.sampled_from([not document, int(document), str(document).lower(), None]))
    if isinstance(document, int):
        return draw(st.sampled_from([-document - 1, float(document), str(document), 2**63, -(2**63) - 1, True]))
    return draw(ANY_JSON)


def _has_string_ending_in_newline(document: Any) -> bool:
    if isinstance(document, str):
        return document.endswith("\n")
    if isinstance(document, dict):
        return any(_has_string_ending_in_newline(v) for v in document.values())
    if isinstance(document, list):
        return any(_has_string_ending_in_newline(v) for v in document)
    return False


def assert_agrees(check: SchemaCheck, document: Any) -> bool:
    """The combined check decides and describes as the reference; the compiled one alone is never
    more lenient, and stricter only by anchoring `$` at the very end of a string. Returns the
    reference's decision."""
    reference_error = best_match(check.reference.iter_errors(document))
    reference_ok = reference_error is None
    assert check.fast is not None
    fast_ok = check.passes_fast(document)
    if fast_ok:
        assert reference_ok, f"the fast path accepted what the reference refuses: {document!r}"
    elif reference_ok:
        assert _has_string_ending_in_newline(document), f"the fast path refused a valid {document!r}"
    expected = None if reference_error is None else describe(reference_error, "where")
    assert check.first_error(document, "where") == expected
    assert (next(check.iter_errors(document), None) is None) == reference_ok
    return reference_ok


def documents(check: SchemaCheck) -> st.SearchStrategy[tuple[str, Any]]:
    schema = to_json_schema(check.reference.schema)
    good = valid(schema)
    return st.one_of(
        st.tuples(st.just("valid"), good),
        st.tuples(st.just("mutated"), good.flatmap(mutated)),
        st.tuples(st.just("any"), ANY_JSON),
    )


def test_every_schema_of_the_spec_has_a_fast_path() -> None:
    assert len(CHECKS) > 30
    assert [name for name, check in CHECKS.items() if check.fast is None] == []


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_fast_path_decides_as_the_reference(name: str) -> None:
    check = CHECKS[name]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(documents(check))
    def run(drawn: tuple[str, Any]) -> None:
        kind, document = drawn
        reference_ok = assert_agrees(check, document)
        if kind == "valid":
            assert reference_ok, f"the generator drew an invalid document: {document!r}"
            if not _has_string_ending_in_newline(document):
                assert check.passes_fast(document)

    run()


def test_the_messages_are_the_reference_ones() -> None:
    check = CHECKS["calculateAggregatedReportSynchronous body"]
    body = {"accountNumber": "0844021539-00001", "imei": ["709312034493372"]}
    assert check.first_error(body, "body") is None
    assert check.first_error({**body, "imei": ["1"]}, "body") == "body.imei[0]: '1' does not match '^[0-9]{15}$'"
    assert check.first_error({**body, "endDate": "2026-02-30T00:00:00Z"}, "body") == (
        "body.endDate: '2026-02-30T00:00:00Z' is not a 'date-time'"
    )
    assert check.first_error({**body, "extra": 1}, "body") == (
        "body: Additional properties are not allowed ('extra' was unexpected)"
    )


def test_a_trailing_newline_is_judged_by_the_reference() -> None:
    # `re.search` lets `$` match before a final newline, so the reference accepts this IMEI, and
    # the sandbox always has; the compiled check alone would refuse it.
    check = CHECKS["calculateAggregatedReportSynchronous body"]
    body = {"accountNumber": "0844021539-00001", "imei": ["709312034493372\n"]}
    assert not check.passes_fast(body)
    assert check.first_error(body, "body") is None


def test_the_translation_follows_the_oas_dialect() -> None:
    spec = load_spec()
    schema = {
        "type": "object",
        "required": ["a", "hidden"],
        "description": "dropped",
        "example": {"a": None},
        "x-internal": True,
        "properties": {
            "a": {"type": "string", "nullable": True, "pattern": "^x$", "example": "x"},
            "n": {"type": "integer", "format": "int64", "minimum": 0, "default": 3},
            "hidden": {"type": "string", "readOnly": True},
            "when": {"type": "string", "format": "date-time"},
        },
    }
    assert to_json_schema(schema) == {
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": {"type": ["string", "null"], "pattern": "^x$"},
            "n": {
                "type": "integer",
                "format": "int64",
                "minimum": 0,
                "allOf": [{"minimum": -(2**63), "maximum": 2**63 - 1}],
            },
            "hidden": {"type": "string"},
            "when": {"type": "string", "format": "date-time"},
        },
    }
    check = compile_schema(spec, schema)
    assert check.fast is not None
    for document in ({"a": None}, {"a": "x", "n": 2**63}, {"a": "x", "when": "2026-02-29T00:00:00Z"}, {"a": 1}):
        assert_agrees(check, document)


def test_a_schema_the_translation_cannot_state_is_validated_by_the_reference_alone() -> None:
    check = compile_schema(load_spec(), {"type": "integer", "multipleOf": 3})
    assert check.fast is None
    assert check.first_error(9, "value") is None
    assert check.first_error(10, "value") == "value: 10 is not a multiple of 3"


def test_a_reference_in_the_spec_is_resolved_against_the_spec() -> None:
    check = compile_schema(load_spec(), {"$ref": "#/components/schemas/AccountNumber"})
    assert check.fast is not None
    assert_agrees(check, "0844021539-00001")
    assert_agrees(check, "0844021539-0000")


DATE_TIME_LIKE = st.from_regex(
    r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,4})?([Zz]|[+-][0-9]{2}:[0-9]{2})?\n?\Z"
)


@given(st.one_of(DATE_TIME_LIKE, _date_times(), st.text(max_size=30)))
@example("0000-01-01T00:00:00Z")
@example("1969-12-31T23:59:59Z")
@example("2024-02-29T00:00:00Z")
@example("2023-02-29T00:00:00Z")
@example("2026-11-24T07:00:00.123456789+23:59")
@example("2026-11-24t07:00:00z")
@example("2026-11-24T07:00:00Z\n")
def test_the_date_time_format_accepts_what_the_reference_accepts(text: str) -> None:
    assert format_check("date-time")(text) == oas30_format_checker.conforms(text, "date-time")


USAGE = {"imei": "709312034493372", "numberOfSessions": 2, "bytesTransferred": 10}
DEVICE_ERROR = {
    "imei": "709312034493380",
    "errorMessage": "Device Not Certified",
    "errorResponse": {
        "errorCode": "INVALID_PARAMETER",
        "errorMessage": "Device Not Certified",
        "httpStatusCode": "403 FORBIDDEN",
        "detailErrorMessage": "The device is not certified for HPL.",
    },
}
TXID = "60c07fff-470b-4d6d-afcc-75e6a7c238f6"


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("calculateAggregatedReportSynchronous body", {"accountNumber": ACCOUNT_1, "imei": [USAGE["imei"]] * 2}),
        ("calculateAggregatedReportSynchronous 200", {"txid": TXID, "usage": [USAGE, dict(reversed(USAGE.items()))]}),
        ("calculateAggregatedReportSynchronous 200", {"txid": TXID, "errors": [DEVICE_ERROR, {**DEVICE_ERROR}]}),
        (
            "calculateAggregatedReportSynchronous 200",
            {"txid": TXID, "usage": [USAGE, {**USAGE, "numberOfSessions": 2.0}]},
        ),
    ],
)
def test_repeated_items_of_a_unique_array_are_refused_as_the_reference_refuses_them(name: str, document: Any) -> None:
    check = CHECKS[name]
    assert not check.passes_fast(document)
    assert assert_agrees(check, document) is False


@pytest.mark.parametrize(
    ("name", "document"),
    [
        (
            "calculateAggregatedReportSynchronous body",
            {"accountNumber": ACCOUNT_1, "imei": ["709312034493372", "709312034493373"]},
        ),
        (
            "calculateAggregatedReportSynchronous 200",
            {"txid": TXID, "usage": [USAGE, {**USAGE, "imei": "709312034493373"}]},
        ),
        (
            "calculateAggregatedReportSynchronous 200",
            {"txid": TXID, "errors": [DEVICE_ERROR, {**DEVICE_ERROR, "imei": "709312034493373"}]},
        ),
    ],
)
def test_distinct_items_of_a_unique_array_pass_the_fast_path(name: str, document: Any) -> None:
    check = CHECKS[name]
    assert check.passes_fast(document)
    assert assert_agrees(check, document) is True
