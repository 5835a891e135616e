"""The spec is valid, complete against decisions D1–D8, and its examples are valid.

`contract_gaps` lists every operation, parameter, model, constraint and scheme that the decisions
name but the spec lacks, so that a dropped header is a red test, not a silent gap. The D8 checks
(`_gaps_d8`) mostly ask the spec's own validators whether each shape of Verizon's current sources
is accepted, so they hold however the spec spells the shape.
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
    "Idempotency-Key": False,  # D8
}
HEADERS = {  # D2: name -> required, as seed 001 lists them; D8 adds Idempotency-Key
    "getSessionsReport": {
        "accountNumber": True,
        "imei": True,
        "startDate": False,
        "endDate": False,
        "durationLow": False,
        "durationHigh": False,
        "Idempotency-Key": False,
    },
    "calculateAggregatedReportSynchronous": AGGREGATE_HEADERS,
    "calculateAggregatedReportAsynchronous": {"X-Portal-Initiated": True, **AGGREGATE_HEADERS},
}
ERROR_STATUSES = ("400", "401", "403", "404", "409", "500")
D5_ERROR_CODES = ["INVALID_ACCESS", "INVALID_PARAMETER", "INTERNAL_ERROR", "SUCCESS"]
ERROR_CODES = [*D5_ERROR_CODES, "UNAUTHORIZED"]  # D8
ERROR_MODEL = "#/components/schemas/HyperPreciseLocationResult"
GATEWAY_MODEL = "#/components/schemas/HyperPreciseLocationGatewayResult"
MODELS = {  # model -> (properties, required), D3, D5 and D7
    "SessionReportRequest": (
        {"accountNumber", "imei", "startDate", "endDate", "durationLow", "durationHigh"},
        {"accountNumber", "imei"},
    ),
    "AggregateSessionReportRequest": (
        {"accountNumber", "imei", "startDate", "endDate", "deviceGroup", "dataPlan", "noSessionFlag", "deviceLabel"},
        {"accountNumber", "imei"},
    ),
    "SessionReport": ({"id", "txid", "sessions"}, {"id", "txid"}),
    "DailyUsageItem": ({"startTime", "endTime", "numBytes"}, set()),
    "AggregateSessionReport": ({"txid", "usage", "errors"}, set()),  # D8: txid optional
    "AggregateUsageItem": ({"imei", "numberOfSessions", "bytesTransferred"}, set()),
    "AggregateUsageError": ({"imei", "errorMessage", "errorResponse"}, set()),
    "IErrorMessage": ({"errorCode", "errorMessage", "httpStatusCode", "detailErrorMessage"}, set()),
    "AggregatedReportCallbackResult": ({"txid", "status"}, set()),  # D8: txid optional
    "HyperPreciseLocationResult": ({"errorCode", "errorMessage"}, {"errorCode", "errorMessage"}),
    "HyperPreciseLocationCallback": ({"name", "url"}, {"name", "url"}),
    "CallbackCreated": ({"accountName", "aname", "name", "url"}, {"name"}),  # D8: either account name
    "CallbackRegistered": ({"accountName", "name"}, {"accountName", "name"}),
    "AggregateReportCallbackMessage": ({"txid", "usage", "errors"}, {"txid"}),
    "HyperPreciseLocationGatewayResult": ({"responseCode", "message", "fault"}, {"fault"}),  # D8
    "HyperPreciseLocationFault": ({"code", "message", "description"}, set()),  # D8
    "ApiResponseCode": ({"responseCode", "message"}, set()),  # D8: the doc pages' DELETE answer
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


def _branches(schema: JSON, spec: JSON) -> list[JSON]:
    """The alternatives of an anyOf/oneOf (resolved), or the schema itself."""
    options = schema.get("anyOf") or schema.get("oneOf")
    return [resolve(option, spec) for option in options] if options else [schema]


def _branch_refs(schema: JSON, spec: JSON) -> set[str]:
    resolved = resolve(schema, spec)
    refs = {option.get("$ref", "") for option in resolved.get("anyOf") or resolved.get("oneOf") or []}
    return refs | ({schema["$ref"]} if "$ref" in schema else set())


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
    arrays = [b for b in _branches(_property(spec, "AggregateSessionReportRequest", "imei"), spec) if "items" in b]
    if not any(
        b.get("type") == "array" and b.get("uniqueItems") and b.get("maxItems") == 10000 and _imei_items(b, spec)
        for b in arrays
    ):
        yield "D3: aggregate imei must be an array of unique IMEIs, at most 10,000"
    for model in ("SessionReportRequest", "AggregateSessionReportRequest"):
        for prop in ("startDate", "endDate"):
            if _property(spec, model, prop).get("format") != "date-time":
                yield f"D3: {model}.{prop} is not a date-time"
    for prop in ("durationLow", "durationHigh"):
        if _property(spec, "SessionReportRequest", prop).get("minimum") != 0:
            yield f"D3: {prop} lacks minimum 0"
    flags = _branches(_property(spec, "AggregateSessionReportRequest", "noSessionFlag"), spec)
    if not any(b.get("type") == "string" and b.get("enum") == ["true", "false"] for b in flags):
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
    if not set(D5_ERROR_CODES) <= set(_property(spec, "HyperPreciseLocationResult", "errorCode").get("enum", [])):
        yield f"D5: errorCode must know {D5_ERROR_CODES}"
    if _property(spec, "IErrorMessage", "httpStatusCode").get("enum") != HTTP_STATUS_CODES:
        yield "D5: httpStatusCode must be the 68 values of the dossier §4.2"


def _imei_items(array: JSON, spec: JSON) -> bool:
    return bool(resolve(array.get("items", {}), spec).get("pattern") == "^[0-9]{15}$")


def _answer_schema(op: JSON, status: str, spec: JSON) -> JSON:
    """The JSON schema an operation documents for one status ({} when none)."""
    response = resolve(op.get("responses", {}).get(status, {}), spec)
    schema: JSON = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema


def _gaps_errors(spec: JSON) -> Iterator[str]:
    for path, method, op in operations(spec):
        for status in ERROR_STATUSES:
            refs = _branch_refs(_answer_schema(op, status, spec), spec)
            if ERROR_MODEL not in refs:
                yield f"D5: {method.upper()} {path} lacks {status} with the error model"
            if GATEWAY_MODEL not in refs:
                yield f"D8: {method.upper()} {path} lacks the gateway envelope on {status}"


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


def _accepts(spec: JSON, schema: JSON, document: Any) -> bool:
    try:
        return validation_errors(schema, document, spec) == []
    except Exception:
        # A mutated spec whose reference dangles accepts nothing.
        return False


def _model(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


SESSION_MINIMAL: JSON = {"accountNumber": "0844021539-00001", "imei": "709312034493372"}
AGGREGATE_MINIMAL: JSON = {"accountNumber": "0844021539-00001", "imei": ["709312034493372"]}
OPTIONAL_REQUEST_FIELDS: dict[str, tuple[JSON, tuple[str, ...]]] = {
    "SessionReportRequest": (SESSION_MINIMAL, ("startDate", "endDate", "durationLow", "durationHigh")),
    "AggregateSessionReportRequest": (
        AGGREGATE_MINIMAL,
        ("startDate", "endDate", "deviceGroup", "dataPlan", "noSessionFlag", "deviceLabel"),
    ),
}
# Response schemas: every component an answer or a callback message can hold.
RESPONSE_MODELS = (
    "SessionReport",
    "DailyUsageItem",
    "AggregateSessionReport",
    "AggregateUsageItem",
    "AggregateUsageError",
    "IErrorMessage",
    "AggregatedReportCallbackResult",
    "AggregateReportCallbackMessage",
    "HyperPreciseLocationResult",
    "HyperPreciseLocationGatewayResult",
    "HyperPreciseLocationFault",
    "CallbackCreated",
    "CallbackRegistered",
    "ApiResponseCode",
)


def _invented_constraints(node: Any, spec: JSON, where: str, seen: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every `pattern` or `format: uuid` reachable from a response schema (D8: no source states one)."""
    if isinstance(node, dict):
        if "$ref" in node:
            if node["$ref"] in seen:
                return
            try:
                target = resolve(node, spec)
            except KeyError:
                return  # a dropped model is reported by its own check
            yield from _invented_constraints(target, spec, node["$ref"], seen | {node["$ref"]})
            return
        if "pattern" in node:
            yield f"{where} has pattern {node['pattern']}"
        if node.get("format") == "uuid":
            yield f"{where} has format uuid"
        for key, value in node.items():
            if key not in ("example", "examples", "enum"):
                yield from _invented_constraints(value, spec, f"{where}/{key}", seen)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _invented_constraints(value, spec, f"{where}/{index}", seen)


def _gaps_d8_errors_and_listeners(spec: JSON) -> Iterator[str]:
    if _property(spec, "HyperPreciseLocationResult", "errorCode").get("enum") != ERROR_CODES:
        yield f"D8: errorCode must be {ERROR_CODES}"
    gateway = {
        "responseCode": "INVALID_ACCESS",
        "message": "No matching resource found in the API for the given request",
        "fault": {"code": "900906", "message": "No matching resource", "description": "Access failure for API."},
    }
    if not _accepts(spec, _model("HyperPreciseLocationGatewayResult"), gateway):
        yield "D8: the gateway envelope {responseCode, message, fault: {code, message, description}} is not accepted"
    try:
        _, _, listing = operation_by_id("listRegisteredCallbacks", spec)
    except KeyError:
        return
    items = _answer_schema(listing, "200", spec).get("items", {})
    for account_field in ("accountName", "aname"):
        if not _accepts(spec, items, {account_field: "0844021539-00001", "name": "hook", "url": "https://x.test/"}):
            yield f"D8: a listed listener with {account_field} is not accepted"
    if _accepts(spec, items, {"name": "hook", "url": "https://x.test/"}):
        yield "D8: a listed listener without accountName or aname is accepted"
    try:
        _, _, deregister = operation_by_id("deregisterCallback", spec)
    except KeyError:
        return
    answer = _answer_schema(deregister, "200", spec)
    if not answer or not _accepts(spec, answer, {"responseCode": "SUCCESS", "message": "Listener removed"}):
        yield "D8: DELETE /callbacks 200 does not describe the doc pages' {responseCode, message}"


def _gaps_d8_requests(spec: JSON) -> Iterator[str]:
    aggregate = _model("AggregateSessionReportRequest")
    for flag in (True, False, "true", "false"):
        if not _accepts(spec, aggregate, {**AGGREGATE_MINIMAL, "noSessionFlag": flag}):
            yield f"D8: noSessionFlag {flag!r} is not accepted"
    for model, (minimal, fields) in OPTIONAL_REQUEST_FIELDS.items():
        for name in fields:
            if not _accepts(spec, _model(model), {**minimal, name: None}):
                yield f"D8: {model}.{name} does not accept null"
    if not _accepts(spec, aggregate, {**AGGREGATE_MINIMAL, "deviceLabel": "truck-17"}):
        yield "D8: the aggregate request does not accept deviceLabel"
    if not _accepts(spec, aggregate, {**AGGREGATE_MINIMAL, "imei": "709312034493372"}):
        yield "D8: the aggregate request does not accept one IMEI string"
    if _accepts(spec, aggregate, {**AGGREGATE_MINIMAL, "imei": "7093"}):
        yield "D8: one IMEI string on the aggregate lost the D3 IMEI pattern"
    for operation_id in REPORT_OPERATIONS:
        try:
            _, _, op = operation_by_id(operation_id, spec)
        except KeyError:
            continue
        key = parameters(op, "header", spec).get("Idempotency-Key")
        if key is None or key.get("required") or resolve(key.get("schema", {}), spec).get("type") != "string":
            yield f"D8: {operation_id} lacks the optional Idempotency-Key string header"


def _gaps_d8_responses(spec: JSON) -> Iterator[str]:
    for model in RESPONSE_MODELS:
        for found in _invented_constraints(_model(model), spec, model):
            yield f"D8: response schema {found}"
    for model in ("AggregateSessionReport", "AggregatedReportCallbackResult"):
        if "txid" in _schema_of(spec, model).get("required", []):
            yield f"D8: {model}.txid must be optional, as in the current SDKs"


def contract_gaps(spec: JSON) -> list[str]:
    """Everything decisions D1–D8 name that the spec lacks."""
    checks = (
        _gaps_d1,
        _gaps_d2,
        _gaps_models,
        _gaps_constraints,
        _gaps_errors,
        _gaps_d6,
        _gaps_d7,
        _gaps_d8_errors_and_listeners,
        _gaps_d8_requests,
        _gaps_d8_responses,
    )
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


def test_spec_encodes_every_decision_of_d1_to_d8() -> None:
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
    assert validation_errors(schema, {"id": "709312034493372", "txid": 12345}) != []
    assert validation_errors(schema, {"id": "709312034493372"}) != []


def _schemas(spec: JSON) -> JSON:
    schemas: JSON = spec["components"]["schemas"]
    return schemas


def _aggregate_request(spec: JSON) -> JSON:
    properties: JSON = _schemas(spec)["AggregateSessionReportRequest"]["properties"]
    return properties


def _drop_unauthorized(spec: JSON) -> None:
    _schemas(spec)["ErrorResponseCode"]["enum"].remove("UNAUTHORIZED")


def _only_the_seed_error_model(spec: JSON) -> None:
    spec["components"]["responses"]["Conflict"]["content"]["application/json"]["schema"] = {"$ref": ERROR_MODEL}


def _fault_left_out(spec: JSON) -> None:
    gateway = _schemas(spec)["HyperPreciseLocationGatewayResult"]
    gateway["properties"]["fault"] = {"type": "string"}


def _listing_requires_aname(spec: JSON) -> None:
    _schemas(spec)["CallbackCreated"]["required"] = ["aname", "name"]


def _listing_without_account_allowed(spec: JSON) -> None:
    del _schemas(spec)["CallbackCreated"]["not"]


def _delete_answers_nothing(spec: JSON) -> None:
    del spec["paths"]["/callbacks"]["delete"]["responses"]["200"]["content"]


def _no_session_flag_string_only(spec: JSON) -> None:
    _aggregate_request(spec)["noSessionFlag"] = {"$ref": "#/components/schemas/NoSessionFlag"}


def _duration_not_nullable(spec: JSON) -> None:
    del _schemas(spec)["SessionReportRequest"]["properties"]["durationLow"]["nullable"]


def _data_plan_not_nullable(spec: JSON) -> None:
    del _aggregate_request(spec)["dataPlan"]["nullable"]


def _no_device_label(spec: JSON) -> None:
    del _aggregate_request(spec)["deviceLabel"]


def _imei_array_only(spec: JSON) -> None:
    _aggregate_request(spec)["imei"] = _aggregate_request(spec)["imei"]["anyOf"][0]


def _imei_string_without_pattern(spec: JSON) -> None:
    _aggregate_request(spec)["imei"]["anyOf"][1] = {"type": "string"}


def _no_idempotency_key_on_async(spec: JSON) -> None:
    op = spec["paths"]["/report/async/aggregate"]["post"]
    op["parameters"] = [p for p in op["parameters"] if not p.get("$ref", "").endswith("/IdempotencyKeyHeader")]


def _uuid_txid(spec: JSON) -> None:
    _schemas(spec)["Txid"]["pattern"] = "^[0-9a-f-]{36}$"


def _imei_pattern_in_usage(spec: JSON) -> None:
    _schemas(spec)["AggregateUsageItem"]["properties"]["imei"] = {"$ref": "#/components/schemas/Imei"}


def _async_txid_required(spec: JSON) -> None:
    _schemas(spec)["AggregatedReportCallbackResult"]["required"] = ["txid"]


D8_MUTATIONS = {
    "UNAUTHORIZED dropped": (_drop_unauthorized, "D8: errorCode must be"),
    "one error status without the gateway envelope": (
        _only_the_seed_error_model,
        "D8: POST /report/sessions lacks the gateway envelope on 409",
    ),
    "the gateway envelope without its fault object": (_fault_left_out, "D8: the gateway envelope"),
    "the listing requires aname": (_listing_requires_aname, "D8: a listed listener with accountName is not accepted"),
    "the listing lets the account go": (
        _listing_without_account_allowed,
        "D8: a listed listener without accountName or aname is accepted",
    ),
    "DELETE without the doc pages' body": (_delete_answers_nothing, "D8: DELETE /callbacks 200"),
    "noSessionFlag only as a string": (_no_session_flag_string_only, "D8: noSessionFlag True is not accepted"),
    "durationLow not nullable": (_duration_not_nullable, "D8: SessionReportRequest.durationLow does not accept null"),
    "dataPlan not nullable": (_data_plan_not_nullable, "D8: AggregateSessionReportRequest.dataPlan does not accept"),
    "deviceLabel dropped": (_no_device_label, "D8: the aggregate request does not accept deviceLabel"),
    "imei only as an array": (_imei_array_only, "D8: the aggregate request does not accept one IMEI string"),
    "one IMEI string without the D3 pattern": (_imei_string_without_pattern, "D8: one IMEI string on the aggregate"),
    "no Idempotency-Key on the async aggregate": (
        _no_idempotency_key_on_async,
        "D8: calculateAggregatedReportAsynchronous lacks the optional Idempotency-Key string header",
    ),
    "a UUID pattern on txid": (_uuid_txid, "D8: response schema #/components/schemas/Txid has pattern"),
    "the IMEI pattern inside answers": (
        _imei_pattern_in_usage,
        "D8: response schema #/components/schemas/Imei has pattern",
    ),
    "the async txid required": (
        _async_txid_required,
        "D8: AggregatedReportCallbackResult.txid must be optional, as in the current SDKs",
    ),
}


@pytest.mark.parametrize("mutation", sorted(D8_MUTATIONS))
def test_a_spec_that_breaks_d8_is_reported(mutation: str) -> None:
    mutate, expected = D8_MUTATIONS[mutation]
    spec = copy.deepcopy(SPEC)
    mutate(spec)
    gaps = contract_gaps(spec)
    assert any(gap.startswith(expected) for gap in gaps), gaps
