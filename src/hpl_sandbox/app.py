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
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
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
from hpl_sandbox.journal import JournalMiddleware
from hpl_sandbox.runtime import Sandbox
from hpl_sandbox.validation import Operation

log = logging.getLogger("hpl_sandbox")

TOKEN_PATH = "/api/ts/v1/oauth2/token"
LOGIN_PATH = "/api/m2m/v1/session/login"
REPORT_TAG = "Device Reports"


def _reject_huge_headers(request: Request, limit: int) -> None:
    size = sum(len(name) + len(value) for name, value in request.scope["headers"])
    if size > limit:
        raise bad_request(f"The request headers exceed {limit} bytes")


async def _read_body(request: Request, limit: int) -> tuple[bytes, bool]:
    """The body, or (b"", True) as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
    return b"".join(chunks), False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise bad_request("The body is not UTF-8") from error
    except (ValueError, RecursionError) as error:
        raise bad_request(f"Malformed JSON: {error}") from error


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _json_body(request: Request, raw: bytes, too_large: bool, limit: int) -> Any:
    if _media_type(request) != "application/json":
        raise bad_request("Content-Type must be application/json")
    if too_large:
        raise bad_request(f"The request body exceeds {limit} bytes")
    if not raw.strip():
        raise bad_request("A JSON request body is required")
    return _parse_json(raw)


def _call_account(operation: Operation, request: Request, raw: bytes) -> str | None:
    """The account a call asks for: the body's `accountNumber` (the body is authoritative, D2),
    else the `accountNumber` header or query parameter. A header that disagrees with a readable
    body is therefore a 400 for disagreement, not a 403."""
    if operation.body_validator is not None and raw:
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        if isinstance(body, dict) and isinstance(body.get("accountNumber"), str):
            return str(body["accountNumber"])
    for parameter in operation.parameters:
        if parameter.name == "accountNumber":
            source = request.headers if parameter.location == "header" else request.query_params
            value = source.get("accountNumber")
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
        return [p.name for p in self.operation.parameters if p.location == "header" and p.name != "X-Portal-Initiated"]


async def _sessions(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    report = reports.sessions_report(
        sandbox.store, call.account, call.params, call.body, call.report_headers, call.now_ms
    )
    return 200, report


async def _aggregate(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    limit = reports.SYNC_DEVICE_LIMIT
    query = reports.aggregate_query(call.account, call.params, call.body, call.report_headers, call.now_ms, limit)
    return 200, reports.aggregate_report(reports.run_aggregate(sandbox.store, query, limit))


async def _async_aggregate(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    limit = reports.ASYNC_DEVICE_LIMIT
    query = reports.aggregate_query(call.account, call.params, call.body, call.report_headers, call.now_ms, limit)
    if query.imeis is None:
        reports.run_aggregate(sandbox.store, query, limit)
    if not listeners.has_listener(sandbox.store, call.account):
        raise ApiError(409, "No callback listener registered")
    txid = reports.fresh_txid()
    sandbox.jobs.submit(txid, query, bool(call.params.get("X-Portal-Initiated", False)), call.now_ms)
    return 200, {"txid": txid, "status": "QUEUED"}


async def _list_listeners(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    return 200, listeners.list_listeners(sandbox.store, call.account)


async def _register(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    return 200, listeners.register(sandbox.store, call.account, call.body["name"], call.body["url"])


async def _deregister(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    listeners.deregister(sandbox.store, call.account, call.params["service"])
    return 200, None


HANDLERS: dict[str, Handler] = {
    "getSessionsReport": _sessions,
    "calculateAggregatedReportSynchronous": _aggregate,
    "calculateAggregatedReportAsynchronous": _async_aggregate,
    "listRegisteredCallbacks": _list_listeners,
    "registerCallback": _register,
    "deregisterCallback": _deregister,
}


async def _run_operation(sandbox: Sandbox, operation: Operation, request: Request) -> tuple[int, Any]:
    config = sandbox.config
    _reject_huge_headers(request, config.max_header_bytes)
    raw, too_large = await _read_body(request, config.max_body_bytes)
    account = sandbox.auth.authenticate(request.headers)
    wanted = _call_account(operation, request, raw)
    if wanted is not None and wanted != account:
        raise ApiError(403, f"The credentials do not give access to account {wanted}")
    body = None
    if operation.body_validator is not None:
        body = _json_body(request, raw, too_large, config.max_body_bytes)
    relaxed: frozenset[str] = frozenset()
    if config.compat_mode and REPORT_TAG in operation.tags:
        relaxed = frozenset(p.name for p in operation.parameters if p.location == "header")
    params = operation.read_parameters(request.headers, request.query_params, relaxed)
    operation.check_body(body)
    if wanted is None:
        raise bad_request("accountNumber is required")
    call = Call(operation, account, params, body, sandbox.clock.now_ms())
    return await HANDLERS[operation.operation_id](sandbox, call)


def _api_endpoint(sandbox: Sandbox, by_method: dict[str, Operation]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        operation = by_method[method]
        forced = await control.apply_forced(sandbox, operation.operation_id)
        if forced is not None:
            return forced
        try:
            status, body = await _run_operation(sandbox, operation, request)
        except ApiError as error:
            status, body = error.status, error.body()
        if sandbox.config.validate_responses:
            operation.check_response(status, body)
        if body is None:
            return Response(status_code=status)
        return JSONResponse(body, status_code=status)

    return endpoint


def _oauth_error(error: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store"}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="hpl-sandbox"'
    return JSONResponse(
        {"error": error.error, "error_description": error.description}, status_code=error.status, headers=headers
    )


def _token_endpoint(sandbox: Sandbox) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        raw, too_large = await _read_body(request, sandbox.config.max_body_bytes)
        if too_large:
            return _oauth_error(OAuthError(400, "invalid_request", "The request body is too large."))
        if _media_type(request) != "application/x-www-form-urlencoded":
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
        raw, too_large = await _read_body(request, sandbox.config.max_body_bytes)
        try:
            _reject_huge_headers(request, sandbox.config.max_header_bytes)
            authorization = request.headers.get("authorization")
            # As on the API: a missing or bad bearer is a 401 before anything is said about the body.
            sandbox.auth.require_bearer(authorization)
            body = _json_body(request, raw, too_large, sandbox.config.max_body_bytes)
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
                body = {"errorCode": INTERNAL_ERROR, "errorMessage": "Internal error in the sandbox; see its log"}
                await JSONResponse(body, status_code=500)(scope, receive, send)


def create_app(config: SandboxConfig | None = None) -> Starlette:
    sandbox = Sandbox(config or SandboxConfig())
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in sandbox.operations.values():
        by_path.setdefault(operation.path, {})[operation.method] = operation
    routes = [
        Route(sandbox.base_path + path, _api_endpoint(sandbox, ops), methods=list(ops)) for path, ops in by_path.items()
    ]
    routes.append(Route(TOKEN_PATH, _token_endpoint(sandbox), methods=["POST"]))
    routes.append(Route(LOGIN_PATH, _login_endpoint(sandbox), methods=["POST"]))
    routes.extend(control.routes)
    app = Starlette(
        routes=routes,
        lifespan=sandbox.lifespan,
        middleware=[Middleware(JournalMiddleware, journal=sandbox.journal), Middleware(LastResort)],
        exception_handlers={HTTPException: _http_error, ApiError: _api_error},
    )
    # A trailing slash is another path, not a redirect: unknown paths answer 404 with the error body.
    app.router.redirect_slashes = False
    app.state.sandbox = sandbox
    return app
