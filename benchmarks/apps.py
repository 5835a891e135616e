"""The ASGI apps the benchmarks serve besides the sandbox: a constant answer and a callback listener."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# What the sandbox answers a 10-device aggregate with, so that every client parses the same bytes
# from the constant app as from the sandbox.
AGGREGATE_BODY = json.dumps(
    {
        "txid": "60c07fff-470b-4d6d-afcc-75e6a7c238f6",
        "usage": [
            {"imei": f"7093120344{93372 + i:05d}", "numberOfSessions": 40 + i, "bytesTransferred": 2057 * (i + 1)}
            for i in range(10)
        ],
    },
    separators=(",", ":"),
).encode()
JSON_HEADERS = [(b"content-type", b"application/json")]


async def _drain(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [*JSON_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def constant_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The floor of the server stack: reads the request, answers the same aggregate, does nothing else."""
    if scope["type"] != "http":
        return
    await _drain(receive)
    await _answer(send, 200, AGGREGATE_BODY)


class Listener:
    """A callback listener that acknowledges every message and counts them per txid.

    `GET /count?txid=T` answers `{"messages": n, "imeis": distinct}`, so a benchmark can wait for
    the last delivery without keeping the messages.
    """

    def __init__(self) -> None:
        self.messages: Counter[str] = Counter()
        self.imeis: dict[str, set[str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await _drain(receive)
        if scope["method"] == "GET":
            query = scope.get("query_string", b"").decode()
            txid = query.partition("txid=")[2]
            count = {"messages": self.messages[txid], "imeis": len(self.imeis.get(txid, ()))}
            await _answer(send, 200, json.dumps(count).encode())
            return
        try:
            message = json.loads(body)
            txid = str(message["txid"])
            entries = message.get("usage") or message.get("errors") or []
            imei = str(entries[0].get("imei")) if entries else ""
        except (ValueError, KeyError, TypeError, AttributeError):
            await _answer(send, 400, b'{"error":"not a callback message"}')
            return
        self.messages[txid] += 1
        self.imeis.setdefault(txid, set()).add(imei)
        await _answer(send, 200, b"{}")
