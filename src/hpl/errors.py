"""The exceptions of the client layer: one per documented status, under one common base.

Every way a response can fail to parse (an HTML page from a gateway, a body without `errorCode`,
an `errorCode` this client does not know) still ends in one of these classes, with the raw
response attached, so callers never see a `JSONDecodeError`, `KeyError` or `ValueError`.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx

from hpl_client.models.error_response_code import ErrorResponseCode

# Long enough to show what a gateway said, short enough to keep an exception message one line.
_RAW_TEXT_LIMIT = 200


class HplError(Exception):
    """The base of every exception this package raises on purpose."""


class ApiError(HplError):
    """The service answered with an error status.

    `error_code` is the raw `errorCode` text (also when this client does not know it);
    `error_code_enum` is the same value as an `ErrorResponseCode`, or None when it is unknown or
    absent. `response` is the raw `httpx.Response`, `text` its body.
    """

    status: ClassVar[int | None] = None

    def __init__(
        self,
        *,
        status_code: int,
        error_code: str | None,
        error_message: str,
        response: httpx.Response | None = None,
        text: str = "",
    ) -> None:
        self.status_code = status_code
        self.error_code = error_code
        self.error_message = error_message
        self.response = response
        self.text = text
        code = f" {error_code}" if error_code else ""
        super().__init__(f"HTTP {status_code}{code}: {error_message}")

    @property
    def error_code_enum(self) -> ErrorResponseCode | None:
        if self.error_code is None:
            return None
        try:
            return ErrorResponseCode(self.error_code)
        except ValueError:
            return None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, error_code={self.error_code!r}, "
            f"error_message={self.error_message!r})"
        )


class BadRequestError(ApiError):
    """400: a parameter is missing, malformed or breaks a rule (dates, device count, ownership)."""

    status = 400


class AuthenticationError(ApiError):
    """401: a credential is missing, wrong or expired (also raised when a token request fails)."""

    status = 401


class PermissionDeniedError(ApiError):
    """403: the credentials do not own the account, or the device is not certified."""

    status = 403


class NotFoundError(ApiError):
    """404: the device is inactive, or the listener to remove is not registered."""

    status = 404


class ConflictError(ApiError):
    """409: HPL is not purchased for the device, or no callback listener is registered."""

    status = 409


class InternalServerError(ApiError):
    """500: the device is active in several accounts, or the service failed."""

    status = 500


class UnexpectedStatusError(ApiError):
    """A status the spec does not document (429, 502, 503, 418, ...)."""


class InvalidResponseError(HplError):
    """A success status whose body does not match the spec."""

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        self.response = response
        self.text = _body_text(response)
        super().__init__(f"{message}; body starts: {_snippet(self.text)!r}")


class NetworkError(HplError):
    """The request did not get an answer: connection refused, reset, or timed out."""

    def __init__(self, message: str, *, cause: Exception | None = None) -> None:
        self.cause = cause
        super().__init__(message)


class RequestLimitError(HplError, ValueError):
    """The request breaks a limit of the API; checked before anything is sent."""


class CallbackTimeoutError(HplError):
    """Waiting for the callback messages of an asynchronous report ran out of time.

    `result` holds what arrived before the deadline.
    """

    def __init__(self, message: str, *, result: Any) -> None:
        self.result = result
        super().__init__(message)


_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        InternalServerError,
    )
    if cls.status is not None
}


def error_class_for(status_code: int) -> type[ApiError]:
    return _BY_STATUS.get(status_code, UnexpectedStatusError)


def _body_text(response: httpx.Response) -> str:
    try:
        return response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return response.content.decode("utf-8", errors="replace")


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _RAW_TEXT_LIMIT else flat[:_RAW_TEXT_LIMIT] + "…"


def api_error_from_response(response: httpx.Response) -> ApiError:
    """The typed exception for an error response, whatever its body looks like."""
    text = _body_text(response)
    error_code: str | None = None
    message: str | None = None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        raw_code = body.get("errorCode", body.get("error"))
        error_code = raw_code if isinstance(raw_code, str) else None
        raw_message = body.get("errorMessage", body.get("error_description"))
        message = raw_message if isinstance(raw_message, str) else None
    if message is None:
        reason = response.reason_phrase or "error"
        message = f"{reason} (not the API's error body: {_snippet(text)!r})" if text else reason
    return error_class_for(response.status_code)(
        status_code=response.status_code,
        error_code=error_code,
        error_message=message,
        response=response,
        text=text,
    )
