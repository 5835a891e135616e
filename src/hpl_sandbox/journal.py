"""The journal of received requests: an ASGI middleware that records what came in and the status
that went out, with credentials redacted. The control plane itself is not journaled."""

from __future__ import annotations

import json
import logging
from collections import deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hpl_sandbox.clock import Clock, to_rfc3339

REDACTED_HEADERS = frozenset({"authorization", "vz-m2m-token"})
REDACTED_FIELDS = frozenset({"password", "client_secret"})
MAX_RECORDED_BODY = 64 * 1024
CONTROL_PREFIX = "/_sandbox"

log = logging.getLogger("hpl_sandbox.journal")


def _redact_body(raw: bytes) -> Any:
    text = raw[:MAX_RECORDED_BODY].decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        if "client_secret=" in text or "password=" in text:
            return "<redacted form>"
        return text
    if isinstance(parsed, dict):
        return {k: ("<redacted>" if k in REDACTED_FIELDS else v) for k, v in parsed.items()}
    return parsed


class Journal:
    """Keeps what each call brought (its raw headers and body, the time, the status) and builds the
    redacted entry only when someone reads the journal: most calls are never looked at, and
    decoding every header and parsing every body again cost about 4 % of a call."""

    def __init__(self, clock: Clock, size: int) -> None:
        self._clock = clock
        self._entries: deque[_Entry] = deque(maxlen=size)

    def clear(self) -> None:
        self._entries.clear()

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        items = list(self._entries)
        chosen = items if limit is None else items[-limit:] if limit > 0 else []
        rendered = []
        for entry in chosen:
            try:
                rendered.append(entry.render())
            except Exception:
                # As when entries were built on arrival: one that cannot be is left out, and logged.
                log.exception("could not journal %s %s", entry.method, entry.path)
        return rendered

    def record(self, scope: Scope, body: bytes, status: int) -> None:
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        self._entries.append(
            _Entry(
                self._clock.now_ms(),
                scope.get("method", ""),
                f"{path}?{query}" if query else path,
                list(scope.get("headers", [])),
                body,
                status,
            )
        )


class _Entry:
    __slots__ = ("_rendered", "body", "headers", "method", "path", "status", "time_ms")

    def __init__(
        self, time_ms: int, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes, status: int
    ) -> None:
        self.time_ms = time_ms
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.status = status
        self._rendered: dict[str, Any] | None = None

    def render(self) -> dict[str, Any]:
        if self._rendered is None:
            headers: dict[str, str] = {}
            for raw_name, raw_value in self.headers:
                name = raw_name.decode("latin-1").lower()
                headers[name] = "<redacted>" if name in REDACTED_HEADERS else raw_value.decode("latin-1")
            self._rendered = {
                "time": to_rfc3339(self.time_ms),
                "method": self.method,
                "path": self.path,
                "headers": headers,
                "body": _redact_body(self.body) if self.body else None,
                "status": self.status,
            }
        return self._rendered


class JournalMiddleware:
    def __init__(self, app: ASGIApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        status = 0

        async def recording_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request" and size < MAX_RECORDED_BODY:
                chunk = message.get("body", b"")
                chunks.append(chunk[: MAX_RECORDED_BODY - size])
                size += len(chunk)
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        finally:
            try:
                self.journal.record(scope, b"".join(chunks), status)
            except Exception:
                # Recording is a test aid; it must never turn an answer into a failure.
                log.exception("could not journal %s %s", scope.get("method"), scope.get("path"))
