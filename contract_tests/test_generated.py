"""The generated client is current, strictly typed, and faithful to the spec.

* `generated/` is byte for byte what the pinned generator makes of the spec;
* every model round-trips any document its schema allows;
* every operation, called through the generated client over an in-memory transport, sends what
  the spec requires and parses every documented status into its model;
* it reads tolerantly (D8): unknown enum values are kept raw, `null` in an optional field is absent,
  and no status or body an API can answer makes `sync_detailed` raise;
* hand-written code reaches it through public names only (`build_request`, `parse_response`).
"""

from __future__ import annotations

import ast
import asyncio
import datetime
import enum as enum_module
import hashlib
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st

import hpl_client.errors
import hpl_client.models
from contract_tests.model_strategies import documents
from contract_tests.spec_loader import (
    JSON,
    SPEC_PATH,
    load_spec,
    operations,
    parameters,
    resolve,
    validation_errors,
)
from hpl_client import AuthenticatedClient
from hpl_client.types import UNSET, UnknownEnumValue, UnknownIntEnumValue
from tools.generate import GENERATED, TEMPLATES, diff_trees, generate

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "https://thingspace.verizon.com/api/hyper-precise/v1"
BEARER, M2M = "bearer-token-for-tests", "m2m-token-for-tests"
SPEC = load_spec()
OBJECT_MODELS = sorted(name for name, schema in SPEC["components"]["schemas"].items() if schema.get("type") == "object")
OPERATIONS = {op["operationId"]: (path, method, op) for path, method, op in operations(SPEC)}
WIRE_SCHEMA = schemathesis.openapi.from_path(str(SPEC_PATH))


def snake(name: str) -> str:
    """The generator's Python name for a spec name (accountNumber -> account_number)."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).replace("-", "_").lower()


def operation_module(operation_id: str) -> ModuleType:
    _, _, op = OPERATIONS[operation_id]
    tag = op["tags"][0].lower().replace(" ", "_")
    return importlib.import_module(f"hpl_client.api.{tag}.{snake(operation_id)}")


def normalise(schema: JSON, value: Any) -> Any:
    """`value` with every date-time the schema declares parsed, so equal instants compare equal."""
    schema = resolve(schema)
    if isinstance(value, str) and schema.get("format") == "date-time":
        return datetime.datetime.fromisoformat(value)
    if isinstance(value, list):
        return [normalise(schema.get("items", {}), item) for item in value]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {key: normalise(props.get(key, {}), item) for key, item in value.items()}
    return value


# ---------------------------------------------------------------------------------------------
# generated/ is current and strictly typed


def test_generated_client_is_what_the_spec_produces(tmp_path: Path) -> None:
    generate(tmp_path)
    assert diff_trees(tmp_path, GENERATED) == []


def test_generation_is_reproducible(tmp_path: Path) -> None:
    generate(tmp_path / "first")
    generate(tmp_path / "second")
    assert diff_trees(tmp_path / "first", tmp_path / "second") == []


def test_a_hand_edit_of_generated_code_is_detected(tmp_path: Path) -> None:
    generate(tmp_path / "fresh")
    generate(tmp_path / "edited")
    target = tmp_path / "edited" / "hpl_client" / "models" / "session_report.py"
    target.write_text(target.read_text() + "# edited by hand\n")
    assert "differs: generated/hpl_client/models/session_report.py" in diff_trees(
        tmp_path / "fresh", tmp_path / "edited"
    )


def test_provenance_names_the_generator_and_the_spec_digest() -> None:
    provenance = (GENERATED / "PROVENANCE.yml").read_text()
    assert "generator: openapi-python-client 0.29.1" in provenance
    assert f"spec_sha256: {hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()}" in provenance


def test_generated_client_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(GENERATED / "hpl_client")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------
# models round-trip


@pytest.mark.parametrize("model", OBJECT_MODELS)
@given(data=st.data())
def test_model_round_trips_any_valid_document(model: str, data: st.DataObject) -> None:
    """For any document valid against a component schema, from_dict(doc).to_dict() equals doc
    (date-times compared as instants) and still validates against the schema."""
    doc = data.draw(documents(model), label="document")
    schema = {"$ref": f"#/components/schemas/{model}"}
    cls = getattr(hpl_client.models, model)
    out = cls.from_dict(doc).to_dict()
    assert normalise(schema, out) == normalise(schema, doc)
    assert validation_errors(schema, json.loads(json.dumps(out))) == []


def test_every_object_model_has_a_generated_class() -> None:
    missing = [name for name in OBJECT_MODELS if not hasattr(hpl_client.models, name)]
    assert missing == []


# ---------------------------------------------------------------------------------------------
# operations over an in-memory transport


class Recorder:
    """An httpx transport handler that records the request and answers a canned response."""

    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.status, self.body = status, body
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.body is None:
            return httpx.Response(self.status)
        return httpx.Response(self.status, json=self.body)


def client_for(recorder: Recorder) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=BASE_URL,
        token=BEARER,
        headers={"VZ-M2M-Token": M2M},
        httpx_args={"transport": httpx.MockTransport(recorder)},
    )


def python_value(param: JSON, raw: str) -> Any:
    """The generated function's argument for a wire value of `param`."""
    schema = resolve(param["schema"])
    if schema.get("type") == "integer":
        return int(raw)
    if schema.get("type") == "boolean":
        return raw == "true"
    if "enum" in schema:
        ref = param["schema"]["$ref"].rsplit("/", 1)[-1]
        return getattr(hpl_client.models, ref)(raw)
    return raw


def call_arguments(operation_id: str, case: Any) -> dict[str, Any]:
    """The keyword arguments of the generated function that express a schemathesis case."""
    _, _, op = OPERATIONS[operation_id]
    kwargs: dict[str, Any] = {}
    sent_headers = {k.lower(): v for k, v in (case.headers or {}).items()}
    for location, given_values in (("header", sent_headers), ("query", case.query or {})):
        for name, param in parameters(op, location).items():
            key = name.lower() if location == "header" else name
            if key in given_values:
                kwargs[snake(name)] = python_value(param, str(given_values[key]))
    if "requestBody" in op:
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        kwargs["body"] = getattr(hpl_client.models, ref).from_dict(case.body)
    return kwargs


def canonical_wire_value(param: JSON, raw: str) -> str:
    schema = resolve(param["schema"])
    return str(int(raw)) if schema.get("type") == "integer" else raw


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
@given(data=st.data())
def test_operation_sends_what_the_spec_requires(operation_id: str, data: st.DataObject) -> None:
    """For any request the spec allows, the generated client sends its method and path, both
    credentials, every given parameter in its place, and the body, all valid against the spec."""
    path, method, op = OPERATIONS[operation_id]
    case = data.draw(WIRE_SCHEMA[path][method.upper()].as_strategy(), label="case")
    recorder = Recorder(status=418)  # undocumented, so the client parses nothing
    with client_for(recorder) as client:
        operation_module(operation_id).sync_detailed(client=client, **call_arguments(operation_id, case))
    (request,) = recorder.requests
    assert request.method == method.upper()
    assert request.url.path == httpx.URL(BASE_URL).path + path
    assert request.headers["Authorization"] == f"Bearer {BEARER}"
    assert request.headers["VZ-M2M-Token"] == M2M
    given_headers = {k.lower(): v for k, v in (case.headers or {}).items()}
    for name, param in parameters(op, "header").items():
        if name.lower() in given_headers:
            sent = request.headers[name]
            assert sent == canonical_wire_value(param, given_headers[name.lower()])
            assert validation_errors(param["schema"], python_value(param, sent)) == []
        else:
            assert name not in request.headers
    for name in parameters(op, "query"):
        assert request.url.params.get(name) == (None if name not in (case.query or {}) else str(case.query[name]))
    if "requestBody" in op:
        assert request.headers["Content-Type"] == "application/json"
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        sent_body = json.loads(request.content)
        assert normalise(schema, sent_body) == normalise(schema, case.body)
        assert validation_errors(schema, sent_body) == []


def documented_responses() -> list[tuple[str, str, JSON]]:
    found = []
    for operation_id, (_, _, op) in sorted(OPERATIONS.items()):
        for status, response in op["responses"].items():
            found.append((operation_id, status, resolve(response)))
    return found


def _models_of(schema: JSON) -> tuple[type, ...]:
    """The generated classes a documented schema parses into: one, or one per anyOf branch (the
    two error envelopes of D8)."""
    resolved = resolve(schema)
    refs = [branch["$ref"] for branch in resolved.get("anyOf", [])] or [schema["$ref"]]
    return tuple(getattr(hpl_client.models, ref.rsplit("/", 1)[-1]) for ref in refs)


def _response_strategy(schema: JSON) -> st.SearchStrategy[Any]:
    if schema.get("type") == "array":
        return st.lists(documents(schema["items"]["$ref"].rsplit("/", 1)[-1]), max_size=3)
    return documents(schema["$ref"].rsplit("/", 1)[-1])


@pytest.mark.parametrize(
    ("operation_id", "status", "response"),
    documented_responses(),
    ids=[f"{o}-{s}" for o, s, _ in documented_responses()],
)
@given(data=st.data())
def test_operation_parses_every_documented_status_into_its_model(
    operation_id: str, status: str, response: JSON, data: st.DataObject
) -> None:
    """For any body the spec allows on a documented status, the generated client returns the
    status and an instance of the documented model that holds the same document."""
    content = response.get("content", {}).get("application/json")
    body = data.draw(_response_strategy(content["schema"]), label="body") if content else None
    path, method, _ = OPERATIONS[operation_id]
    case = WIRE_SCHEMA[path][method.upper()].as_strategy()
    recorder = Recorder(status=int(status), body=body)
    with client_for(recorder) as client:
        result = operation_module(operation_id).sync_detailed(
            client=client, **call_arguments(operation_id, data.draw(case, label="request"))
        )
    assert result.status_code == int(status)
    if content is None:
        assert result.parsed is None
        return
    schema = content["schema"]
    if schema.get("type") == "array":
        model = getattr(hpl_client.models, schema["items"]["$ref"].rsplit("/", 1)[-1])
        assert isinstance(result.parsed, list)
        assert all(isinstance(item, model) for item in result.parsed)
        parsed_doc: Any = [item.to_dict() for item in result.parsed]
    else:
        parsed: Any = result.parsed
        assert any(isinstance(parsed, model) for model in _models_of(schema)), parsed
        parsed_doc = parsed.to_dict()
    assert normalise(schema, parsed_doc) == normalise(schema, body)


# ---------------------------------------------------------------------------------------------
# forward compatibility (D8, "tolerant reader"): what a newer or odder API answers never fails a
# parse and never loses data. Every case is derived from the spec, so a new enum, model or
# operation is covered without editing this file.

Path_ = tuple[str | int, ...]


def minimal_document(schema: JSON, depth: int = 0) -> Any:
    """A small document valid for the client: every required property, plus nothing else."""
    schema = resolve(schema)
    if "allOf" in schema:
        merged: JSON = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = resolve(part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        schema = merged
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return minimal_document(schema[key][0], depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal_document(props[name], depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return datetime.datetime.now(datetime.UTC).isoformat()
    if schema.get("format") == "date":
        return datetime.datetime.now(datetime.UTC).date().isoformat()
    return "x"


def _enum_paths(schema: JSON, seen: frozenset[str] = frozenset()) -> list[tuple[Path_, JSON]]:
    """(path, enum schema) of every enum a document of `schema` can hold, through objects, arrays and
    the branches of a union (`noSessionFlag` is the enum or a boolean, D8)."""
    ref = schema.get("$ref", "")
    if ref in seen:
        return []
    seen = seen | {ref}
    schema = resolve(schema)
    if "enum" in schema:
        return [((), schema)]
    branches = schema.get("anyOf", []) + schema.get("oneOf", [])
    if branches:
        return [found for branch in branches for found in _enum_paths(branch, seen)]
    if schema.get("type") == "array":
        return [((0, *path), enum) for path, enum in _enum_paths(schema["items"], seen)]
    found = []
    for name, prop in schema.get("properties", {}).items():
        found += [((name, *path), enum) for path, enum in _enum_paths(prop, seen)]
    return found


ENUM_CASES = [
    (model, path, enum)
    for model in OBJECT_MODELS
    for path, enum in _enum_paths({"$ref": f"#/components/schemas/{model}"})
]
ENUM_IDS = [f"{model}.{'.'.join(map(str, path))}" for model, path, _ in ENUM_CASES]


def document_with(model: str, path: Path_, value: Any) -> JSON:
    """A minimal document of `model` holding `value` at `path` (list items and objects created on the way)."""
    root: JSON = minimal_document({"$ref": f"#/components/schemas/{model}"})
    node: Any = root
    schema: Any = resolve({"$ref": f"#/components/schemas/{model}"})
    for step, following in zip(path, [*path[1:], None], strict=True):
        schema = resolve(schema["items"] if isinstance(step, int) else schema["properties"][step])
        child = value if following is None else ([] if isinstance(following, int) else minimal_document(schema))
        if isinstance(step, int):
            node.append(child)
        else:
            node[step] = child
        node = child
    return root


def attribute_at(parsed: Any, path: Path_) -> Any:
    for step in path:
        parsed = parsed[step] if isinstance(step, int) else getattr(parsed, snake(step))
    return parsed


def unknown_value(enum: JSON) -> Any:
    return 987_654 if enum.get("type") == "integer" else "VALUE_FROM_A_NEWER_API"


def test_every_enum_of_the_spec_is_reached_by_the_forward_compatibility_cases() -> None:
    enums = {name: schema for name, schema in SPEC["components"]["schemas"].items() if "enum" in schema}
    reached = {name for name, schema in enums.items() if any(enum is schema for _, _, enum in ENUM_CASES)}
    assert reached == set(enums)


@pytest.mark.parametrize(("model", "path", "enum"), ENUM_CASES, ids=ENUM_IDS)
def test_an_unknown_enum_value_is_kept_raw_and_written_back(model: str, path: Path_, enum: JSON) -> None:
    raw = unknown_value(enum)
    doc = document_with(model, path, raw)
    parsed = getattr(hpl_client.models, model).from_dict(doc)
    kept = attribute_at(parsed, path)
    assert isinstance(kept, UnknownEnumValue | UnknownIntEnumValue)
    assert kept == raw
    assert kept.value == raw
    assert parsed.to_dict() == doc


@pytest.mark.parametrize(("model", "path", "enum"), ENUM_CASES, ids=ENUM_IDS)
def test_a_known_enum_value_stays_a_member_of_its_enum(model: str, path: Path_, enum: JSON) -> None:
    for known in enum["enum"]:
        parsed = getattr(hpl_client.models, model).from_dict(document_with(model, path, known))
        member = attribute_at(parsed, path)
        assert isinstance(member, enum_module.Enum)
        assert not isinstance(member, UnknownEnumValue | UnknownIntEnumValue)
        assert member.value == known


def _nullable(prop: JSON) -> bool:
    """Whether `null` is a value of the property itself, or of one branch of its union."""
    schema = resolve(prop)
    if prop.get("nullable") or schema.get("nullable"):
        return True
    return any(_nullable(branch) for branch in schema.get("anyOf", []) + schema.get("oneOf", []))


def _optional_fields() -> list[tuple[str, str, bool]]:
    found = []
    for model in OBJECT_MODELS:
        schema = resolve({"$ref": f"#/components/schemas/{model}"})
        for name, prop in schema.get("properties", {}).items():
            nullable = _nullable(prop)
            if name not in schema.get("required", []):
                found.append((model, name, nullable))
    return found


OPTIONAL_FIELDS = _optional_fields()


@pytest.mark.parametrize(
    ("model", "name"),
    [(m, n) for m, n, nullable in OPTIONAL_FIELDS if not nullable],
    ids=[f"{m}.{n}" for m, n, nullable in OPTIONAL_FIELDS if not nullable],
)
def test_null_in_an_optional_field_parses_as_absent(model: str, name: str) -> None:
    doc = {**minimal_document({"$ref": f"#/components/schemas/{model}"}), name: None}
    parsed = getattr(hpl_client.models, model).from_dict(doc)
    assert getattr(parsed, snake(name)) is UNSET
    assert name not in parsed.to_dict()


def test_null_in_a_nullable_field_stays_null() -> None:
    nullable = [
        (model, name)
        for model in OBJECT_MODELS
        for name, prop in resolve({"$ref": f"#/components/schemas/{model}"}).get("properties", {}).items()
        if prop.get("nullable")
    ]
    assert nullable, "the spec has no nullable field left; drop this test"
    for model, name in nullable:
        doc = {**minimal_document({"$ref": f"#/components/schemas/{model}"}), name: None}
        parsed = getattr(hpl_client.models, model).from_dict(doc)
        assert getattr(parsed, snake(name)) is None
        assert parsed.to_dict()[name] is None


def minimal_arguments(operation_id: str) -> dict[str, Any]:
    """The generated function's required keyword arguments, with small valid values."""
    _, _, op = OPERATIONS[operation_id]
    kwargs: dict[str, Any] = {}
    for location in ("header", "query"):
        for name, param in parameters(op, location).items():
            if param.get("required"):
                value = minimal_document(param["schema"])
                wire = ("true" if value else "false") if isinstance(value, bool) else str(value)
                kwargs[snake(name)] = python_value(param, wire)
    if "requestBody" in op:
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        kwargs["body"] = getattr(hpl_client.models, ref).from_dict(
            minimal_document({"$ref": f"#/components/schemas/{ref}"})
        )
    return kwargs


def answering(status: int, content: bytes, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=content, headers=headers))


ODD_ANSWERS = {
    "client-closed-499": (499, b'{"errorCode": "INVALID_ACCESS", "errorMessage": "closed"}', None),
    "cloudflare-520-html": (520, b"<html><body>Web server is returning an unknown error</body></html>", None),
    "gateway-502-html": (502, b"<html><body>Bad Gateway</body></html>", {"Content-Type": "text/html"}),
    "redirect-302": (302, b"", {"Location": "https://example.com/login"}),
    "documented-400-html": (400, b"<html>Bad Request</html>", {"Content-Type": "text/html"}),
    "documented-500-empty": (500, b"", None),
    "documented-401-truncated-json": (401, b'{"errorCode": "INVALID_ACC', None),
    "success-200-html": (200, b"<html>maintenance</html>", {"Content-Type": "text/html"}),
}


@pytest.mark.parametrize("answer", sorted(ODD_ANSWERS))
@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_an_odd_answer_through_sync_detailed_keeps_its_status_and_raw_body(operation_id: str, answer: str) -> None:
    status, content, headers = ODD_ANSWERS[answer]
    client = AuthenticatedClient(
        base_url=BASE_URL, token=BEARER, httpx_args={"transport": answering(status, content, headers)}
    )
    with client:
        result = operation_module(operation_id).sync_detailed(client=client, **minimal_arguments(operation_id))
    assert result.status_code == status
    assert result.content == content
    assert result.parsed is None


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_an_odd_answer_through_asyncio_detailed_keeps_its_status_and_raw_body(operation_id: str) -> None:
    status, content, headers = ODD_ANSWERS["cloudflare-520-html"]
    client = AuthenticatedClient(
        base_url=BASE_URL, token=BEARER, httpx_args={"transport": answering(status, content, headers)}
    )

    async def call() -> Any:
        async with client:
            return await operation_module(operation_id).asyncio_detailed(
                client=client, **minimal_arguments(operation_id)
            )

    result = asyncio.run(call())
    assert (result.status_code, result.content, result.parsed) == (status, content, None)


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_a_bom_before_an_error_body_still_parses_into_the_error_model(operation_id: str) -> None:
    body = b'\xef\xbb\xbf{"errorCode": "INVALID_PARAMETER", "errorMessage": "imei is missing"}'
    client = AuthenticatedClient(base_url=BASE_URL, token=BEARER, httpx_args={"transport": answering(400, body)})
    with client:
        result = operation_module(operation_id).sync_detailed(client=client, **minimal_arguments(operation_id))
    assert isinstance(result.parsed, hpl_client.models.HyperPreciseLocationResult)
    assert result.parsed.error_code is hpl_client.models.ErrorResponseCode.INVALID_PARAMETER
    assert result.content == body


def test_a_status_outside_http_status_is_raised_as_unexpected_status_when_asked() -> None:
    client = AuthenticatedClient(
        base_url=BASE_URL,
        token=BEARER,
        raise_on_unexpected_status=True,
        httpx_args={"transport": answering(520, b"<html/>")},
    )
    with client, pytest.raises(hpl_client.errors.UnexpectedStatus) as caught:
        operation_module("getSessionsReport").sync(client=client, **minimal_arguments("getSessionsReport"))
    assert type(caught.value) is hpl_client.errors.UnexpectedStatus
    assert (caught.value.status_code, caught.value.content) == (520, b"<html/>")


def test_a_body_that_is_not_the_documented_model_is_raised_as_unexpected_body_when_asked() -> None:
    client = AuthenticatedClient(
        base_url=BASE_URL,
        token=BEARER,
        raise_on_unexpected_status=True,
        httpx_args={"transport": answering(400, b"<html/>")},
    )
    with client, pytest.raises(hpl_client.errors.UnexpectedBody) as caught:
        operation_module("getSessionsReport").sync(client=client, **minimal_arguments("getSessionsReport"))
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)
    assert (caught.value.status_code, caught.value.content) == (400, b"<html/>")


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_build_request_is_what_sync_detailed_sends(operation_id: str) -> None:
    recorder = Recorder(status=418)
    arguments = minimal_arguments(operation_id)
    with client_for(recorder) as client:
        operation_module(operation_id).sync_detailed(client=client, **arguments)
        built = client.get_httpx_client().build_request(**operation_module(operation_id).build_request(**arguments))
    (sent,) = recorder.requests
    assert (built.method, built.url, built.content) == (sent.method, sent.url, sent.content)
    assert dict(built.headers) == dict(sent.headers)


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_parse_response_keeps_the_raw_answer_beside_the_model(operation_id: str) -> None:
    path, method, op = OPERATIONS[operation_id]
    status, response = next((s, resolve(r)) for s, r in op["responses"].items() if s.startswith("2"))
    content = response.get("content", {}).get("application/json")
    body = json.dumps(minimal_document(content["schema"]) if content else None).encode() if content else b""
    answer = httpx.Response(int(status), content=body, request=httpx.Request(method, BASE_URL + path))
    with client_for(Recorder()) as client:
        result = operation_module(operation_id).parse_response(client=client, response=answer)
    assert (result.status_code, result.content, result.headers) == (int(status), body, answer.headers)
    assert content is None or result.parsed is not None


PROBE_SPEC = ROOT / "contract_tests" / "fixtures" / "open_enum_probe.yaml"


@pytest.fixture(scope="module")
def probe_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package the templates make of a spec with every shape of enum (integer, list item, nullable,
    inline, map value, union member) and a oneOf error envelope, importable as `probe`."""
    out = tmp_path_factory.mktemp("probe")
    config = out / "config.yaml"
    config.write_text(
        (ROOT / "openapi" / "generator.yaml")
        .read_text()
        .replace("project_name_override: hpl-client", "project_name_override: probe")
        .replace("package_name_override: hpl_client", "package_name_override: probe")
    )
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            *("generate", "--path", str(PROBE_SPEC), "--config", str(config), "--meta", "none"),
            *("--output-path", str(out / "probe"), "--overwrite", "--fail-on-warning"),
            *("--custom-template-path", str(TEMPLATES)),
        ],
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (out / "probe" / "py.typed").write_text("")
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("probe")
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name == "probe" or name.startswith("probe.")]:
            del sys.modules[name]


def test_the_templates_keep_every_shape_of_enum_mypy_strict_clean(probe_package: ModuleType) -> None:
    package_dir = Path(probe_package.__file__ or "").parent
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--no-incremental", package_dir.name],
        cwd=package_dir.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_templates_keep_every_shape_of_enum_open(probe_package: ModuleType) -> None:
    thing = importlib.import_module("probe.models").Thing
    doc = {
        "mode": "WARP",
        "level": 9,
        "modes": ["FAST", "NEW"],
        "maybeMode": "LATER",
        "inline": "c",
        "byName": {"x": 1, "y": 7},
        "either": "OTHER",
    }
    parsed = thing.from_dict(doc)
    types = importlib.import_module("probe.types")
    unknown = (types.UnknownEnumValue, types.UnknownIntEnumValue)
    kept = [parsed.mode, parsed.level, parsed.modes[1], parsed.maybe_mode, parsed.inline]
    kept += [parsed.by_name["y"], parsed.either]
    assert all(isinstance(value, unknown) for value in kept), kept
    assert not isinstance(parsed.modes[0], unknown)
    assert parsed.to_dict() == doc


def test_an_unknown_enum_value_inside_a_one_of_error_envelope_is_kept(probe_package: ModuleType) -> None:
    operation = importlib.import_module("probe.api.things.get_thing")
    body = b'{"errorCode": "RATE_LIMITED", "errorMessage": "slow down"}'
    client = probe_package.Client(base_url=BASE_URL, httpx_args={"transport": answering(429, body)})
    with client:
        result = operation.sync_detailed(client=client, body=importlib.import_module("probe.models").Thing())
    assert result.parsed.error_code == "RATE_LIMITED"
    assert result.parsed.to_dict() == json.loads(body)


# ---------------------------------------------------------------------------------------------
# hand-written code uses only the public names of hpl_client (issue 12: the generator is a seam)

HAND_WRITTEN = [
    ROOT / "conftest.py",
    *(p for d in ("src", "tests", "contract_tests", "benchmarks", "tools") for p in sorted((ROOT / d).rglob("*.py"))),
]


def private_uses_of_hpl_client(source: str) -> list[str]:
    """Every `_private` name of `hpl_client` a module imports or reads off an imported hpl_client module."""
    tree = ast.parse(source)
    bound: set[str] = set()
    found: list[str] = []

    def private(part: str) -> bool:
        return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "hpl_client":
                    found += [alias.name for part in alias.name.split(".") if private(part)]
                    bound.add(alias.asname or "hpl_client")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "hpl_client":
            module = node.module or ""
            found += [module for part in module.split(".") if private(part)]
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{module}.{alias.name}")
                else:
                    bound.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in bound:
                found.append(f"{ast.unparse(node)}")
    return found


def test_the_private_name_check_finds_a_private_generated_function() -> None:
    source = "from hpl_client.api.device_reports import get_sessions_report\nget_sessions_report._get_kwargs()\n"
    assert private_uses_of_hpl_client(source) == ["get_sessions_report._get_kwargs"]
    assert private_uses_of_hpl_client("from hpl_client.types import _secret\n") == ["hpl_client.types._secret"]
    assert private_uses_of_hpl_client("import hpl_client._internal\n") == ["hpl_client._internal"]


def test_no_hand_written_module_uses_a_private_name_of_hpl_client() -> None:
    offenders = {
        str(path.relative_to(ROOT)): uses
        for path in HAND_WRITTEN
        if (uses := private_uses_of_hpl_client(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
