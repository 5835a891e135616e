"""The exceptions of the client layer: one per documented status, under one common base.

Every way a response can fail to parse (an HTML page from a gateway, a body without `errorCode`,
an `errorCode` this client does not know) still ends in one of these classes, with the raw
response attached, so callers never see a `JSONDecodeError`, `KeyError` or `ValueError`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import httpx

from hpl_client.models.error_response_code import ErrorResponseCode

# Long enough to show what a gateway said, short enough to keep an exception message one line.
_RAW_TEXT_LIMIT = 200


class HplError(Exception):
    """The base of every exception this package raises on purpose."""


class ApiError(HplError):
    """The service answered with an error status.

    `error_code` is the raw `errorCode` text (also when this client does not know it), or the
    `responseCode` of the API gateway's envelope (decision D8), whose `fault.code` is `fault_code`;
    `error_code_enum` is the same value as an `ErrorResponseCode`, or None when it is unknown or
    absent. `response` is the raw `httpx.Response`, `text` its body. `retry_after` is the number
    of seconds a `Retry-After` header asked for (None without one); the message then says when
    to try again.
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
        fault_code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.error_code = error_code
        self.error_message = error_message
        self.response = response
        self.text = text
        self.fault_code = fault_code
        self.retry_after = retry_after
        code = f" {error_code}" if error_code else ""
        when = f"; the service asks to retry after {retry_after:g} s" if retry_after is not None else ""
        super().__init__(f"HTTP {status_code}{code}: {error_message}{when}")

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
    """A success status whose body does not match the spec.

    With `withhold_body` (answers of the token services, which carry secrets) neither the
    message nor `text` shows the body.
    """

    def __init__(self, message: str, *, response: httpx.Response, withhold_body: bool = False) -> None:
        self.response = response
        if withhold_body:
            self.text = ""
            super().__init__(f"{message} (body withheld: it may hold a credential)")
            return
        self.text = _body_text(response)
        super().__init__(f"{message}; body starts: {_snippet(self.text)!r}")


class NetworkError(HplError):
    """The request did not get an answer: connection refused, reset, timed out, or a body that
    could not be read (a false `Content-Encoding`, a connection closed mid-body)."""

    def __init__(self, message: str, *, cause: BaseException | None = None) -> None:
        self.cause = cause
        super().__init__(message)


class DeadlineExceededError(NetworkError):
    """The call did not finish within its deadline (`deadline=` of the client, `--deadline` of the CLI).

    The deadline bounds the whole call: every request and token fetch, every retry and its
    back-off, and the reading of every body however slowly it arrives.
    """


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
    except (httpx.ResponseNotRead, UnicodeDecodeError, LookupError):
        # LookupError: a charset Python does not know.
        try:
            return response.content.decode("utf-8", errors="replace")
        except httpx.ResponseNotRead:
            return ""


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret (of four characters or more) replaced by `***`."""
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, "***")
    return text


_RETRY_AFTER_DIGITS = re.compile(r"[0-9]{1,12}")


def retry_after_seconds(response: httpx.Response, *, now: Callable[[], float] = time.time) -> float | None:
    """The delay a `Retry-After` header asks for (seconds or an HTTP date), or None.

    Anything else (`soon`, `²`, a date Python cannot hold) counts as no header at all.
    """
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    # str.isdigit() is true for '²' and other digits float() refuses; only ASCII digits count.
    if _RETRY_AFTER_DIGITS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, when.timestamp() - now())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _text_field(body: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = body.get(name)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return str(value)
            except ValueError:  # an integer too long to print
                return None
    return None


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _RAW_TEXT_LIMIT else flat[:_RAW_TEXT_LIMIT] + "…"


def api_error_from_response(response: httpx.Response) -> ApiError:
    """The typed exception for an error response, whatever its body looks like.

    Both error envelopes of decision D8 give the same fields: `{errorCode, errorMessage}` and the
    API gateway's `{responseCode, message, fault: {code, message, description}}`; OAuth2's
    `{error, error_description}` too.
    """
    text = _body_text(response)
    error_code: str | None = None
    message: str | None = None
    fault_code: str | None = None
    try:
        # A byte order mark is not JSON, but some gateways put one before the body.
        body = json.loads(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        fault = body.get("fault")
        fault = fault if isinstance(fault, dict) else {}
        error_code = _text_field(body, "errorCode", "responseCode", "error")
        message = _text_field(body, "errorMessage", "message", "error_description") or _text_field(
            fault, "message", "description"
        )
        fault_code = _text_field(fault, "code")
        error_code = error_code or fault_code
    if message is None:
        reason = response.reason_phrase or "error"
        message = f"{reason} (not the API's error body: {_snippet(text)!r})" if text else reason
    return error_class_for(response.status_code)(
        status_code=response.status_code,
        error_code=error_code,
        error_message=message,
        response=response,
        text=text,
        fault_code=fault_code,
        retry_after=retry_after_seconds(response),
    )
