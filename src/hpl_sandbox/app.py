"""The ASGI app: routes every operation of the spec, the two token services and the control plane,
and runs each API call through one pipeline whose order the contract suite relies on:

1. a forced response queued by the control plane;
2. oversized headers → 400;
3. both credentials (bearer + VZ-M2M-Token) → 401;
4. the account of the call (the body's `accountNumber`, else the header or query parameter)
   against the credentials' account → 403;
5. content type, body size, JSON → 400; parameters and body against the spec's schemas → 400;
6. the operation's own rules (header/body agreement, dates, limits, devices) → 400/403/404/409/500;
7. the response is validated against the spec before it leaves.

Every refusal carries the spec's error body; nothing answers HTML or a traceback.

The layers, one module each, in the order a call meets them:
* HTTP in: `SandboxApp.__call__` (here) journals every request (journal.py) and turns any
  unexpected exception into the last-resort 500, for every path; incoming.py reads headers and the
  body from the ASGI messages.
* Routing: the spec's paths are answered by `SandboxApp._answer` straight from the ASGI messages
  (Starlette's request objects, router and middleware stack cost about a third of a report call);
  the token services (tokens.py), the control plane (control.py) and unknown paths go through
  Starlette's router.
* Validation: steps 2-5 above (`_run_operation`, auth.py, validation.py).
* Rules: the handler table (handlers.py), checked against the spec's operationIds by `create_app`,
  calls reports.py and listeners.py.
* Storage: store.py, jobs.py, listeners.py and the others over the tables of schema.py; `Sandbox`
  (runtime.py) holds one instance of each part.
* HTTP out: `send_json` (here) sends the JSON answer after step 7.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hpl_sandbox import control, tokens
from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.errors import INTERNAL_ERROR, ApiError, bad_request
from hpl_sandbox.facts import CONTROL_PREFIX
from hpl_sandbox.handlers import HANDLERS, Call
from hpl_sandbox.incoming import body_chunks, headers_of, json_body, read_limited, reject_huge_headers
from hpl_sandbox.journal import MAX_RECORDED_BODY
from hpl_sandbox.runtime import Sandbox
from hpl_sandbox.validation import Operation

log = logging.getLogger("hpl_sandbox")

REPORT_TAG = "Device Reports"
LAST_RESORT_BODY = {"errorCode": INTERNAL_ERROR, "errorMessage": "Internal error in the sandbox; see its log"}


@dataclass(frozen=True)
class Incoming:
    """What an API call brought: headers by lower-case name (the first of repeated ones, as
    Starlette reads them), query parameters (the last of repeated ones, likewise) and the body."""

    raw_headers: list[tuple[bytes, bytes]]
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    too_large: bool


def _call_account(operation: Operation, incoming: Incoming, parsed: Any) -> str | None:
    """The account a call asks for: the body's `accountNumber` (the body is authoritative, D2),
    else the `accountNumber` header or query parameter. A header that disagrees with a readable
    body is therefore a 400 for disagreement, not a 403. `parsed` is the body as strict JSON, or
    None when it is not; then a lenient parse (NaN and the like) may still name the account."""
    if operation.body_validator is not None and incoming.body:
        body = parsed
        if body is None:
            try:
                body = json.loads(incoming.body)
            except (ValueError, RecursionError):
                body = None
        if isinstance(body, dict) and isinstance(body.get("accountNumber"), str):
            return str(body["accountNumber"])
    for parameter in operation.parameters:
        if parameter.name == "accountNumber":
            source = incoming.headers if parameter.location == "header" else incoming.query
            value = source.get(parameter.key)
            if value is not None:
                return value
    return None


async def _run_operation(sandbox: Sandbox, operation: Operation, incoming: Incoming) -> tuple[int, Any]:
    config = sandbox.config
    reject_huge_headers(incoming.raw_headers, config.max_header_bytes)
    account = sandbox.auth.authenticate(incoming.headers)
    body: Any = None
    refusal: ApiError | None = None
    if operation.body_validator is not None:
        try:
            body = json_body(incoming.headers, incoming.body, incoming.too_large, config.max_body_bytes)
        except ApiError as error:
            refusal = error
    wanted = _call_account(operation, incoming, None if refusal is not None else body)
    if wanted is not None and wanted != account:
        raise ApiError(403, f"The credentials do not give access to account {wanted}")
    if refusal is not None:
        raise refusal
    relaxed: frozenset[str] = frozenset()
    if config.compat_mode and REPORT_TAG in operation.tags:
        relaxed = frozenset(p.name for p in operation.parameters if p.location == "header")
    params = operation.read_parameters(incoming.headers, incoming.query, relaxed)
    operation.check_body(body)
    if wanted is None:
        raise bad_request("accountNumber is required")
    call = Call(operation, account, params, body, sandbox.clock.now_ms())
    return await HANDLERS[operation.operation_id](sandbox, call)


# HTTP out


def render_answer(body: Any) -> bytes:
    # The bytes JSONResponse renders (compact, UTF-8) for the JSON documents the sandbox answers,
    # without a Response object per call; orjson takes 0.6 µs where json.dumps took 6.5 µs of an
    # aggregate answer.
    return orjson.dumps(body)


async def send_json(send: Send, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
    content = b"" if body is None else render_answer(body)
    raw_headers = [(b"content-length", str(len(content)).encode("latin-1"))]
    if body is not None:
        raw_headers.append((b"content-type", b"application/json"))
    for name, value in (headers or {}).items():
        raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": content})


@dataclass(frozen=True)
class ApiPath:
    """The operations of one path of the spec, by method."""

    path: str
    by_method: dict[str, Operation]

    @property
    def allow(self) -> str:
        methods = set(self.by_method) | ({"HEAD"} if "GET" in self.by_method else set())
        return ", ".join(sorted(methods))

    def operation(self, method: str) -> Operation | None:
        return self.by_method.get("GET" if method == "HEAD" else method)


def _route_path(scope: Scope) -> str:
    """The path below the app's mount point, as Starlette's router matches it."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


class _BodyRecorder:
    """A `receive` that keeps the first MAX_RECORDED_BODY bytes of the body for the journal, for
    the requests Starlette reads (the spec's operations read theirs themselves)."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._chunks: list[bytes] = []
        self._size = 0

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request" and self._size < MAX_RECORDED_BODY:
            chunk = message.get("body", b"")
            self._chunks.append(chunk[: MAX_RECORDED_BODY - self._size])
            self._size += len(chunk)
        return message

    def body(self) -> bytes:
        return b"".join(self._chunks)


class SandboxApp(Starlette):
    """One pipeline for every HTTP request: `__call__` journals it and turns any unexpected
    exception into the last-resort 500, whichever path it took. The spec's operations are answered
    from the ASGI messages (`_answer`); the token services, the control plane and unknown paths go
    through Starlette's router, whose only middleware is the exception handlers that give its 404
    and 405 and an `ApiError` the spec's error body."""

    sandbox: Sandbox
    api_paths: dict[str, ApiPath]

    def build_middleware_stack(self) -> ASGIApp:
        # Not Starlette's ServerErrorMiddleware, which would answer a plain-text 500 of its own
        # before `__call__` saw the exception.
        return ExceptionMiddleware(self.router, handlers=self.exception_handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        self.sandbox.sync()
        api_path = self.api_paths.get(_route_path(scope))
        # The control plane is the test's own voice, not traffic under test: it is not journaled.
        journaled = api_path is not None or not scope.get("path", "").startswith(CONTROL_PREFIX)
        status = 0
        body = b""

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        recorder: _BodyRecorder | None = None
        try:
            if api_path is not None:
                body = await self._answer(api_path, scope, receive, tracking_send)
            elif journaled:
                recorder = _BodyRecorder(receive)
                await super().__call__(scope, recorder, tracking_send)
            else:
                await super().__call__(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not status:
                await send_json(tracking_send, 500, LAST_RESORT_BODY)
        finally:
            if journaled:
                try:
                    recorded = body[:MAX_RECORDED_BODY] if recorder is None else recorder.body()
                    self.sandbox.journal.record(scope, recorded, status)
                except Exception:
                    # Recording is a test aid; it must never turn an answer into a failure.
                    log.exception("could not journal %s %s", scope.get("method"), scope.get("path"))

    async def _answer(self, api_path: ApiPath, scope: Scope, receive: Receive, send: Send) -> bytes:
        """Answers one call of an API path; returns the body it read, for the journal."""
        sandbox = self.sandbox
        method = scope["method"]
        operation = api_path.operation(method)
        if operation is None:
            message = f"Method {method} is not allowed on {scope['path']}"
            await send_json(send, 405, ApiError(405, message).body(), {"Allow": api_path.allow})
            return b""
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        headers = headers_of(raw_headers)
        raw, too_large = await read_limited(
            body_chunks(receive), headers.get("content-length", ""), sandbox.config.max_body_bytes
        )
        forced = await sandbox.forced.answer(operation.operation_id)
        if forced is not None:
            await forced(scope, receive, send)
            return raw
        query_string = scope.get("query_string", b"")
        query: Mapping[str, str] = QueryParams(query_string) if query_string else {}
        try:
            status, body = await _run_operation(
                sandbox, operation, Incoming(raw_headers, headers, query, raw, too_large)
            )
        except ApiError as error:
            status, body = error.status, error.body()
        if sandbox.config.validate_responses:
            operation.check_response(status, body)
        await send_json(send, status, body)
        return raw


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 (unknown path, wrong method) in the spec's error body."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"No operation at {request.url.path}"
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return ApiError(exc.status_code, message, headers=dict(exc.headers or {})).response()


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


class HandlerTableError(RuntimeError):
    """The spec and the handler table (handlers.py) do not name the same operations."""


def check_handlers(operation_ids: Iterable[str], handlers: Mapping[str, object]) -> None:
    """Refuses a spec with an operation no handler answers, or a handler for no operation: either
    would surface only at request time, as a 500 or as a handler nobody can reach."""
    declared = set(operation_ids)
    unhandled = sorted(declared - set(handlers))
    unknown = sorted(set(handlers) - declared)
    if unhandled or unknown:
        parts = []
        if unhandled:
            parts.append(f"operations of the spec without a handler: {', '.join(unhandled)}")
        if unknown:
            parts.append(f"handlers for operations the spec does not have: {', '.join(unknown)}")
        raise HandlerTableError(
            "The sandbox cannot serve this spec: " + "; ".join(parts) + " (see src/hpl_sandbox/handlers.py)"
        )


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    sandbox = Sandbox(config or SandboxConfig())
    check_handlers(sandbox.operations, HANDLERS)
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in sandbox.operations.values():
        by_path.setdefault(sandbox.base_path + operation.path, {})[operation.method] = operation
    app = SandboxApp(
        routes=[*tokens.routes(sandbox), *control.routes],
        lifespan=sandbox.lifespan,
        exception_handlers={HTTPException: _http_error, ApiError: _api_error},
    )
    app.sandbox = sandbox
    app.api_paths = {path: ApiPath(path, ops) for path, ops in by_path.items()}
    # A trailing slash is another path, not a redirect: unknown paths answer 404 with the error body.
    app.router.redirect_slashes = False
    app.state.sandbox = sandbox
    return app
