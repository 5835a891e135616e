"""Hypothesis strategies for semantically valid requests against a target's own data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from hpl_contract.hooks import format_date


def profile() -> settings:
    """The hypothesis settings the root conftest loaded (ci, dev or nightly)."""
    loaded = settings.default
    assert loaded is not None
    return loaded


MAX_RANGE_DAYS = 180
# Ranges end a few minutes in the past, so that "now" moving during a run changes nothing.
SAFETY = timedelta(minutes=5)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def unknown_imeis(owned: tuple[str, ...] | list[str]) -> st.SearchStrategy[str]:
    """IMEIs the account does not own (15 digits, none of its devices)."""
    return st.from_regex(r"\A[0-9]{15}\Z").filter(lambda imei: imei not in owned)


def other_accounts(own: str) -> st.SearchStrategy[str]:
    return st.from_regex(r"\A[0-9]{10}-[0-9]{5}\Z").filter(lambda account: account != own)


@st.composite
def date_ranges(draw: st.DrawFn, max_days: int = MAX_RANGE_DAYS) -> tuple[datetime, datetime]:
    """A forward range of at most `max_days`, ending inside the seeded data window (the last 180 days)."""
    end = now() - SAFETY - timedelta(minutes=draw(st.integers(0, (MAX_RANGE_DAYS - 1) * 24 * 60)))
    span = timedelta(minutes=draw(st.integers(0, max_days * 24 * 60)))
    return end - span, end


@st.composite
def optional_dates(draw: st.DrawFn) -> dict[str, str]:
    """Both dates, one, or none (the server's defaults then apply)."""
    start, end = draw(date_ranges())
    which = draw(st.sampled_from(["both", "both", "start", "end", "none"]))
    fields: dict[str, str] = {}
    if which in ("both", "start"):
        fields["startDate"] = format_date(start if which == "both" else max(start, now() - timedelta(days=179)))
    if which in ("both", "end"):
        fields["endDate"] = format_date(end)
    return fields


@st.composite
def duration_filters(draw: st.DrawFn) -> dict[str, int]:
    bounds = sorted(draw(st.lists(st.integers(0, 6 * 3600), min_size=2, max_size=2)))
    which = draw(st.sampled_from(["both", "low", "high", "none"]))
    fields: dict[str, int] = {}
    if which in ("both", "low"):
        fields["durationLow"] = bounds[0]
    if which in ("both", "high"):
        fields["durationHigh"] = bounds[1]
    return fields


@st.composite
def session_requests(draw: st.DrawFn, account: str, imeis: tuple[str, ...]) -> dict[str, Any]:
    """A valid sessions-report body for one of the account's devices."""
    body: dict[str, Any] = {"accountNumber": account, "imei": draw(st.sampled_from(imeis))}
    body.update(draw(optional_dates()))
    body.update(draw(duration_filters()))
    return body


@st.composite
def aggregate_requests(
    draw: st.DrawFn, account: str, imeis: tuple[str, ...], max_devices: int = 10, min_devices: int = 1
) -> dict[str, Any]:
    """A valid aggregate body naming between `min_devices` and `max_devices` of the account's devices."""
    devices = draw(
        st.lists(st.sampled_from(imeis), min_size=min_devices, max_size=min(max_devices, len(imeis)), unique=True)
    )
    body: dict[str, Any] = {"accountNumber": account, "imei": devices}
    body.update(draw(optional_dates()))
    return body
