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

The paths of the spec's operations are answered by `SandboxApp` itself, straight from the ASGI
messages: Starlette's request objects, router and middleware stack cost about a third of a report
call. Everything else (token services, control plane, unknown paths) goes through Starlette.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hpl_sandbox import control, listeners, reports
from hpl_sandbox.auth import OAuthError
from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.errors import INTERNAL_ERROR, ApiError, bad_request
from hpl_sandbox.jobs import IdempotencyKey, body_digest
from hpl_sandbox.journal import MAX_RECORDED_BODY, JournalMiddleware
from hpl_sandbox.runtime import Sandbox
from hpl_sandbox.validation import Operation

log = logging.getLogger("hpl_sandbox")

TOKEN_PATH = "/api/ts/v1/oauth2/token"
LOGIN_PATH = "/api/m2m/v1/session/login"
REPORT_TAG = "Device Reports"
IDEMPOTENCY_KEY = "Idempotency-Key"
NOT_IN_BODY = frozenset({"X-Portal-Initiated", IDEMPOTENCY_KEY})
LAST_RESORT_BODY = {"errorCode": INTERNAL_ERROR, "errorMessage": "Internal error in the sandbox; see its log"}


def _reject_huge_headers(raw_headers: list[tuple[bytes, bytes]], limit: int) -> None:
    size = sum(len(name) + len(value) for name, value in raw_headers)
    if size > limit:
        raise bad_request(f"The request headers exceed {limit} bytes")


async def _read_limited(chunks: AsyncIterator[bytes], declared: str, limit: int) -> tuple[bytes, bool]:
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


async def _body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(raw: bytes) -> Any:
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


def _media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _json_body(headers: Mapping[str, str], raw: bytes, too_large: bool, limit: int) -> Any:
    if _media_type(headers) != "application/json":
        raise bad_request("Content-Type must be application/json")
    if too_large:
        raise bad_request(f"The request body exceeds {limit} bytes")
    if not raw.strip():
        raise bad_request("A JSON request body is required")
    return _parse_json(raw)


@dataclass(frozen=True)
class Incoming:
    """What an API call brought: headers by lower-case name (the first of repeated ones, as
    Starlette reads them), query parameters (the last of repeated ones, likewise) and the body."""

    raw_headers: list[tuple[bytes, bytes]]
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    too_large: bool


def _headers(raw_headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        headers.setdefault(raw_name.decode("latin-1").lower(), raw_value.decode("latin-1"))
    return headers


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


Handler = Callable[["Sandbox", "Call"], Awaitable[tuple[int, Any]]]


@dataclass(frozen=True)
class Call:
    """A call that passed auth, binding and schema validation."""

    operation: Operation
    account: str
    params: dict[str, Any]
    body: Any
    now_ms: int

    @property
    def report_headers(self) -> list[str]:
        """The headers that copy a body field (D2); the other two are not in the body."""
        return [p.name for p in self.operation.parameters if p.location == "header" and p.name not in NOT_IN_BODY]


async def _sessions(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    body = reports.normalized_body(call.body)
    report = reports.sessions_report(sandbox.store, call.account, call.params, body, call.report_headers, call.now_ms)
    return 200, report


async def _aggregate(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    limit = reports.SYNC_DEVICE_LIMIT
    body = reports.normalized_aggregate_body(call.body)
    query = reports.aggregate_query(call.account, call.params, body, call.report_headers, call.now_ms, limit)
    return 200, reports.aggregate_report(reports.run_aggregate(sandbox.store, query, limit))


async def _async_aggregate(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    limit = reports.ASYNC_DEVICE_LIMIT
    body = reports.normalized_aggregate_body(call.body)
    query = reports.aggregate_query(call.account, call.params, body, call.report_headers, call.now_ms, limit)
    if query.imeis is None:
        reports.run_aggregate(sandbox.store, query, limit)

    def require_listener() -> None:
        if not listeners.has_listener(sandbox.store, call.account):
            raise ApiError(409, "No callback listener registered")

    key = call.params.get(IDEMPOTENCY_KEY)
    # The body as sent decides "the same body" (D8), so a retry matches however it is spelled.
    idempotency = None if key is None else IdempotencyKey(key, body_digest(call.body))
    txid = sandbox.jobs.submit(
        reports.fresh_txid(),
        query,
        bool(call.params.get("X-Portal-Initiated", False)),
        call.now_ms,
        idempotency,
        require_listener,
    )
    return 200, {"txid": txid, "status": "QUEUED"}


async def _list_listeners(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    return 200, listeners.list_listeners(sandbox.store, call.account)


async def _register(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    return 200, listeners.register(sandbox.store, call.account, call.body["name"], call.body["url"])


async def _deregister(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    return 200, listeners.deregister(sandbox.store, call.account, call.params["service"])


HANDLERS: dict[str, Handler] = {
    "getSessionsReport": _sessions,
    "calculateAggregatedReportSynchronous": _aggregate,
    "calculateAggregatedReportAsynchronous": _async_aggregate,
    "listRegisteredCallbacks": _list_listeners,
    "registerCallback": _register,
    "deregisterCallback": _deregister,
}


async def _run_operation(sandbox: Sandbox, operation: Operation, incoming: Incoming) -> tuple[int, Any]:
    config = sandbox.config
    _reject_huge_headers(incoming.raw_headers, config.max_header_bytes)
    account = sandbox.auth.authenticate(incoming.headers)
    body: Any = None
    refusal: ApiError | None = None
    if operation.body_validator is not None:
        try:
            body = _json_body(incoming.headers, incoming.body, incoming.too_large, config.max_body_bytes)
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


def render_answer(body: Any) -> bytes:
    # The bytes JSONResponse renders (compact, UTF-8) for the JSON documents the sandbox answers,
    # without a Response object per call; orjson takes 0.6 µs where json.dumps took 6.5 µs of an
    # aggregate answer.
    return orjson.dumps(body)


async def _send_json(send: Send, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
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


class SandboxApp(Starlette):
    """Starlette for everything, except the spec's operations, which it answers directly."""

    sandbox: Sandbox
    api_paths: dict[str, ApiPath]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        self.sandbox.sync()
        api_path = self.api_paths.get(_route_path(scope))
        if api_path is None:
            await super().__call__(scope, receive, send)
            return
        status = 0
        body = b""

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            body = await self._answer(api_path, scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not status:
                await _send_json(tracking_send, 500, LAST_RESORT_BODY)
        finally:
            try:
                self.sandbox.journal.record(scope, body[:MAX_RECORDED_BODY], status)
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
            await _send_json(send, 405, ApiError(405, message).body(), {"Allow": api_path.allow})
            return b""
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        headers = _headers(raw_headers)
        raw, too_large = await _read_limited(
            _body_chunks(receive), headers.get("content-length", ""), sandbox.config.max_body_bytes
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
        await _send_json(send, status, body)
        return raw


def _oauth_error(error: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store"}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="hpl-sandbox"'
    return JSONResponse(
        {"error": error.error, "error_description": error.description}, status_code=error.status, headers=headers
    )


async def _read_request(request: Request, limit: int) -> tuple[bytes, bool]:
    return await _read_limited(request.stream(), request.headers.get("content-length", ""), limit)


def _token_endpoint(sandbox: Sandbox) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        raw, too_large = await _read_request(request, sandbox.config.max_body_bytes)
        if too_large:
            return _oauth_error(OAuthError(400, "invalid_request", "The request body is too large."))
        if _media_type(request.headers) != "application/x-www-form-urlencoded":
            return _oauth_error(
                OAuthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
            )
        form = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
        try:
            token = sandbox.auth.issue_access_token(request.headers.get("authorization"), form)
        except OAuthError as error:
            return _oauth_error(error)
        return JSONResponse(token, headers={"Cache-Control": "no-store"})

    return endpoint


def _login_endpoint(sandbox: Sandbox) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        raw, too_large = await _read_request(request, sandbox.config.max_body_bytes)
        try:
            _reject_huge_headers(request.scope["headers"], sandbox.config.max_header_bytes)
            authorization = request.headers.get("authorization")
            # As on the API: a missing or bad bearer is a 401 before anything is said about the body.
            sandbox.auth.require_bearer(authorization)
            body = _json_body(request.headers, raw, too_large, sandbox.config.max_body_bytes)
            if not isinstance(body, dict):
                raise bad_request("The body must be a JSON object with username and password")
            return JSONResponse(sandbox.auth.login(authorization, body.get("username"), body.get("password")))
        except ApiError as error:
            return error.response()

    return endpoint


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


class LastResort:
    """Turns an unexpected exception into 500 with the error body, logged, never a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await JSONResponse(LAST_RESORT_BODY, status_code=500)(scope, receive, send)


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    sandbox = Sandbox(config or SandboxConfig())
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in sandbox.operations.values():
        by_path.setdefault(sandbox.base_path + operation.path, {})[operation.method] = operation
    routes = [
        Route(TOKEN_PATH, _token_endpoint(sandbox), methods=["POST"]),
        Route(LOGIN_PATH, _login_endpoint(sandbox), methods=["POST"]),
        *control.routes,
    ]
    app = SandboxApp(
        routes=routes,
        lifespan=sandbox.lifespan,
        middleware=[Middleware(JournalMiddleware, journal=sandbox.journal), Middleware(LastResort)],
        exception_handlers={HTTPException: _http_error, ApiError: _api_error},
    )
    app.sandbox = sandbox
    app.api_paths = {path: ApiPath(path, ops) for path, ops in by_path.items()}
    # A trailing slash is another path, not a redirect: unknown paths answer 404 with the error body.
    app.router.redirect_slashes = False
    app.state.sandbox = sandbox
    return app
