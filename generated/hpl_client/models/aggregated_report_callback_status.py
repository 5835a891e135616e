from enum import StrEnum


class AggregatedReportCallbackStatus(StrEnum):
    COMPLETED = "COMPLETED"
    QUEUED = "QUEUED"

    def __str__(self) -> str:
        return str(self.value)
