"""HTTP in: what a request brought, read from the ASGI messages (headers, a size-limited body) and
parsed as strictly as the spec's `application/json` means it, without Starlette's request objects
(they cost about a third of a report call). The token services read their bodies with it too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.types import Receive

from hpl_sandbox.errors import bad_request


def reject_huge_headers(raw_headers: list[tuple[bytes, bytes]], limit: int) -> None:
    size = sum(len(name) + len(value) for name, value in raw_headers)
    if size > limit:
        raise bad_request(f"The request headers exceed {limit} bytes")


async def read_limited(chunks: AsyncIterator[bytes], declared: str, limit: int) -> tuple[bytes, bool]:
    """The body, or (b"", True) as soon as it is known to exceed `limit` bytes."""
    if declared.isdigit() and int(declared) > limit:
        return b"", True
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return b"", True
        parts.append(chunk)
    return b"".join(parts), False


async def body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise bad_request("The body is not UTF-8") from error
    except (ValueError, RecursionError) as error:
        raise bad_request(f"Malformed JSON: {error}") from error
    if b"\\u" in raw and _has_lone_surrogate(value):
        raise bad_request("The body escapes a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text")
    return value


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a string anywhere in the document holds a surrogate that `\\u` escapes left unpaired:
    valid JSON syntax, but no Unicode text, so nothing downstream (SQLite, the answer) can encode it."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def json_body(headers: Mapping[str, str], raw: bytes, too_large: bool, limit: int) -> Any:
    if media_type(headers) != "application/json":
        raise bad_request("Content-Type must be application/json")
    if too_large:
        raise bad_request(f"The request body exceeds {limit} bytes")
    if not raw.strip():
        raise bad_request("A JSON request body is required")
    return parse_json(raw)


def headers_of(raw_headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        headers.setdefault(raw_name.decode("latin-1").lower(), raw_value.decode("latin-1"))
    return headers
