"""The two token services in front of the API (D1): the OAuth2 client-credentials token and the
M2M session login, as Starlette routes. What they check and issue is auth.py's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hpl.paths import LOGIN_PATH, TOKEN_PATH
from hpl_sandbox.auth import OAuthError
from hpl_sandbox.errors import ApiError, bad_request
from hpl_sandbox.incoming import json_body, media_type, read_limited, reject_huge_headers
from hpl_sandbox.runtime import Sandbox


def _oauth_error(error: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store"}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="hpl-sandbox"'
    return JSONResponse(
        {"error": error.error, "error_description": error.description}, status_code=error.status, headers=headers
    )


async def _read_request(request: Request, limit: int) -> tuple[bytes, bool]:
    return await read_limited(request.stream(), request.headers.get("content-length", ""), limit)


def _token_endpoint(sandbox: Sandbox) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        raw, too_large = await _read_request(request, sandbox.config.max_body_bytes)
        if too_large:
            return _oauth_error(OAuthError(400, "invalid_request", "The request body is too large."))
        if media_type(request.headers) != "application/x-www-form-urlencoded":
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
            reject_huge_headers(request.scope["headers"], sandbox.config.max_header_bytes)
            authorization = request.headers.get("authorization")
            # As on the API: a missing or bad bearer is a 401 before anything is said about the body.
            sandbox.auth.require_bearer(authorization)
            body = json_body(request.headers, raw, too_large, sandbox.config.max_body_bytes)
            if not isinstance(body, dict):
                raise bad_request("The body must be a JSON object with username and password")
            return JSONResponse(sandbox.auth.login(authorization, body.get("username"), body.get("password")))
        except ApiError as error:
            return error.response()

    return endpoint


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    return [
        Route(TOKEN_PATH, _token_endpoint(sandbox), methods=["POST"]),
        Route(LOGIN_PATH, _login_endpoint(sandbox), methods=["POST"]),
    ]
