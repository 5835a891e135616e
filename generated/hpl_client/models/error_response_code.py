from enum import StrEnum

from ..types import UnknownEnumValue


class ErrorResponseCode(StrEnum):
    INTERNAL_ERROR = "INTERNAL_ERROR"
    INVALID_ACCESS = "INVALID_ACCESS"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    SUCCESS = "SUCCESS"
    UNAUTHORIZED = "UNAUTHORIZED"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def parse(cls, value: str) -> "ErrorResponseCode | UnknownEnumValue":
        """The member whose value is `value`; a value this client does not know (the API added it later)
        comes back as an `UnknownEnumValue` holding the raw string, rather than failing the whole answer."""
        member = _BY_VALUE.get(value)
        if member is not None:
            return member
        if isinstance(value, str):
            return UnknownEnumValue(value)
        raise TypeError(f"{value!r} is not a string, so it cannot be a {cls.__name__}")


_BY_VALUE: dict[str, ErrorResponseCode] = {member.value: member for member in ErrorResponseCode}
