"""Loads the OpenAPI file and indexes its operations; the sandbox keeps no other model of the API."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


SPEC_RESOURCE = "hpl-device-reports.yaml"


def default_spec_path() -> Path:
    """`HPL_SPEC` when set, else the spec shipped inside this package.

    In the repository the packaged file is a symlink to `openapi/hpl-device-reports.yaml`, the one
    copy; the wheel build stores its content, so an installed sandbox needs no checkout.
    """
    override = os.environ.get("HPL_SPEC")
    if override:
        return Path(override)
    # Installed from a wheel or in editable mode the package is a directory, so the resource is a file.
    return Path(str(files("hpl_sandbox").joinpath(SPEC_RESOURCE)))


# libyaml's loader is about ten times faster; the pure-Python one is the fallback.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_spec(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    spec_path = Path(path) if path is not None else default_spec_path()
    with spec_path.open(encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=_Loader)
    if not isinstance(loaded, dict):
        raise ValueError(f"{spec_path} is not an OpenAPI document")
    return loaded


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follows a local `$ref` (and chains of them); any other node is returned as is."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            raise ValueError(f"unsupported $ref {ref!r}")
        seen.add(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def base_path(spec: dict[str, Any]) -> str:
    """The path part of the servers' URLs (they all share it), without a trailing slash."""
    servers = spec.get("servers") or [{"url": "/"}]
    return str(urlsplit(str(servers[0]["url"])).path).rstrip("/")


@dataclass(frozen=True)
class OperationRef:
    operation_id: str
    method: str
    path: str
    node: dict[str, Any]
    path_item: dict[str, Any]


def operations(spec: dict[str, Any]) -> list[OperationRef]:
    found: list[OperationRef] = []
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            node = item.get(method)
            if isinstance(node, dict):
                found.append(OperationRef(node["operationId"], method.upper(), path, node, item))
    return found
