"""The one error shape of the API, `{"errorCode", "errorMessage"}`, and the exception that carries it."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

INVALID_ACCESS = "INVALID_ACCESS"
INVALID_PARAMETER = "INVALID_PARAMETER"
INTERNAL_ERROR = "INTERNAL_ERROR"

# The `httpStatusCode` enum values of the spec for the statuses the sandbox produces.
HTTP_STATUS_TEXT = {
    200: "200 OK",
    400: "400 BAD_REQUEST",
    401: "401 UNAUTHORIZED",
    403: "403 FORBIDDEN",
    404: "404 NOT_FOUND",
    405: "405 METHOD_NOT_ALLOWED",
    409: "409 CONFLICT",
    500: "500 INTERNAL_SERVER_ERROR",
}


def default_code(status: int) -> str:
    if status == 401:
        return INVALID_ACCESS
    if status >= 500:
        return INTERNAL_ERROR
    return INVALID_PARAMETER


class ApiError(Exception):
    """A refusal with a documented status; becomes the spec's error body."""

    def __init__(
        self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or default_code(status)
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"errorCode": self.code, "errorMessage": self.message}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)
