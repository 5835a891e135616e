"""Issue item 4: seeded data in SQLite, and reports computed by indexed SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpl_sandbox.config import ACCOUNT_1
from hpl_sandbox.store import Store

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
