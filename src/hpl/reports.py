"""Merging the partial reports of a batched or windowed query into the one report a caller asked for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from hpl_client.models import (
    AggregateReportCallbackMessage,
    AggregateSessionReport,
    AggregateUsageError,
    AggregateUsageItem,
    DailyUsageItem,
    SessionReport,
)
from hpl_client.types import Unset

T = TypeVar("T")


def items(value: list[T] | Unset) -> list[T]:
    """A list field of a generated model, with an absent list read as empty."""
    return [] if isinstance(value, Unset) else list(value)


def merge_aggregates(reports: Sequence[AggregateSessionReport]) -> AggregateSessionReport:
    """One report holding every batch's usage and errors, in batch order.

    A single batch keeps its `txid`; several batches have no single one, so the merged
    report's `txid` is null, as the spec allows where the service has none to give.
    """
    usage: list[AggregateUsageItem] = []
    errors: list[AggregateUsageError] = []
    for report in reports:
        usage.extend(items(report.usage))
        errors.extend(items(report.errors))
    txid = reports[0].txid if len(reports) == 1 else None
    return AggregateSessionReport(txid=txid, usage=usage, errors=errors)


def _session_key(item: DailyUsageItem) -> tuple[str, str, int | None]:
    start = "" if isinstance(item.start_time, Unset) else item.start_time.isoformat()
    end = "" if isinstance(item.end_time, Unset) else item.end_time.isoformat()
    return start, end, None if isinstance(item.num_bytes, Unset) else item.num_bytes


def merge_sessions(reports: Sequence[SessionReport]) -> SessionReport:
    """The sessions of consecutive windows as one report, each session once.

    Windows share their boundary instant, so a session starting exactly there comes twice;
    it is kept once. The merged report carries the first window's `txid`.
    """
    seen: set[tuple[str, str, int | None]] = set()
    sessions: list[DailyUsageItem] = []
    for report in reports:
        for item in items(report.sessions):
            key = _session_key(item)
            if key not in seen:
                seen.add(key)
                sessions.append(item)
    first = reports[0]
    return SessionReport(id=first.id, txid=first.txid, sessions=sessions)


def message_imei(message: AggregateReportCallbackMessage) -> str | None:
    """The one device a callback message is about."""
    for usage in items(message.usage):
        if not isinstance(usage.imei, Unset):
            return usage.imei
    for error in items(message.errors):
        if not isinstance(error.imei, Unset):
            return error.imei
    return None


def report_from_messages(txid: str, messages: Iterable[AggregateReportCallbackMessage]) -> AggregateSessionReport:
    """The callback messages of one asynchronous report as one aggregate report."""
    usage: list[AggregateUsageItem] = []
    errors: list[AggregateUsageError] = []
    for message in messages:
        usage.extend(items(message.usage))
        errors.extend(items(message.errors))
    return AggregateSessionReport(txid=txid, usage=usage, errors=errors)
