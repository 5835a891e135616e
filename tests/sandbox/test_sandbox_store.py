"""Issue item 4: seeded data in SQLite, and reports computed by indexed SQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpl_sandbox.config import ACCOUNT_1
from hpl_sandbox.store import AGGREGATE_ACCOUNT, AGGREGATE_REQUESTED, Store

NOW_MS = 1_790_000_000_000


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


def test_the_aggregate_counts_each_device_over_the_covering_index_without_sorting_sessions() -> None:
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
    for sql in (AGGREGATE_REQUESTED, AGGREGATE_ACCOUNT):
        explained = plan(store, sql, params)
        assert "SEARCH s USING COVERING INDEX sessions_by_device (imei=? AND start_ms>? AND start_ms<?)" in explained
        assert "GROUP BY" not in explained


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


@given(
    picks=st.lists(st.integers(0, 40), max_size=12),
    start_day=st.integers(0, 40),
    days=st.integers(0, 40),
    group=st.sampled_from([None, "fleet-north", "fleet-south", "nowhere"]),
    data_plan=st.sampled_from([None, "hpl-basic", "hpl-pro"]),
)
@settings(max_examples=60, deadline=None)
def test_the_aggregate_answers_what_joining_every_session_answers(
    picks: list[int], start_day: int, days: int, group: str | None, data_plan: str | None
) -> None:
    store = _shared_store()
    known = [device["imei"] for device in store.devices()]
    imeis = [known[pick] if pick < len(known) else f"70931203{pick:07d}" for pick in picks]
    start = NOW_MS - start_day * 86_400_000
    end = start + days * 86_400_000
    expected = store.query(JOINED_AGGREGATE, {"imeis": json.dumps(imeis), "start": start, "end": end})
    got = store.aggregate(ACCOUNT_1, imeis, start, end, group, data_plan)
    assert [tuple(vars(row).values()) for row in got] == expected
    owned = store.query(
        "SELECT imei FROM devices WHERE account = :account AND (:grp IS NULL OR device_group = :grp)"
        " AND (:plan IS NULL OR data_plan = :plan) ORDER BY imei",
        {"account": ACCOUNT_1, "grp": group, "plan": data_plan},
    )
    everything = store.query(
        JOINED_AGGREGATE, {"imeis": json.dumps([imei for (imei,) in owned]), "start": start, "end": end}
    )
    assert [tuple(vars(row).values()) for row in store.aggregate(ACCOUNT_1, None, start, end, group, data_plan)] == (
        everything
    )


_STORES: list[Store] = []


def _shared_store() -> Store:
    if not _STORES:
        store = Store(":memory:")
        store.seed(NOW_MS, 30, 40, 3)
        _STORES.append(store)
    return _STORES[0]
