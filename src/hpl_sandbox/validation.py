"""Request and response validation against the spec's own schemas, in the OpenAPI 3.0 dialect.

One validator per operation and location is compiled at start-up. Parameters arrive as strings, so
they are first read as the type their schema declares, then validated like any JSON value.

Each schema gets two validators made from the same spec node: jsonschema's OAS30Validator, the
reference, and a fastjsonschema function compiled from a JSON Schema (draft 4) translation of it.
Interpreting a schema costs tens to hundreds of microseconds per document, the compiled function a
few; the fast one answers "valid", and only when it refuses does the reference run, to decide and
to describe the error. So every message is the reference's, and the translation only has to be
never more lenient than the reference: where it is stricter (fastjsonschema anchors `$` at the very
end of a string, the reference's `re.search` also before a final newline) the reference overrules
it. A schema using a keyword the translation cannot state exactly is validated by the reference
alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import fastjsonschema
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from hpl_sandbox.errors import bad_request
from hpl_sandbox.spec import OperationRef, operations, resolve

_INTEGER = re.compile(r"^-?[0-9]+$")

DRAFT4 = "http://json-schema.org/draft-04/schema#"

# Keywords whose meaning is the same in the reference's OAS 3.0 dialect and in draft 4 as
# fastjsonschema implements it, for the JSON values a request or a response can hold.
_PORTABLE = frozenset(
    {
        "maximum",
        "minimum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
    }
)
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
# The reference's integer formats also bound integers; fastjsonschema only checks formats on strings.
_INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class Untranslatable(ValueError):
    """The schema uses something the fast path cannot state exactly; the reference validates alone."""


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


def _reads_as_not_required(schema: Any) -> bool:
    # The reference's `required` skips a property marked readOnly or writeOnly (it validates as
    # neither a reader nor a writer, so both exemptions apply).
    return bool(schema) and bool(schema.get("readOnly", False) or schema.get("writeOnly", False))


def to_json_schema(node: Any) -> dict[str, Any]:
    """One inlined OAS 3.0 schema as draft-4 JSON Schema with the reference's meaning, or
    Untranslatable. Keywords the reference does not implement (descriptions, examples, `x-*`,
    `default`, …) are dropped, as the reference ignores them; `nullable: true` adds "null" to
    `type`, exactly the values the reference's `type` then lets through."""
    if not isinstance(node, dict):
        raise Untranslatable(f"schema {node!r} is not an object")
    out: dict[str, Any] = {}
    extra: list[dict[str, Any]] = []
    for key, value in node.items():
        if key not in OAS30Validator.VALIDATORS:
            continue
        if key in _PORTABLE:
            out[key] = value
        elif key == "type":
            if not isinstance(value, str):
                raise Untranslatable(f"type {value!r}")
            out["type"] = [value, "null"] if node.get("nullable") is True else value
        elif key == "format":
            if value in _INTEGER_BOUNDS:
                if node.get("type") != "integer":
                    raise Untranslatable(f"format {value} on a non-integer")
                low, high = _INTEGER_BOUNDS[value]
                extra.append({"minimum": low, "maximum": high})
            out["format"] = value
        elif key == "enum":
            if not isinstance(value, list) or not all(item is None or isinstance(item, str) for item in value):
                # Python's `in` equates True with 1; the reference does not.
                raise Untranslatable("enum of non-strings")
            out["enum"] = value
        elif key == "properties":
            out["properties"] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key == "items":
            out["items"] = to_json_schema(value)
        elif key == "additionalProperties":
            if "patternProperties" in node:
                raise Untranslatable("patternProperties changes what is additional")
            out[key] = value if isinstance(value, bool) else to_json_schema(value)
        elif key in _SUBSCHEMA_LISTS:
            if "discriminator" in node:
                raise Untranslatable("discriminator")
            out[key] = [to_json_schema(sub) for sub in value]
        elif key == "not":
            out["not"] = to_json_schema(value)
        elif OAS30Validator.VALIDATORS[key].__name__ == "not_implemented":
            continue
        else:
            raise Untranslatable(f"keyword {key}")
    if "required" in out:
        properties = node.get("properties", {})
        out["required"] = [name for name in out["required"] if not _reads_as_not_required(properties.get(name))]
    if extra:
        out["allOf"] = [*out.get("allOf", []), *extra]
    return out


def _formats_in(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["format"]} if isinstance(schema.get("format"), str) else set()
        for value in schema.values():
            found |= _formats_in(value)
        return found
    if isinstance(schema, list):
        return set().union(*(_formats_in(item) for item in schema)) if schema else set()
    return set()


def _conforms(check: Callable[[Any], Any], raises: Any, value: str) -> bool:
    # FormatChecker.conforms without its dispatch: a falsy result or one of the exceptions the
    # check declares means "does not conform", any other exception propagates, as there.
    try:
        return bool(check(value))
    except raises:
        return False


# Strings every one of which the reference's check accepts, recognised by one regex instead of a
# Python call: for date-time, RFC 3339 in upper case (which `.upper()` leaves as it is) with a
# year from 1970 and a day of month up to 28, so it exists in every month. A sessions answer
# carries two date-times per session. Anything else goes to the reference's own check.
_SURELY_VALID = {
    "date-time": re.compile(
        r"(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
        r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])\Z"
    ),
}


def _surely_or(sure: re.Pattern[str], check: Callable[[str], bool], value: str) -> bool:
    return sure.match(value) is not None or check(value)


# jsonschema checks these formats only when the named package is importable, and otherwise accepts
# every string without a word: an installed sandbox once took "https://\u00cf" for a uri (issue 15).
FORMAT_PACKAGES = {"uri": "rfc3986-validator", "date-time": "rfc3339-validator"}


class MissingDependencyError(ImportError):
    """A package the sandbox needs is not installed; the message says how to install it."""


def require_format_checks(spec: dict[str, Any]) -> None:
    """Refuses to serve a spec whose formats would go unchecked for want of a package."""
    used = _formats_in(spec)
    missing = sorted(
        package
        for name, package in FORMAT_PACKAGES.items()
        if name in used and name not in oas30_format_checker.checkers
    )
    if missing:
        raise MissingDependencyError(
            f"the sandbox cannot check formats without {', '.join(missing)}: pip install 'thingspace-hpl[sandbox]'"
        )


def format_check(name: str) -> Callable[[str], bool]:
    if name not in oas30_format_checker.checkers:
        # The reference ignores formats it does not know.
        return lambda _value: True
    check, raises = oas30_format_checker.checkers[name]
    reference = functools.partial(_conforms, check, raises)
    sure = _SURELY_VALID.get(name)
    return reference if sure is None else functools.partial(_surely_or, sure, reference)


def compile_fast(root: dict[str, Any]) -> Callable[[Any], Any] | None:
    """The compiled check for an inlined schema, or None when it cannot be translated exactly.

    Every format goes to the reference's own format checker (RFC 3339 for date-time, RFC 3986 for
    uri, …), so a string is accepted by exactly the same function either way."""
    try:
        translated = to_json_schema(root)
    except Untranslatable:
        return None
    formats = {name: format_check(name) for name in _formats_in(root)}
    unique_paths = _take_unique_items(translated)
    check: Callable[[Any], Any] = fastjsonschema.compile(
        {"$schema": DRAFT4, **translated},
        formats=formats,
        use_default=False,
        detailed_exceptions=False,
    )
    return functools.partial(_check_then_unique, check, unique_paths) if unique_paths else check


# fastjsonschema decides `uniqueItems` by turning every item into a frozen canonical form through a
# recursive Python function: 12 of the 21 µs that validating a 10-device aggregate answer took. An
# array reached from the root through `properties` alone is checked here instead: items that are
# all distinct as Python values (dicts as their frozen items) are distinct for the reference too,
# since its equality only ever equates what Python equates; anything else is judged by
# fastjsonschema's own canonical form, and a duplicate goes to the reference like any refusal.
def _take_unique_items(schema: dict[str, Any], path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], ...]:
    """Removes `uniqueItems: true` from the nodes reached through `properties`; returns their paths."""
    found: list[tuple[str, ...]] = []
    if schema.get("uniqueItems") is True:
        del schema["uniqueItems"]
        found.append(path)
    for name, sub in schema.get("properties", {}).items():
        if isinstance(sub, dict):
            found.extend(_take_unique_items(sub, (*path, name)))
    return tuple(found)


def _canonical(value: Any) -> Any:
    # fastjsonschema's own form for `uniqueItems`: booleans apart from numbers, containers frozen.
    if isinstance(value, dict):
        return frozenset((key, _canonical(item)) for key, item in value.items())
    if isinstance(value, list):
        return tuple(_canonical(item) for item in value)
    if isinstance(value, bool):
        return (bool, value)
    return value


def _unique(items: list[Any]) -> bool:
    try:
        distinct = len({frozenset(item.items()) if type(item) is dict else item for item in items})
    except TypeError:  # an unhashable value: a list, or a dict inside an item
        distinct = 0
    return distinct == len(items) or len({_canonical(item) for item in items}) == len(items)


def _check_then_unique(check: Callable[[Any], Any], paths: tuple[tuple[str, ...], ...], value: Any) -> Any:
    check(value)
    for path in paths:
        node = value
        for name in path:
            if not isinstance(node, dict) or name not in node:
                break
            node = node[name]
        else:
            if isinstance(node, list) and not _unique(node):
                raise ValueError(f"duplicate items at {'.'.join(path) or 'the root'}")
    return value


class SchemaCheck:
    """One schema of the spec: the compiled fast check in front of the reference validator."""

    def __init__(self, reference: Any, fast: Callable[[Any], Any] | None) -> None:
        self.reference = reference
        self.fast = fast

    def passes_fast(self, value: Any) -> bool:
        if self.fast is None:
            return False
        try:
            self.fast(value)
        except Exception:
            # A refusal (or anything odd) is for the reference to judge and describe.
            return False
        return True

    def iter_errors(self, value: Any) -> Iterator[ValidationError]:
        if self.passes_fast(value):
            return iter(())
        errors: Iterator[ValidationError] = self.reference.iter_errors(value)
        return errors

    def first_error(self, value: Any, where: str) -> str | None:
        if self.passes_fast(value):
            return None
        error = best_match(self.reference.iter_errors(value))
        return None if error is None else describe(error, where)


def compile_schema(spec: dict[str, Any], schema: dict[str, Any]) -> SchemaCheck:
    """A validator for one schema of the spec, in the OpenAPI 3.0 dialect, with real format checks."""
    root = inline_refs(spec, schema)
    validator_class: Any = OAS30Validator
    validator_class.check_schema(root)
    return SchemaCheck(validator_class(root, format_checker=oas30_format_checker), compile_fast(root))


def describe(error: ValidationError, where: str) -> str:
    location = where
    for part in error.absolute_path:
        location += f"[{part}]" if isinstance(part, int) else f".{part}"
    return f"{location}: {error.message}"


def first_error(validator: SchemaCheck, value: Any, where: str) -> str | None:
    return validator.first_error(value, where)


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    kind: str
    validator: SchemaCheck

    @functools.cached_property
    def key(self) -> str:
        """The name to look the parameter up by: header names arrive in lower case."""
        return self.name.lower() if self.location == "header" else self.name

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
    body_validator: SchemaCheck | None
    body_required: bool
    responses: Mapping[int, SchemaCheck | None] = field(default_factory=dict)

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
            raw = source.get(parameter.key)
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
    responses: dict[int, SchemaCheck | None] = {}
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


def compile_component(spec: dict[str, Any], name: str) -> SchemaCheck:
    """A validator for `components/schemas/<name>` (the callback message, for one)."""
    return compile_schema(spec, {"$ref": f"#/components/schemas/{name}"})
