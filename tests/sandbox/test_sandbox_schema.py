"""Issue 12 item 3: one module declares every table and what a reset does to it (schema.py)."""

from __future__ import annotations

from typing import Any

from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.runtime import Sandbox
from hpl_sandbox.schema import CLEARED_BY_RESET, KEPT_BY_RESET
from hpl_sandbox.store import Store


def tables(store: Store) -> set[str]:
    rows = store.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {name for (name,) in rows}


def marker_row(store: Store, table: str) -> dict[str, Any]:
    """A row no seeding would write: every column a value of its type that no real row holds."""
    row: dict[str, Any] = {}
    for _, name, kind, _, _, _ in store.query(f"PRAGMA table_info({table})"):
        row[name] = -7 if "INT" in kind.upper() else "marker"
    return row


def test_every_table_of_the_schema_is_either_cleared_or_kept_by_a_reset() -> None:
    declared = tables(Store(":memory:"))
    assert set(CLEARED_BY_RESET) | set(KEPT_BY_RESET) == declared
    assert not set(CLEARED_BY_RESET) & set(KEPT_BY_RESET)


def test_a_reset_removes_what_any_table_it_clears_held() -> None:
    sandbox = Sandbox(SandboxConfig(demo_devices=10, demo_days=3))
    markers = {}
    for table in CLEARED_BY_RESET:
        row = markers[table] = marker_row(sandbox.store, table)
        columns = ", ".join(row)
        places = ", ".join("?" for _ in row)
        sandbox.store.execute(f"INSERT INTO {table} ({columns}) VALUES ({places})", list(row.values()))
    sandbox.reset()
    left = {}
    for table, row in markers.items():
        first = next(iter(row))
        left[table] = sandbox.store.query(f"SELECT COUNT(*) FROM {table} WHERE {first} = ?", (row[first],))[0][0]
    assert left == dict.fromkeys(CLEARED_BY_RESET, 0)
    assert sandbox.store.has_devices()  # and the demo data is back
