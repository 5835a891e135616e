"""The sandbox's clock: real time plus an offset that the control plane (and tests) can move."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime


class Clock:
    def __init__(self) -> None:
        self._offset_ms = 0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self._offset_ms

    @property
    def offset_seconds(self) -> float:
        return self._offset_ms / 1000

    def set_now(self, now_ms: int) -> None:
        self._offset_ms = now_ms - time.time_ns() // 1_000_000

    def reset(self) -> None:
        self._offset_ms = 0

    @property
    def offset_ms(self) -> int:
        return self._offset_ms

    def set_offset_ms(self, offset_ms: int) -> None:
        self._offset_ms = offset_ms


# Below 2**32 seconds (the year 2106) `ms / 1000` is within half a microsecond of the exact value,
# so `fromtimestamp` always lands on the second that integer division gives; there the time of day
# is computed from integers and only the date goes through strftime, once per day. A sessions
# report formats two dates per session, and strftime was most of its time.
_EXACT_LIMIT_MS = 2**32 * 1000
_DAY_MS = 86_400_000


def to_rfc3339(ms: int) -> str:
    """Epoch milliseconds as RFC 3339 in UTC with a `Z`, always with milliseconds."""
    if 0 <= ms < _EXACT_LIMIT_MS:
        day, rest = divmod(ms, _DAY_MS)
        seconds, milliseconds = divmod(rest, 1000)
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        return f"{_date_prefix(day)}{hours:02d}:{minutes:02d}:{seconds:02d}.{milliseconds:03d}Z"
    return _to_rfc3339_by_datetime(ms)


@functools.lru_cache(maxsize=4096)
def _date_prefix(day: int) -> str:
    return datetime.fromtimestamp(day * 86_400, tz=UTC).strftime("%Y-%m-%dT")


def _to_rfc3339_by_datetime(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


# A report call parses each of its dates up to three times (its header, the body field, the range);
# the function is pure, so repeated text is answered from memory.
@functools.lru_cache(maxsize=1024)
def parse_rfc3339_ms(text: str) -> int:
    """An RFC 3339 date-time as epoch milliseconds; digits past the millisecond are dropped.

    Raises ValueError on anything that is not RFC 3339.
    """
    normalized = text.strip()
    if len(normalized) < 20 or normalized[10] not in "Tt":
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    if normalized[-1] in "Zz":
        normalized = normalized[:-1] + "+00:00"
    head, sep, rest = normalized.partition(".")
    if sep:
        digits = ""
        for ch in rest:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            raise ValueError(f"not an RFC 3339 date-time: {text!r}")
        normalized = head + "." + digits[:6].ljust(6, "0") + rest[len(digits) :]
    moment = datetime.fromisoformat(normalized)
    if moment.tzinfo is None:
        raise ValueError(f"RFC 3339 needs a time zone: {text!r}")
    return _floor_ms(moment)


def _floor_ms(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
