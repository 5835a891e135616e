"""The generated client is current, strictly typed, and faithful to the spec.

* `generated/` is byte for byte what the pinned generator makes of the spec;
* every model round-trips any document its schema allows;
* every operation, called through the generated client over an in-memory transport, sends what
  the spec requires and parses every documented status into its model.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st

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
from tools.generate import GENERATED, diff_trees, generate

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
