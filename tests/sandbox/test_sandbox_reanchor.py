"""Issue "The tests pass on any day", item 3: seeded data never leaves a user with an empty or
refusing sandbox. Seeded sessions are relative to their seeding day, and the API reports at most
the last 180 days; on start the sandbox moves them by whole days to end today."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hpl_sandbox.config import ACCOUNT_1
from hpl_sandbox.store import SEED_DAY, Store
from tests.sandbox.support import ACTIVE, Api, TestClient, login

NOW_MS = 1_790_000_000_000
DAY_MS = 86_400_000


def table(store: Store, name: str) -> list[tuple[object, ...]]:
    return store.query(f"SELECT * FROM {name} ORDER BY 1, 2, 3")


@pytest.mark.parametrize("days_ago", [400, 181, 1, -200], ids=["400-days-ago", "181-days-ago", "yesterday", "ahead"])
def test_reanchoring_gives_the_sessions_seeding_today_would_give(days_ago: int) -> None:
    old, fresh = Store(":memory:"), Store(":memory:")
    old.seed(NOW_MS - days_ago * DAY_MS, 20, 180, 42)
    fresh.seed(NOW_MS, 20, 180, 42)
    assert old.reanchor(NOW_MS) == days_ago
    assert table(old, "sessions") == table(fresh, "sessions")
    assert table(old, "session_totals") == table(fresh, "session_totals")


def test_reanchoring_a_database_seeded_today_changes_nothing() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS, 20, 30, 1)
    before = table(store, "sessions")
    assert store.reanchor(NOW_MS + DAY_MS // 3) == 0
    assert table(store, "sessions") == before


def test_a_file_without_a_recorded_seeding_day_is_anchored_by_its_last_session() -> None:
    old, fresh = Store(":memory:"), Store(":memory:")
    old.seed(NOW_MS - 300 * DAY_MS, 20, 180, 7)
    old.execute("DELETE FROM sandbox_state WHERE key = ?", (SEED_DAY,))
    fresh.seed(NOW_MS, 20, 180, 7)
    assert old.reanchor(NOW_MS) == 300
    assert table(old, "sessions") == table(fresh, "sessions")


def test_reanchoring_records_the_new_seeding_day() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS - 50 * DAY_MS, 20, 30, 1)
    store.reanchor(NOW_MS)
    assert store.reanchor(NOW_MS) == 0


def test_a_database_without_sessions_is_left_alone() -> None:
    store = Store(":memory:")
    store.seed(NOW_MS, 20, 0, 1)
    store.execute("DELETE FROM sandbox_state WHERE key = ?", (SEED_DAY,))
    assert store.reanchor(NOW_MS) == 0


def test_a_sandbox_started_on_a_file_seeded_long_ago_answers_with_recent_sessions(
    tmp_path: Path, make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    db = str(tmp_path / "old.db")
    now = datetime.now(UTC)
    Store(db).seed(int((now - timedelta(days=400)).timestamp() * 1000), 20, 180, 42)
    with caplog.at_level(logging.WARNING, logger="hpl_sandbox"):
        client = make_client(db=db)
    assert "seeded sessions moved 400 days forward" in caplog.text
    api = Api(client, login(client), ACCOUNT_1)
    start = (now - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    response = api.sessions(imei=ACTIVE, startDate=start)
    assert response.status_code == 200, response.text
    assert response.json()["sessions"], "a month of the active device's sessions"
