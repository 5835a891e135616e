"""Request and response validation against the spec's own schemas, in the OpenAPI 3.0 dialect.

One validator per operation and location is compiled at start-up. Parameters arrive as strings, so
they are first read as the type their schema declares, then validated like any JSON value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from hpl_sandbox.errors import bad_request
from hpl_sandbox.spec import OperationRef, operations, resolve

_INTEGER = re.compile(r"^-?[0-9]+$")


def inline_refs(spec: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """The schema with every local `$ref` replaced by its target (OpenAPI 3.0 ignores a `$ref`'s
    siblings, so replacing is exact). The spec has no recursive schemas; the depth guard says so
    loudly should one appear. Inlined schemas validate several times faster than `$ref` lookups."""
    if depth > 50:
        raise ValueError("recursive $ref in the spec; the sandbox inlines references")
    if isinstance(node, dict):
        if "$ref" in node:
            return inline_refs(spec, resolve(spec, node), depth + 1)
        return {key: inline_refs(spec, value, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_refs(spec, item, depth + 1) for item in node]
    return node


def compile_schema(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A validator for one schema of the spec, in the OpenAPI 3.0 dialect, with real format checks."""
    root = inline_refs(spec, schema)
    validator_class: Any = OAS30Validator
    validator_class.check_schema(root)
    return validator_class(root, format_checker=oas30_format_checker)


def describe(error: ValidationError, where: str) -> str:
    location = where
    for part in error.absolute_path:
        location += f"[{part}]" if isinstance(part, int) else f".{part}"
    return f"{location}: {error.message}"


def first_error(validator: Any, value: Any, where: str) -> str | None:
    error = best_match(validator.iter_errors(value))
    return None if error is None else describe(error, where)


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    kind: str
    validator: Any

    def read(self, raw: str) -> Any:
        """The raw string as the declared type, or ApiError 400 naming the parameter."""
        if self.kind == "integer":
            if not _INTEGER.match(raw):
                raise bad_request(f"{self.location} '{self.name}' must be an integer, got {raw!r}")
            return int(raw)
        if self.kind == "boolean":
            if raw not in ("true", "false"):
                raise bad_request(f"{self.location} '{self.name}' must be true or false, got {raw!r}")
            return raw == "true"
        return raw


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    body_validator: Any | None
    body_required: bool
    responses: Mapping[int, Any | None] = field(default_factory=dict)

    @property
    def statuses(self) -> frozenset[int]:
        return frozenset(self.responses)

    def read_parameters(
        self,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        relaxed: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Every present parameter, typed and validated; a missing required one is a 400.

        `relaxed` names required parameters that may be absent (the compatibility mode).
        """
        values: dict[str, Any] = {}
        for parameter in self.parameters:
            source = headers if parameter.location == "header" else query
            raw = source.get(parameter.name)
            if raw is None:
                if parameter.required and parameter.name not in relaxed:
                    raise bad_request(f"{parameter.location} '{parameter.name}' is required")
                continue
            value = parameter.read(raw)
            problem = first_error(parameter.validator, value, f"{parameter.location} '{parameter.name}'")
            if problem is not None:
                raise bad_request(problem)
            values[parameter.name] = value
        return values

    def check_body(self, body: Any) -> None:
        if self.body_validator is None:
            return
        problem = first_error(self.body_validator, body, "body")
        if problem is not None:
            raise bad_request(problem)

    def check_response(self, status: int, body: Any) -> None:
        """Raises when the sandbox itself is about to break the contract (a bug, never the caller's)."""
        if status not in self.responses:
            raise AssertionError(f"{self.operation_id}: status {status} is not documented")
        validator = self.responses[status]
        if validator is None:
            if body is not None:
                raise AssertionError(f"{self.operation_id}: status {status} documents no body")
            return
        problem = first_error(validator, body, "response")
        if problem is not None:
            raise AssertionError(f"{self.operation_id} {status}: {problem}")


def _json_schema(spec: dict[str, Any], content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    media = content.get("application/json")
    if media is None or "schema" not in media:
        return None
    schema = media["schema"]
    return schema if isinstance(schema, dict) else None


def _parameter(spec: dict[str, Any], node: Any) -> Parameter:
    definition = resolve(spec, node)
    schema = definition["schema"]
    kind = resolve(spec, schema).get("type", "string")
    return Parameter(
        name=definition["name"],
        location=definition["in"],
        required=bool(definition.get("required", False)),
        kind=kind,
        validator=compile_schema(spec, schema),
    )


def compile_operation(spec: dict[str, Any], ref: OperationRef) -> Operation:
    node = ref.node
    parameters = [_parameter(spec, p) for p in ref.path_item.get("parameters", [])]
    parameters += [_parameter(spec, p) for p in node.get("parameters", [])]
    body_validator = None
    body_required = False
    if "requestBody" in node:
        request_body = resolve(spec, node["requestBody"])
        body_required = bool(request_body.get("required", False))
        body_schema = _json_schema(spec, request_body.get("content"))
        if body_schema is not None:
            body_validator = compile_schema(spec, body_schema)
    responses: dict[int, Any | None] = {}
    for status, response_node in node.get("responses", {}).items():
        response = resolve(spec, response_node)
        schema = _json_schema(spec, response.get("content"))
        responses[int(status)] = None if schema is None else compile_schema(spec, schema)
    return Operation(
        operation_id=ref.operation_id,
        method=ref.method,
        path=ref.path,
        tags=tuple(node.get("tags", [])),
        parameters=tuple(parameters),
        body_validator=body_validator,
        body_required=body_required,
        responses=responses,
    )


def compile_operations(spec: dict[str, Any]) -> dict[str, Operation]:
    return {ref.operation_id: compile_operation(spec, ref) for ref in operations(spec)}


def compile_component(spec: dict[str, Any], name: str) -> Any:
    """A validator for `components/schemas/<name>` (the callback message, for one)."""
    return compile_schema(spec, {"$ref": f"#/components/schemas/{name}"})
