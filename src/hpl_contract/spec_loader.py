"""The spec as data: loading, `$ref` resolution, and validators in the spec's own dialect (OAS 3.0)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from hpl_sandbox.spec import SPEC_RESOURCE

# The copy shipped in hpl_sandbox; in the repository a symlink to openapi/hpl-device-reports.yaml.
SPEC_PATH = Path(str(files("hpl_sandbox").joinpath(SPEC_RESOURCE))).resolve()
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

JSON = dict[str, Any]


@functools.cache
def load_spec() -> JSON:
    spec: JSON = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def resolve(node: Any, spec: JSON | None = None) -> Any:
    """Follow a local `$ref` (one level at a time, until the node is not a reference)."""
    spec = spec if spec is not None else load_spec()
    while isinstance(node, dict) and "$ref" in node:
        ref: str = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def validator(schema: JSON, spec: JSON | None = None) -> OAS30Validator:
    """A validator for `schema` whose `#/components/...` references resolve inside the spec."""
    spec = spec if spec is not None else load_spec()
    rooted = {**schema, "components": spec["components"]}
    return OAS30Validator(rooted, format_checker=oas30_format_checker)


def component_validator(name: str, spec: JSON | None = None) -> OAS30Validator:
    return validator({"$ref": f"#/components/schemas/{name}"}, spec)


def validation_errors(schema: JSON, instance: Any, spec: JSON | None = None) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator(schema, spec).iter_errors(instance)
    ]


def operations(spec: JSON | None = None) -> Iterator[tuple[str, str, JSON]]:
    """Every (path, method, operation) of the top-level paths."""
    spec = spec if spec is not None else load_spec()
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def operation_by_id(operation_id: str, spec: JSON | None = None) -> tuple[str, str, JSON]:
    for path, method, op in operations(spec):
        if op.get("operationId") == operation_id:
            return path, method, op
    raise KeyError(operation_id)


def parameters(op: JSON, location: str, spec: JSON | None = None) -> dict[str, JSON]:
    """The resolved parameters of an operation in one location, by name."""
    found = (resolve(p, spec) for p in op.get("parameters", []))
    return {p["name"]: p for p in found if p["in"] == location}
