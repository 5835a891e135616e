"""Hypothesis strategies for documents valid against any component schema of the spec.

Schemathesis generates only request data, so each component schema is wrapped in a synthetic
`POST /_echo/<Name>` operation whose body is that schema (tooling.md §4.10); the bodies it draws
follow the spec's own OAS 3.0 semantics, `nullable` included.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import schemathesis
from hypothesis import strategies as st

from hpl_contract.spec_loader import JSON, load_spec


@functools.cache
def _echo_schema() -> Any:
    spec = load_spec()
    echo: JSON = {
        "openapi": spec["openapi"],
        "info": {"title": "component echo", "version": "1"},
        "paths": {},
        "components": copy.deepcopy(spec["components"]),
    }
    echo["components"].pop("securitySchemes", None)
    for name in spec["components"]["schemas"]:
        echo["paths"][f"/_echo/{name}"] = {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                },
                "responses": {"200": {"description": "echo"}},
            }
        }
    return schemathesis.openapi.from_dict(echo)


def documents(component: str) -> st.SearchStrategy[Any]:
    """Any JSON document valid against `#/components/schemas/<component>`."""
    operation = _echo_schema()[f"/_echo/{component}"]["POST"]
    strategy: st.SearchStrategy[Any] = operation.as_strategy().map(lambda case: case.body)
    return strategy
