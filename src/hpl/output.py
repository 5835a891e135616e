"""Rendering reports for the CLI: a table for people, CSV for spreadsheets, JSON in the API's own names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any, Protocol

from hpl.reports import items
from hpl_client.models import (
    AggregateSessionReport,
    CallbackCreated,
    CallbackRegistered,
    SessionReport,
)
from hpl_client.types import Unset

FORMATS = ("table", "json", "csv")


class _Model(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


Rows = tuple[list[str], list[list[str]]]


def _text(value: object) -> str:
    if isinstance(value, Unset) or value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def session_rows(report: SessionReport) -> Rows:
    return ["startTime", "endTime", "numBytes"], [
        [_text(item.start_time), _text(item.end_time), _text(item.num_bytes)] for item in items(report.sessions)
    ]


def aggregate_rows(report: AggregateSessionReport) -> Rows:
    rows = [
        [_text(item.imei), _text(item.number_of_sessions), _text(item.bytes_transferred), ""]
        for item in items(report.usage)
    ]
    for error in items(report.errors):
        status = "" if isinstance(error.error_response, Unset) else _text(error.error_response.http_status_code)
        message = _text(error.error_message)
        rows.append([_text(error.imei), "", "", f"{status}: {message}" if status else message])
    return ["imei", "numberOfSessions", "bytesTransferred", "error"], rows


def listener_rows(listeners: Sequence[CallbackCreated]) -> Rows:
    # D8: the account comes as `accountName` (current SDKs, the sandbox) or `aname` (doc pages).
    return ["accountName", "name", "url"], [
        [
            _text(item.aname if isinstance(item.account_name, Unset) else item.account_name),
            _text(item.name),
            _text(item.url),
        ]
        for item in listeners
    ]


def registered_rows(registered: CallbackRegistered) -> Rows:
    return ["accountName", "name"], [[_text(registered.account_name), _text(registered.name)]]


def to_json(value: _Model | Sequence[_Model]) -> str:
    """The API's own JSON for a model or a list of models."""
    if isinstance(value, Sequence):
        data: Any = [item.to_dict() for item in value]
    else:
        data = value.to_dict()
    return json.dumps(data, indent=2, ensure_ascii=False)


def to_csv(rows: Rows) -> str:
    header, body = rows
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return buffer.getvalue().rstrip("\n")


def to_table(rows: Rows) -> str:
    header, body = rows
    widths = [max(len(cell) for cell in column) for column in zip(header, *body, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render(fmt: str, value: _Model | Sequence[_Model], rows: Rows) -> str:
    if fmt == "json":
        return to_json(value)
    if fmt == "csv":
        return to_csv(rows)
    return to_table(rows)
