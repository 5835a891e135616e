"""Merging the partial reports of a batched or windowed query into the one report a caller asked for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from hpl_client.models import (
    AggregateReportCallbackMessage,
    AggregateSessionReport,
    AggregateUsageError,
    AggregateUsageItem,
    DailyUsageItem,
    SessionReport,
)
from hpl_client.types import UNSET, Unset

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


def message_imeis(message: AggregateReportCallbackMessage) -> list[str]:
    """Every device a callback message carries, in order, each once."""
    found = [item.imei for item in items(message.usage)] + [item.imei for item in items(message.errors)]
    return list(dict.fromkeys(imei for imei in found if isinstance(imei, str) and imei))


def report_for_devices(txid: str, devices: Mapping[str, AggregateReportCallbackMessage]) -> AggregateSessionReport:
    """One aggregate report from the latest message of each device, each device's items once."""
    usage: list[AggregateUsageItem] = []
    errors: list[AggregateUsageError] = []
    for imei, message in devices.items():
        usage.extend(item for item in items(message.usage) if item.imei == imei)
        errors.extend(item for item in items(message.errors) if item.imei == imei)
    return AggregateSessionReport(txid=txid, usage=usage, errors=errors)


class NotAMessage(ValueError):
    """A callback body that is not an aggregate report callback message."""


M = TypeVar("M", AggregateUsageItem, AggregateUsageError)
# What a generated `from_dict` raises on a value it cannot type.
_PARSE_FAILURES = (ValueError, KeyError, TypeError, AttributeError, IndexError)


def _without_nulls(value: Any) -> Any:
    # D8, tolerant reader: `null` in an optional field means absent.
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _tolerant(model: type[M], data: object) -> M:
    """`model` from `data`, keeping raw in `additional_properties` each field it cannot type.

    The generated models raise on an enum value they do not know; a device's result must not
    be lost for that (D8), so such a field is set aside rather than the whole item refused.
    """
    if not isinstance(data, dict):
        raise NotAMessage(f"an item of usage or errors is not an object: {type(data).__name__}")
    clean = _without_nulls(data)
    try:
        return model.from_dict(clean)
    except _PARSE_FAILURES:
        pass
    kept: dict[str, Any] = {}
    odd: dict[str, Any] = {}
    for key, value in clean.items():
        try:
            model.from_dict({**kept, key: value})
        except _PARSE_FAILURES:
            odd[key] = value
        else:
            kept[key] = value
    try:
        parsed = model.from_dict(kept)
    except _PARSE_FAILURES as exc:
        raise NotAMessage(f"an item of usage or errors cannot be read ({type(exc).__name__})") from exc
    parsed.additional_properties.update(odd)
    return parsed


def parse_message(payload: object) -> AggregateReportCallbackMessage:
    """A callback message from its JSON, read without depending on the generated models' tolerance."""
    if not isinstance(payload, dict):
        raise NotAMessage("not a JSON object")
    txid = payload.get("txid")
    if not isinstance(txid, str) or not txid:
        raise NotAMessage("txid is missing or not a string")
    lists: dict[str, list[Any] | None] = {}
    for name in ("usage", "errors"):
        value = payload.get(name)
        if value is not None and not isinstance(value, list):
            raise NotAMessage(f"{name} is not a list")
        lists[name] = value
    usage, errors = lists["usage"], lists["errors"]
    message = AggregateReportCallbackMessage(
        txid=txid,
        usage=UNSET if usage is None else [_tolerant(AggregateUsageItem, item) for item in usage],
        errors=UNSET if errors is None else [_tolerant(AggregateUsageError, item) for item in errors],
    )
    message.additional_properties = {k: v for k, v in payload.items() if k not in ("txid", "usage", "errors")}
    return message


def report_from_messages(txid: str, messages: Iterable[AggregateReportCallbackMessage]) -> AggregateSessionReport:
    """The callback messages of one asynchronous report as one aggregate report."""
    usage: list[AggregateUsageItem] = []
    errors: list[AggregateUsageError] = []
    for message in messages:
        usage.extend(items(message.usage))
        errors.extend(items(message.errors))
    return AggregateSessionReport(txid=txid, usage=usage, errors=errors)
