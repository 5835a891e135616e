"""The API's limits, checked before a request is sent, and the batching that works around them.

The service refuses a range over 180 days, more than 10 devices on the synchronous aggregate and
more than 10,000 on the asynchronous one with a bare 400; checking here first lets the message
say what to do instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from hpl.errors import RequestLimitError

MAX_RANGE = dt.timedelta(days=180)
SYNC_MAX_DEVICES = 10
ASYNC_MAX_DEVICES = 10_000

_ACCOUNT = re.compile(r"[0-9]{10}-[0-9]{5}")
_IMEI = re.compile(r"[0-9]{15}")
_FILTER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}")

T = TypeVar("T")


def utc(value: dt.datetime) -> dt.datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def check_account(account_number: str) -> str:
    if not _ACCOUNT.fullmatch(account_number):
        raise RequestLimitError(
            f"account number {account_number!r} is not 10 digits, a dash and 5 digits (e.g. 0844021539-00001)"
        )
    return account_number


def check_imei(imei: str) -> str:
    if not _IMEI.fullmatch(imei):
        raise RequestLimitError(f"IMEI {imei!r} is not 15 digits")
    return imei


def check_imeis(imeis: Iterable[str]) -> list[str]:
    """Valid IMEIs in their first order, without repeats (the API wants a list of unique items)."""
    return list(dict.fromkeys(check_imei(imei) for imei in imeis))


def check_filter_name(what: str, value: str | None) -> str | None:
    if value is not None and not _FILTER_NAME.fullmatch(value):
        raise RequestLimitError(
            f"{what} {value!r} must be 1-100 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit"
        )
    return value


def check_durations(low: int | None, high: int | None) -> None:
    for name, value in (("duration low", low), ("duration high", high)):
        if value is not None and value < 0:
            raise RequestLimitError(f"{name} must be 0 seconds or more, not {value}")
    if low is not None and high is not None and low > high:
        raise RequestLimitError(f"duration low ({low} s) is above duration high ({high} s); swap them")


def check_range(start: dt.datetime | None, end: dt.datetime | None, *, now: dt.datetime) -> None:
    """Refuse an inverted range or one over 180 days, saying what to change.

    A missing end means now; a missing start means 180 days before the end, which is always
    within the limit.
    """
    if start is None:
        return
    start_utc, end_utc = utc(start), utc(end) if end is not None else utc(now)
    if start_utc > end_utc:
        raise RequestLimitError(
            f"start date {start_utc.isoformat()} is after end date {end_utc.isoformat()}; swap them"
        )
    if end_utc - start_utc > MAX_RANGE:
        days = (end_utc - start_utc) / dt.timedelta(days=1)
        raise RequestLimitError(
            f"the range is {days:.1f} days; the API allows at most 180. Shorten it, or for the "
            "sessions report pass split_range=True (CLI: --split) to query it in 180-day windows"
        )


def check_device_count(imeis: Sequence[str], *, limit: int, what: str, hint: str) -> None:
    if len(imeis) > limit:
        raise RequestLimitError(f"{what} takes at most {limit:,} devices, got {len(imeis):,}; {hint}")


def batches(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive slices of at most `size` items, in order."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for begin in range(0, len(items), size):
        yield list(items[begin : begin + size])


def split_range(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Consecutive windows of at most 180 days that cover [start, end] exactly.

    Neighbouring windows share their boundary instant, so a session starting exactly there is
    reported by both; the caller merges by session identity.
    """
    start_utc, end_utc = utc(start), utc(end)
    if start_utc > end_utc:
        raise RequestLimitError(
            f"start date {start_utc.isoformat()} is after end date {end_utc.isoformat()}; swap them"
        )
    windows: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = start_utc
    while True:
        window_end = min(cursor + MAX_RANGE, end_utc)
        windows.append((cursor, window_end))
        if window_end >= end_utc:
            return windows
        cursor = window_end
