"""Contains some shared types for properties"""

from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, BinaryIO, Generic, Literal, TypeVar

from attrs import define


class Unset:
    def __bool__(self) -> Literal[False]:
        return False


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


class UnknownEnumValue(str):
    """A value of a string enum that this client does not know: the raw string the API sent.

    APIs add enum values without notice (decision D8, "tolerant reader"). Rather than failing the whole
    answer, a model keeps such a value as this `str` subclass, so it compares equal to the raw string,
    `to_dict()` writes it back unchanged, and its type says that it is not one of the enum's members:
    a field typed `SomeEnum | UnknownEnumValue` narrows with `isinstance`.
    """

    __slots__ = ()

    @property
    def value(self) -> str:
        """The raw string, as `.value` of a known member gives its string."""
        return str(self)

    def __repr__(self) -> str:
        return f"UnknownEnumValue({str.__repr__(self)})"


class UnknownIntEnumValue(int):
    """A value of an integer enum that this client does not know: the raw integer the API sent.

    The integer counterpart of `UnknownEnumValue`.
    """

    __slots__ = ()

    @property
    def value(self) -> int:
        """The raw integer, as `.value` of a known member gives its integer."""
        return int(self)

    def __repr__(self) -> str:
        return f"UnknownIntEnumValue({int.__repr__(self)})"


_HTTP_STATUSES: dict[int, HTTPStatus] = {status.value: status for status in HTTPStatus}


def http_status(code: int) -> HTTPStatus | int:
    """`code` as an `HTTPStatus` member when the standard library knows it, else the plain integer
    (a gateway's 499 or 520), so that no status an API can answer fails a call."""
    return _HTTP_STATUSES.get(code, code)


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an endpoint: its status, headers and raw body, and the body parsed into its model.

    `status_code` is an `HTTPStatus` member, or a plain `int` for a status outside `HTTPStatus`.
    `parsed` is None when the status is not documented for the operation, when the documented
    response has no body, or when the body is not the documented model (an HTML page, an empty or
    truncated body, another JSON document); `content` always holds the raw bytes.
    """

    status_code: HTTPStatus | int
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


__all__ = [
    "UNSET",
    "File",
    "FileTypes",
    "RequestFiles",
    "Response",
    "UnknownEnumValue",
    "UnknownIntEnumValue",
    "Unset",
    "http_status",
]
