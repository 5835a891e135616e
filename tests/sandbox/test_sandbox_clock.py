"""RFC 3339 formatting: the integer fast path writes exactly what formatting through datetime did."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from hpl_sandbox.clock import parse_rfc3339_ms, to_rfc3339

LIMIT_MS = 2**32 * 1000


def through_datetime(ms: int) -> str:
    """The formatting as first written, for comparison."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@given(st.integers(min_value=-(10**13), max_value=253_402_300_799_999))
@example(0)
@example(999)
@example(1000)
@example(86_399_999)
@example(86_400_000)
@example(951_782_399_999)  # 2000-02-28T23:59:59.999Z, before a leap day
@example(LIMIT_MS - 1)
@example(LIMIT_MS)
@example(-1)
def test_formatting_is_what_datetime_gives(ms: int) -> None:
    assert to_rfc3339(ms) == through_datetime(ms)


@given(st.integers(min_value=0, max_value=LIMIT_MS // 1000 - 1), st.sampled_from([0, 1, 499, 500, 501, 998, 999]))
def test_every_millisecond_of_every_second_up_to_the_fast_limit(second: int, milli: int) -> None:
    ms = second * 1000 + milli
    assert to_rfc3339(ms) == through_datetime(ms)
    assert parse_rfc3339_ms(to_rfc3339(ms)) == ms
