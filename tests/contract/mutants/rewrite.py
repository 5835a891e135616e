"""An ASGI wrapper that lets a mutant rewrite one HTTP exchange: the request before the real sandbox
sees it, the response before the client does. Mutants stay a few lines each and track the real app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from hpl.paths import API_PATH as API_PREFIX

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Exchange:
    """One request and, once answered, its response; JSON bodies decoded, headers by lowercase name."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    raw_response: bytes = b""

    @property
    def operation(self) -> str:
        """The path below the HPL base (`/report/sessions`), or the full path outside it."""
        return self.path[len(API_PREFIX) :] if self.path.startswith(API_PREFIX) else self.path

    def json_response(self, status: int, document: Any) -> None:
        self.status = status
        self.response_body = document
        self.response_headers["content-type"] = "application/json"

    def text_response(self, status: int, text: str) -> None:
        self.status = status
        self.response_body = None
        self.raw_response = text.encode()
        self.response_headers["content-type"] = "text/plain; charset=utf-8"


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


RequestRewrite = Callable[[Exchange], None]
ResponseRewrite = Callable[[Exchange], None]


class Rewrite:
    """Wraps an ASGI app; `request` may edit the exchange before the app runs, `response` after."""

    def __init__(self, app: ASGIApp, request: RequestRewrite | None = None, response: ResponseRewrite | None = None):
        self.app = app
        self.request = request
        self.response = response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        exchange = Exchange(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=_decode(raw),
            raw_body=raw,
        )
        original_body = json.dumps(exchange.body) if exchange.body is not None else None
        if self.request is not None:
            self.request(exchange)
        if exchange.body is not None and json.dumps(exchange.body) != original_body:
            raw = json.dumps(exchange.body).encode()
        headers = {**exchange.headers, "content-length": str(len(raw))} if raw else exchange.headers
        inner_scope = {
            **scope,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
            "query_string": exchange.query.encode("latin-1"),
        }
        done = asyncio.Event()
        delivered = False

        async def inner_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": raw, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        chunks: list[bytes] = []

        async def inner_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(inner_scope, inner_receive, inner_send)
        finally:
            done.set()
        exchange.raw_response = b"".join(chunks)
        exchange.response_body = _decode(exchange.raw_response)
        before = exchange.raw_response
        if self.response is not None:
            self.response(exchange)
        body = exchange.raw_response
        if exchange.response_body is not None and exchange.raw_response == before:
            body = json.dumps(exchange.response_body).encode()
        out_headers = {**exchange.response_headers, "content-length": str(len(body))}
        await send(
            {
                "type": "http.response.start",
                "status": exchange.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in out_headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})
