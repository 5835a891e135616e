"""Issue item 4: seeded data in SQLite, and reports computed by indexed SQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpl_sandbox.config import ACCOUNT_1
from hpl_sandbox.schema import SCHEMA_VERSION
from hpl_sandbox.store import (
    AGGREGATE_ACCOUNT,
    AGGREGATE_REQUESTED,
    BUILD_SESSION_TOTALS,
    SEED_SESSIONS,
    Store,
)

NOW_MS = 1_790_000_000_000
DAY_MS = 86_400_000


def plan(store: Store, sql: str, params: dict[str, object] | tuple[object, ...]) -> str:
    return " | ".join(str(row[-1]) for row in store.query(f"EXPLAIN QUERY PLAN {sql}", params))


def test_the_sessions_report_reads_the_device_index() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS, 20, 30, 1)
    sql = "SELECT start_ms FROM sessions WHERE imei = ? AND start_ms BETWEEN ? AND ?"
    assert "USING COVERING INDEX sessions_by_device" in plan(store, sql, ("709312034493372", 0, NOW_MS))


def test_the_aggregate_joins_sessions_through_the_device_index() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS, 20, 30, 1)
    sql = (
        "SELECT r.value, COUNT(s.imei) FROM json_each(?) r"
        " LEFT JOIN sessions s ON s.imei = r.value AND s.start_ms BETWEEN ? AND ? GROUP BY r.value"
    )
    assert "sessions_by_device" in plan(store, sql, ('["709312034493372"]', 0, NOW_MS))


def test_sessions_fall_on_the_seeded_days_before_today() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS, 20, 30, 1)
    first, last = store.query("SELECT MIN(start_ms), MAX(start_ms) FROM sessions")[0]
    today = NOW_MS // 86_400_000 * 86_400_000
    assert today - 30 * 86_400_000 <= first
    assert last < today


def test_every_session_ends_after_it_starts_and_moves_bytes() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS, 20, 30, 1)
    assert store.query("SELECT COUNT(*) FROM sessions WHERE end_ms <= start_ms OR num_bytes < 0") == [(0,)]


def test_a_file_database_keeps_its_data_across_connections(tmp_path: Path) -> None:
    path = str(tmp_path / "kept.db")
    first = Store(path)
    count = first.seed(NOW_MS, 20, 10, 1)
    first.close()
    again = Store(path)
    assert again.has_devices()
    assert again.query("SELECT COUNT(*) FROM sessions") == [(count,)]


@pytest.mark.slow
def test_seeding_scales_to_ten_thousand_devices_over_180_days(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "big.db"))
    sessions = store.seed(NOW_MS, 10_000, 180, 42)
    assert len(store.devices(ACCOUNT_1)) == 10_000
    assert sessions > 10_000 * 180 // 4
    imeis = [str(709312035000000 + i) for i in range(10)]
    rows = store.aggregate(ACCOUNT_1, imeis, NOW_MS - 180 * 86_400_000, NOW_MS, None, None)
    assert [r.imei for r in rows] == imeis
    # Every fifth generated device (index 2, 7, ...) is seeded without sessions, for noSessionFlag.
    assert [r.sessions > 0 for r in rows] == [i % 5 != 2 for i in range(10)]


def test_the_aggregate_seeks_each_bound_in_the_prefix_sums_without_reading_sessions_or_grouping() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS, 20, 30, 1)
    params: dict[str, object] = {
        "imeis": '["709312034493372"]',
        "account": ACCOUNT_1,
        "grp": None,
        "plan": None,
        "start": 0,
        "end": NOW_MS,
    }
    for sql, devices in ((AGGREGATE_REQUESTED, "SCAN req VIRTUAL TABLE"), (AGGREGATE_ACCOUNT, "SEARCH d USING INDEX")):
        steps = [str(row[-1]) for row in store.query(f"EXPLAIN QUERY PLAN {sql}", params)]
        assert steps[0].startswith(devices)
        # Per bound: one seek for the last session at or before it, one key lookup for its sums.
        assert steps.count("SEARCH t USING PRIMARY KEY (imei=? AND start_ms<?)") == 2
        assert "SEARCH hi USING PRIMARY KEY (imei=? AND start_ms=? AND cum_n=?) LEFT-JOIN" in steps
        assert "SEARCH lo USING PRIMARY KEY (imei=? AND start_ms=? AND cum_n=?) LEFT-JOIN" in steps
        assert not [step for step in steps[1:] if "SCAN" in step or "GROUP BY" in step or "sessions" in step]


# The aggregate as first written: every session joined and grouped. The faster statements must
# answer exactly what it answers.
JOINED_AGGREGATE = """
    WITH req AS (SELECT value AS imei, key AS ord FROM json_each(:imeis))
    SELECT req.imei, d.account, d.state, d.device_group, d.data_plan,
           COUNT(s.imei), COALESCE(SUM(s.num_bytes), 0)
    FROM req
    LEFT JOIN devices d ON d.imei = req.imei
    LEFT JOIN sessions s ON s.imei = req.imei AND s.start_ms BETWEEN :start AND :end
    GROUP BY req.ord, req.imei
    ORDER BY req.ord
"""


def joined(store: Store, imeis: list[str], start: int, end: int) -> list[tuple[object, ...]]:
    return store.query(JOINED_AGGREGATE, {"imeis": json.dumps(imeis), "start": start, "end": end})


def aggregated(store: Store, imeis: list[str] | None, start: int, end: int) -> list[tuple[object, ...]]:
    return [tuple(vars(row).values()) for row in store.aggregate(ACCOUNT_1, imeis, start, end, None, None)]


def ranges_around(store: Store) -> list[tuple[int, int]]:
    """Whole, partial, empty and reversed ranges, some starting or ending exactly on a session."""
    starts = [start for (start,) in store.query("SELECT start_ms FROM sessions ORDER BY imei, start_ms LIMIT 5")]
    ranges = [(0, NOW_MS), (NOW_MS - 5 * DAY_MS, NOW_MS - 2 * DAY_MS), (NOW_MS, NOW_MS - 9 * DAY_MS), (NOW_MS, NOW_MS)]
    ranges += [(starts[1], starts[3]), (starts[3], starts[1]), (starts[2], starts[2]), (starts[2] + 1, starts[2] - 1)]
    return ranges


# A bound is either a whole day before NOW_MS, or one of the sessions' start times (of the
# picked devices when there are some) moved by -1, 0 or 1 ms: start and end are drawn apart, so
# about half the ranges are reversed, and ranges start and end exactly on sessions, ties included.
BOUNDS = st.one_of(
    st.tuples(st.just("day"), st.integers(0, 40), st.just(0)),
    st.tuples(st.just("session"), st.integers(0, 10_000), st.integers(-1, 1)),
)


def bound(drawn: tuple[str, int, int], starts: list[int]) -> int:
    kind, index, shift = drawn
    return NOW_MS - index * DAY_MS if kind == "day" else starts[index % len(starts)] + shift


@given(
    picks=st.lists(st.integers(0, 40), max_size=12),
    start_bound=BOUNDS,
    end_bound=BOUNDS,
    group=st.sampled_from([None, "fleet-north", "fleet-south", "nowhere"]),
    data_plan=st.sampled_from([None, "hpl-basic", "hpl-pro"]),
)
@settings(max_examples=120, deadline=None)
def test_the_aggregate_answers_what_joining_every_session_answers(
    picks: list[int],
    start_bound: tuple[str, int, int],
    end_bound: tuple[str, int, int],
    group: str | None,
    data_plan: str | None,
) -> None:
    store = _shared_store()
    known = [device["imei"] for device in store.devices()]
    imeis = [known[pick] if pick < len(known) else f"70931203{pick:07d}" for pick in picks]
    starts = [start for (start,) in store.query(_STARTS, {"imeis": json.dumps(imeis)})] or [
        start for (start,) in store.query("SELECT start_ms FROM sessions ORDER BY start_ms")
    ]
    start, end = bound(start_bound, starts), bound(end_bound, starts)
    expected = joined(store, imeis, start, end)
    got = store.aggregate(ACCOUNT_1, imeis, start, end, group, data_plan)
    assert [tuple(vars(row).values()) for row in got] == expected
    owned = store.query(
        "SELECT imei FROM devices WHERE account = :account AND (:grp IS NULL OR device_group = :grp)"
        " AND (:plan IS NULL OR data_plan = :plan) ORDER BY imei",
        {"account": ACCOUNT_1, "grp": group, "plan": data_plan},
    )
    everything = joined(store, [imei for (imei,) in owned], start, end)
    assert [tuple(vars(row).values()) for row in store.aggregate(ACCOUNT_1, None, start, end, group, data_plan)] == (
        everything
    )


_STARTS = "SELECT start_ms FROM sessions WHERE imei IN (SELECT value FROM json_each(:imeis)) ORDER BY imei, start_ms"

_STORES: list[Store] = []


def _shared_store() -> Store:
    """A seeded store whose devices also have sessions sharing a start time: seeding gives each
    device at most one session a day, so the ties (one with other times and bytes, one an exact
    copy) are added here and the prefix sums rebuilt over them."""
    if not _STORES:
        store = Store(":memory:")
        store.seed(NOW_MS, 30, 40, 3)
        with store.transaction() as db:
            db.execute(
                "INSERT INTO sessions SELECT imei, start_ms, end_ms + 5, num_bytes + 7 FROM sessions"
                " WHERE start_ms % 3 = 0"
            )
            db.execute("INSERT INTO sessions SELECT * FROM sessions WHERE start_ms % 5 = 0")
            db.execute("DELETE FROM session_totals")
            db.execute(BUILD_SESSION_TOTALS)
        assert store.query("SELECT COUNT(*) FROM (SELECT 1 FROM sessions GROUP BY imei, start_ms HAVING COUNT(*) > 2)")[
            0
        ][0]
        _STORES.append(store)
    return _STORES[0]


def test_a_file_written_before_the_prefix_sums_existed_answers_the_same_after_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    first = Store(path)
    first.seed(NOW_MS, 20, 30, 1)
    imeis = [device["imei"] for device in first.devices()] + ["709312039999999"]
    expected = [joined(first, imeis, start, end) for start, end in ranges_around(first)]
    first.execute("DROP TABLE session_totals")
    first.execute("PRAGMA user_version = 0")
    first.close()
    again = Store(path)
    assert again.query("PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert [aggregated(again, imeis, start, end) for start, end in ranges_around(again)] == expected


def test_a_file_reseeded_by_a_version_without_prefix_sums_is_rebuilt_on_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "reseeded.db")
    first = Store(path)
    first.seed(NOW_MS, 20, 30, 1)
    assert first.query("PRAGMA user_version") == [(SCHEMA_VERSION,)]
    # What seeding did before: sessions replaced, here a day later, and session_totals untouched.
    first.execute("DELETE FROM sessions")
    first.execute(SEED_SESSIONS, {"days": 30, "seed": 1, "first_day_ms": (NOW_MS // DAY_MS - 29) * DAY_MS})
    first.close()
    again = Store(path)
    imeis = [device["imei"] for device in again.devices()]
    for start, end in ranges_around(again):
        assert aggregated(again, imeis, start, end) == joined(again, imeis, start, end)


def test_reseeding_rebuilds_the_prefix_sums_from_the_new_sessions() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS, 30, 40, 3)
    store.wipe()
    assert store.query("SELECT COUNT(*) FROM session_totals") == [(0,)]
    store.seed(NOW_MS, 20, 30, 1)
    store.seed(NOW_MS + 3 * DAY_MS, 25, 12, 7)
    assert store.query("SELECT COUNT(*) FROM session_totals") == store.query("SELECT COUNT(*) FROM sessions")
    imeis = [device["imei"] for device in store.devices()]
    for start, end in ranges_around(store):
        assert aggregated(store, imeis, start, end) == joined(store, imeis, start, end)
        owned = [device["imei"] for device in store.devices(ACCOUNT_1)]
        assert aggregated(store, None, start, end) == joined(store, owned, start, end)
