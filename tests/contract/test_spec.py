"""The spec is valid, complete against decisions D1–D7, and its examples are valid.

`contract_gaps` lists every operation, parameter, model, constraint and scheme that the decisions
name but the spec lacks, so that a dropped header is a red test, not a silent gap.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from hpl_contract.spec_loader import (
    JSON,
    load_spec,
    operation_by_id,
    operations,
    parameters,
    resolve,
    validation_errors,
)

REPORT_OPERATIONS = {
    "getSessionsReport": ("/report/sessions", "SessionReportRequest", "SessionReport"),
    "calculateAggregatedReportSynchronous": (
        "/report/aggregate",
        "AggregateSessionReportRequest",
        "AggregateSessionReport",
    ),
    "calculateAggregatedReportAsynchronous": (
        "/report/async/aggregate",
        "AggregateSessionReportRequest",
        "AggregatedReportCallbackResult",
    ),
}
LISTENER_OPERATIONS = {
    "listRegisteredCallbacks": ("/callbacks", "get"),
    "registerCallback": ("/callbacks", "post"),
    "deregisterCallback": ("/callbacks", "delete"),
}
AGGREGATE_HEADERS = {
    "accountNumber": True,
    "imei": True,
    "startDate": False,
    "endDate": False,
    "deviceGroup": False,
    "dataPlan": False,
    "noSessionFlag": False,
}
HEADERS = {  # D2: name -> required, as seed 001 lists them
    "getSessionsReport": {
        "accountNumber": True,
        "imei": True,
        "startDate": False,
        "endDate": False,
        "durationLow": False,
        "durationHigh": False,
    },
    "calculateAggregatedReportSynchronous": AGGREGATE_HEADERS,
    "calculateAggregatedReportAsynchronous": {"X-Portal-Initiated": True, **AGGREGATE_HEADERS},
}
ERROR_STATUSES = ("400", "401", "403", "404", "409", "500")
ERROR_CODES = ["INVALID_ACCESS", "INVALID_PARAMETER", "INTERNAL_ERROR", "SUCCESS"]
MODELS = {  # model -> (properties, required), D3, D5 and D7
    "SessionReportRequest": (
        {"accountNumber", "imei", "startDate", "endDate", "durationLow", "durationHigh"},
        {"accountNumber", "imei"},
    ),
    "AggregateSessionReportRequest": (
        {"accountNumber", "imei", "startDate", "endDate", "deviceGroup", "dataPlan", "noSessionFlag"},
        {"accountNumber", "imei"},
    ),
    "SessionReport": ({"id", "txid", "sessions"}, {"id", "txid"}),
    "DailyUsageItem": ({"startTime", "endTime", "numBytes"}, set()),
    "AggregateSessionReport": ({"txid", "usage", "errors"}, {"txid"}),
    "AggregateUsageItem": ({"imei", "numberOfSessions", "bytesTransferred"}, set()),
    "AggregateUsageError": ({"imei", "errorMessage", "errorResponse"}, set()),
    "IErrorMessage": ({"errorCode", "errorMessage", "httpStatusCode", "detailErrorMessage"}, set()),
    "AggregatedReportCallbackResult": ({"txid", "status"}, {"txid"}),
    "HyperPreciseLocationResult": ({"errorCode", "errorMessage"}, {"errorCode", "errorMessage"}),
    "HyperPreciseLocationCallback": ({"name", "url"}, {"name", "url"}),
    "CallbackCreated": ({"aname", "name", "url"}, {"aname", "name"}),
    "CallbackRegistered": ({"accountName", "name"}, {"accountName", "name"}),
    "AggregateReportCallbackMessage": ({"txid", "usage", "errors"}, {"txid"}),
}
HTTP_STATUS_CODES = """100 CONTINUE|101 SWITCHING_PROTOCOLS|102 PROCESSING|103 CHECKPOINT|200 OK|201 CREATED|
202 ACCEPTED|203 NON_AUTHORITATIVE_INFORMATION|204 NO_CONTENT|205 RESET_CONTENT|206 PARTIAL_CONTENT|207 MULTI_STATUS|
208 ALREADY_REPORTED|226 IM_USED|300 MULTIPLE_CHOICES|301 MOVED_PERMANENTLY|302 FOUND|302 MOVED_TEMPORARILY|
303 SEE_OTHER|304 NOT_MODIFIED|305 USE_PROXY|307 TEMPORARY_REDIRECT|308 PERMANENT_REDIRECT|400 BAD_REQUEST|
401 UNAUTHORIZED|402 PAYMENT_REQUIRED|403 FORBIDDEN|404 NOT_FOUND|405 METHOD_NOT_ALLOWED|406 NOT_ACCEPTABLE|
407 PROXY_AUTHENTICATION_REQUIRED|408 REQUEST_TIMEOUT|409 CONFLICT|410 GONE|411 LENGTH_REQUIRED|
412 PRECONDITION_FAILED|413 PAYLOAD_TOO_LARGE|413 REQUEST_ENTITY_TOO_LARGE|414 URI_TOO_LONG|414 REQUEST_URI_TOO_LONG|
415 UNSUPPORTED_MEDIA_TYPE|416 REQUESTED_RANGE_NOT_SATISFIABLE|417 EXPECTATION_FAILED|418 I_AM_A_TEAPOT|
419 INSUFFICIENT_SPACE_ON_RESOURCE|420 METHOD_FAILURE|421 DESTINATION_LOCKED|422 UNPROCESSABLE_ENTITY|423 LOCKED|
424 FAILED_DEPENDENCY|425 TOO_EARLY|426 UPGRADE_REQUIRED|428 PRECONDITION_REQUIRED|429 TOO_MANY_REQUESTS|
431 REQUEST_HEADER_FIELDS_TOO_LARGE|451 UNAVAILABLE_FOR_LEGAL_REASONS|500 INTERNAL_SERVER_ERROR|501 NOT_IMPLEMENTED|
502 BAD_GATEWAY|503 SERVICE_UNAVAILABLE|504 GATEWAY_TIMEOUT|505 HTTP_VERSION_NOT_SUPPORTED|
506 VARIANT_ALSO_NEGOTIATES|507 INSUFFICIENT_STORAGE|508 LOOP_DETECTED|509 BANDWIDTH_LIMIT_EXCEEDED|510 NOT_EXTENDED|
511 NETWORK_AUTHENTICATION_REQUIRED""".replace("\n", "").split("|")
GENERATOR_SAFE_HEADER_TYPES = {"string", "integer", "boolean"}


def _schema_of(spec: JSON, model: str) -> JSON:
    schema: JSON = spec["components"]["schemas"].get(model, {})
    return schema


def _property(spec: JSON, model: str, prop: str) -> JSON:
    schema: JSON = resolve(_schema_of(spec, model).get("properties", {}).get(prop, {}), spec)
    return schema


def _gaps_d1(spec: JSON) -> Iterator[str]:
    urls = {s["url"] for s in spec.get("servers", [])}
    for url in (
        "https://thingspace.verizon.com/api/hyper-precise/v1",
        "https://staging.thingspace.verizon.com/api/hyper-precise/v1",
        "http://127.0.0.1:8080/api/hyper-precise/v1",
    ):
        if url not in urls:
            yield f"D1: server {url} missing"
    for operation_id, (path, request_model, _) in REPORT_OPERATIONS.items():
        op = spec.get("paths", {}).get(path, {}).get("post")
        if op is None or op.get("operationId") != operation_id:
            yield f"D1: POST {path} with operationId {operation_id} missing"
            continue
        if op.get("tags") != ["Device Reports"]:
            yield f"D1: {operation_id} is not tagged Device Reports"
        body = op.get("requestBody", {})
        schema = body.get("content", {}).get("application/json", {}).get("schema", {})
        if not body.get("required") or schema.get("$ref") != f"#/components/schemas/{request_model}":
            yield f"D1: {operation_id} lacks its required JSON body {request_model}"


def _gaps_d2(spec: JSON) -> Iterator[str]:
    for operation_id, expected in HEADERS.items():
        try:
            _, _, op = operation_by_id(operation_id, spec)
        except KeyError:
            continue
        headers = parameters(op, "header", spec)
        for name, required in expected.items():
            param = headers.get(name)
            if param is None:
                yield f"D2: {operation_id} lacks header {name}"
                continue
            if bool(param.get("required")) != required:
                yield f"D2: {operation_id} header {name} required={param.get('required')}, expected {required}"
            if "content" in param:
                yield f"D2: {operation_id} header {name} uses content:, which the generator drops"
            schema = resolve(param.get("schema", {}), spec)
            if schema.get("type") not in GENERATOR_SAFE_HEADER_TYPES or "format" in schema:
                yield f"D2: {operation_id} header {name} has a schema the generator cannot emit: {schema}"
        for name in headers.keys() - expected.keys():
            yield f"D2: {operation_id} has an undecided header {name}"


def _gaps_models(spec: JSON) -> Iterator[str]:
    for model, (props, required) in MODELS.items():
        schema = _schema_of(spec, model)
        if not schema:
            yield f"model {model} missing"
            continue
        have = set(schema.get("properties", {}))
        for prop in sorted(props - have):
            yield f"model {model} lacks property {prop}"
        if set(schema.get("required", [])) != required:
            yield f"model {model} requires {sorted(schema.get('required', []))}, expected {sorted(required)}"


def _gaps_constraints(spec: JSON) -> Iterator[str]:
    account = resolve(_property(spec, "SessionReportRequest", "accountNumber"), spec)
    if account.get("pattern") != "^[0-9]{10}-[0-9]{5}$":
        yield "D3: accountNumber pattern (10 digits, dash, 5 digits) missing"
    imei = _property(spec, "SessionReportRequest", "imei")
    if imei.get("pattern") != "^[0-9]{15}$":
        yield "D3: IMEI pattern (15 digits) missing"
    imeis = _property(spec, "AggregateSessionReportRequest", "imei")
    if not (imeis.get("type") == "array" and imeis.get("uniqueItems") and imeis.get("maxItems") == 10000):
        yield "D3: aggregate imei must be an array of unique IMEIs, at most 10,000"
    for model in ("SessionReportRequest", "AggregateSessionReportRequest"):
        for prop in ("startDate", "endDate"):
            if _property(spec, model, prop).get("format") != "date-time":
                yield f"D3: {model}.{prop} is not a date-time"
    for prop in ("durationLow", "durationHigh"):
        if _property(spec, "SessionReportRequest", prop).get("minimum") != 0:
            yield f"D3: {prop} lacks minimum 0"
    if _property(spec, "AggregateSessionReportRequest", "noSessionFlag").get("enum") != ["true", "false"]:
        yield 'D3: noSessionFlag must be the string enum "true"/"false"'
    for model, prop in (
        ("AggregateUsageItem", "numberOfSessions"),
        ("AggregateUsageItem", "bytesTransferred"),
    ):
        if _property(spec, model, prop).get("minimum") != 0:
            yield f"D5: {model}.{prop} lacks minimum 0"
    if _property(spec, "DailyUsageItem", "numBytes").get("minimum") != 0:
        yield "D5: DailyUsageItem.numBytes lacks minimum 0"
    for prop in ("startTime", "endTime"):
        if _property(spec, "DailyUsageItem", prop).get("format") != "date-time":
            yield f"D5: DailyUsageItem.{prop} is not a date-time"
    if not _property(spec, "AggregateSessionReport", "txid").get("nullable"):
        yield "D5: the sync aggregate's txid must be nullable"
    if _property(spec, "SessionReport", "txid").get("nullable"):
        yield "D5: the sessions report's txid must not be nullable"
    if _property(spec, "AggregatedReportCallbackResult", "status").get("enum") != ["QUEUED", "COMPLETED"]:
        yield "D5: status must be QUEUED | COMPLETED"
    if _property(spec, "HyperPreciseLocationResult", "errorCode").get("enum") != ERROR_CODES:
        yield f"D5: errorCode must be {ERROR_CODES}"
    if _property(spec, "IErrorMessage", "httpStatusCode").get("enum") != HTTP_STATUS_CODES:
        yield "D5: httpStatusCode must be the 68 values of the dossier §4.2"


def _gaps_errors(spec: JSON) -> Iterator[str]:
    for path, method, op in operations(spec):
        for status in ERROR_STATUSES:
            response = resolve(op.get("responses", {}).get(status, {}), spec)
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref") != "#/components/schemas/HyperPreciseLocationResult":
                yield f"D5: {method.upper()} {path} lacks {status} with the error model"


def _gaps_d6(spec: JSON) -> Iterator[str]:
    schemes = spec.get("components", {}).get("securitySchemes", {})
    oauth = schemes.get("thingspace_oauth", {})
    if oauth.get("type") != "oauth2" or "clientCredentials" not in oauth.get("flows", {}):
        yield "D6: OAuth2 client-credentials scheme thingspace_oauth missing"
    m2m = schemes.get("VZ-M2M-Token", {})
    if (m2m.get("type"), m2m.get("in"), m2m.get("name")) != ("apiKey", "header", "VZ-M2M-Token"):
        yield "D6: apiKey header scheme VZ-M2M-Token missing"
    if spec.get("security") != [{"thingspace_oauth": [], "VZ-M2M-Token": []}]:
        yield "D6: both schemes must be required together (one security requirement object)"
    for path, method, op in operations(spec):
        if "security" in op:
            yield f"D6: {method.upper()} {path} overrides the global security"


def _gaps_d7(spec: JSON) -> Iterator[str]:
    for operation_id, (path, method) in LISTENER_OPERATIONS.items():
        op = spec.get("paths", {}).get(path, {}).get(method)
        if op is None or op.get("operationId") != operation_id:
            yield f"D7: {method.upper()} {path} ({operation_id}) missing"
            continue
        query = parameters(op, "query", spec)
        if not query.get("accountNumber", {}).get("required"):
            yield f"D7: {operation_id} lacks the required accountNumber query parameter"
        if operation_id == "deregisterCallback" and not query.get("service", {}).get("required"):
            yield "D7: deregisterCallback lacks the required service query parameter"
    try:
        _, _, async_op = operation_by_id("calculateAggregatedReportAsynchronous", spec)
    except KeyError:
        return
    callbacks = async_op.get("callbacks", {})
    posts = [item["post"] for cb in callbacks.values() for item in cb.values() if "post" in item]
    if not posts:
        yield "D7: the asynchronous aggregate declares no callback"
        return
    body = posts[0].get("requestBody", {}).get("content", {}).get("application/json", {})
    if body.get("schema", {}).get("$ref") != "#/components/schemas/AggregateReportCallbackMessage":
        yield "D7: the callback payload must be the component AggregateReportCallbackMessage"
    if "X-Portal-Initiated" not in parameters(posts[0], "header", spec):
        yield "D7: the callback does not send X-Portal-Initiated back"


def contract_gaps(spec: JSON) -> list[str]:
    """Everything decisions D1–D7 name that the spec lacks."""
    checks = (_gaps_d1, _gaps_d2, _gaps_models, _gaps_constraints, _gaps_errors, _gaps_d6, _gaps_d7)
    return [gap for check in checks for gap in check(spec)]


def _examples(node: Any, spec: JSON, where: str = "#") -> Iterator[tuple[str, JSON, Any]]:
    """(location, schema, example value) for every example in the spec, callbacks included."""
    if isinstance(node, dict):
        schema = node.get("schema")
        if isinstance(schema, dict):
            if "example" in node:
                yield where, schema, node["example"]
            for name, example in node.get("examples", {}).items():
                yield f"{where}/examples/{name}", schema, resolve(example, spec)["value"]
        if "example" in node and "type" in node and where.startswith("#/components/schemas"):
            yield where, node, node["example"]
        for key, value in node.items():
            if key not in ("example", "examples"):
                escaped = str(key).replace("~", "~0").replace("/", "~1")
                yield from _examples(value, spec, f"{where}/{escaped}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, spec, f"{where}/{index}")


SPEC = load_spec()
EXAMPLES = list(_examples(SPEC, SPEC))


def test_spec_is_valid_openapi_3_0() -> None:
    assert SPEC["openapi"] == "3.0.3"
    validate(SPEC)


def test_spec_encodes_every_decision_of_d1_to_d7() -> None:
    assert contract_gaps(SPEC) == []


@pytest.mark.parametrize(
    ("operation_id", "header"),
    [(op_id, name) for op_id, headers in HEADERS.items() for name in headers],
)
def test_a_dropped_header_is_reported(operation_id: str, header: str) -> None:
    spec = copy.deepcopy(SPEC)
    _, _, op = operation_by_id(operation_id, spec)
    op["parameters"] = [p for p in op["parameters"] if resolve(p, spec)["name"] != header]
    assert f"D2: {operation_id} lacks header {header}" in contract_gaps(spec)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_dropped_model_is_reported(model: str) -> None:
    spec = copy.deepcopy(SPEC)
    del spec["components"]["schemas"][model]
    assert any(model in gap for gap in contract_gaps(spec))


def test_a_dropped_error_status_is_reported() -> None:
    spec = copy.deepcopy(SPEC)
    del spec["paths"]["/report/aggregate"]["post"]["responses"]["409"]
    assert "D5: POST /report/aggregate lacks 409 with the error model" in contract_gaps(spec)


def test_one_credential_alone_is_reported() -> None:
    spec = copy.deepcopy(SPEC)
    spec["security"] = [{"thingspace_oauth": []}, {"VZ-M2M-Token": []}]
    assert "D6: both schemes must be required together (one security requirement object)" in contract_gaps(spec)


def test_every_operation_and_callback_has_examples() -> None:
    located = {where.split("/examples/")[0] for where, _, _ in EXAMPLES}
    for operation_id in REPORT_OPERATIONS:
        path, _, _ = operation_by_id(operation_id, SPEC)
        escaped = path.replace("/", "~1")
        assert any(f"#/paths/{escaped}/post/requestBody" in w for w in located), operation_id
        assert any(f"#/paths/{escaped}/post/responses/200" in w for w in located), operation_id
    assert any("callbacks" in w for w in located)
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize(("where", "schema", "example"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_is_valid_against_its_schema(where: str, schema: JSON, example: Any) -> None:
    assert validation_errors(schema, example) == []


def test_an_invalid_example_is_caught() -> None:
    schema = {"$ref": "#/components/schemas/SessionReport"}
    assert validation_errors(schema, {"id": "709312034493372", "txid": "not-a-uuid"}) != []
    assert validation_errors(schema, {"id": "709312034493372"}) != []
