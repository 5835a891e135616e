from enum import StrEnum


class ErrorResponseCode(StrEnum):
    INTERNAL_ERROR = "INTERNAL_ERROR"
    INVALID_ACCESS = "INVALID_ACCESS"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    SUCCESS = "SUCCESS"
    UNAUTHORIZED = "UNAUTHORIZED"

    def __str__(self) -> str:
        return str(self.value)
