"""The sandbox's SQLite database: the connection, deterministic seeding and the report queries
(the tables are declared in schema.py).

Times are integer epoch milliseconds. Reports are computed by SQL: the sessions report over the
index on (imei, start_ms), the aggregate over per-device prefix sums of the sessions
(`session_totals`), which `seed` rebuilds with the sessions and `Store()` builds for a file written
before it existed. Python only walks the per-device result rows, never the sessions.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hpl_sandbox import schema
from hpl_sandbox.facts import ACCOUNT_1, FIXED_DEVICES
from hpl_sandbox.schema import SCHEMA_VERSION

DAY_MS = 86_400_000

GROUPS = ("fleet-north", "fleet-south")
PLANS = ("hpl-basic", "hpl-pro")

FIXED_ACCOUNT_1 = sum(1 for device in FIXED_DEVICES if device.account == ACCOUNT_1)
GENERATED_IMEI_BASE = 709_312_035_000_000


# Deterministic pseudo-random session rows, generated inside SQLite: a Park-Miller step
# (multiplier 48271, modulus 2^31-1) mixes device, day and seed, so a seed always gives the same
# fleet relative to the seeding day, and 10,000 devices x 180 days take seconds, not minutes.
SEED_SESSIONS = """
WITH RECURSIVE days(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM days WHERE d + 1 < :days),
base AS (
    SELECT dev.imei AS imei, days.d AS d,
        ((CAST(dev.imei AS INTEGER) % 2147483647) * 31 + :seed * 7919 + days.d * 104729)
            % 2147483647 AS h
    FROM devices dev CROSS JOIN days WHERE dev.has_sessions = 1
),
m1 AS (SELECT imei, d, (h * 48271) % 2147483647 AS a FROM base),
m2 AS (SELECT imei, d, a, (a * 48271) % 2147483647 AS b FROM m1),
m3 AS (SELECT imei, d, a, b, (b * 48271) % 2147483647 AS c FROM m2),
m4 AS (SELECT imei, d, a, b, c, (c * 48271) % 2147483647 AS e FROM m3),
rows AS (
    SELECT imei, :first_day_ms + d * 86400000 + (b % 86000000) AS start_ms, c, e
    FROM m4 WHERE a % 3 = 0
)
INSERT INTO sessions (imei, start_ms, end_ms, num_bytes)
SELECT imei, start_ms, start_ms + 1000 + (c % 7200000), e % 5000000 FROM rows ORDER BY imei, start_ms
"""


# Reads sessions in the order of sessions_by_device, so the window needs no sorter. For 10,000
# devices x 180 days (480,191 sessions) it takes ≈ 0.4 s: seeding ≈ 0.7 s → 1.1 s, the file
# 42 MiB → 60 MiB.
BUILD_SESSION_TOTALS = """
INSERT INTO session_totals (imei, start_ms, cum_n, cum_bytes)
SELECT imei, start_ms, ROW_NUMBER() OVER w, SUM(num_bytes) OVER w FROM sessions
WINDOW w AS (PARTITION BY imei ORDER BY start_ms, end_ms, num_bytes ROWS UNBOUNDED PRECEDING)
"""

# sandbox_state key: the UTC day (days since the epoch) whose midnight the seeded sessions end at.
SEED_DAY = "seed_day"

# The last session of the last device, as each table has it: two index seeks.
_LAST_SESSION = "SELECT imei, start_ms FROM {table} ORDER BY imei DESC, start_ms DESC LIMIT 1"


@dataclass(frozen=True)
class DeviceRow:
    """One device of an aggregate: its ownership and state, and its sessions in the range."""

    imei: str
    account: str | None
    state: str | None
    device_group: str | None
    data_plan: str | None
    sessions: int
    num_bytes: int


class Store:
    """One connection, used from the event loop thread; the lock guards the rare other thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        schema.create(self._db)
        if self._session_totals_stale():
            with self.transaction() as db:
                if self._session_totals_stale():  # unless another process built them meanwhile
                    db.execute("DELETE FROM session_totals")
                    db.execute(BUILD_SESSION_TOTALS)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _session_totals_stale(self) -> bool:
        """True for a file written before session_totals existed (user_version below 2), or
        re-seeded since by a version without them (the last session differs). Seeding keeps them
        current otherwise, so opening a current file costs two index seeks and no write lock."""
        version: int = self.query("PRAGMA user_version")[0][0]
        last_session = self.query(_LAST_SESSION.format(table="sessions"))
        return version < SCHEMA_VERSION or last_session != self.query(_LAST_SESSION.format(table="session_totals"))

    def data_version(self) -> int:
        """Changes whenever another connection (another process on the file) has committed."""
        with self._lock:
            version: int = self._db.execute("PRAGMA data_version").fetchone()[0]
        return version

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        with self.transaction() as db:
            return db.execute(sql, params).rowcount

    # -- seeding ---------------------------------------------------------------------------

    def has_devices(self) -> bool:
        return bool(self.query("SELECT EXISTS (SELECT 1 FROM devices)")[0][0])

    def wipe(self) -> None:
        """Empties every table a reset clears (schema.CLEARED_BY_RESET), in one transaction."""
        with self.transaction() as db:
            schema.clear(db)

    def seed(self, now_ms: int, devices: int, days: int, seed: int) -> int:
        """Replaces devices and sessions with a seeded fleet; returns the number of sessions.

        Account 1 gets `devices` devices (the fixed ones included), account 2 its fixed three.
        Sessions fall on the `days` whole UTC days before the one that holds `now_ms`.
        """
        generated = max(0, devices - FIXED_ACCOUNT_1)
        first_day_ms = (now_ms // DAY_MS - days) * DAY_MS

        def rows() -> Iterator[tuple[str, str, str, str, str, int]]:
            for device in FIXED_DEVICES:
                yield (
                    device.imei,
                    device.account,
                    device.state,
                    device.device_group,
                    device.data_plan,
                    int(device.has_sessions),
                )
            for index in range(generated):
                yield (
                    str(GENERATED_IMEI_BASE + index),
                    ACCOUNT_1,
                    "active",
                    GROUPS[index % 2],
                    PLANS[(index // 2) % 2],
                    0 if index % 5 == 2 else 1,
                )

        with self.transaction() as db:
            db.execute("DELETE FROM sessions")
            db.execute("DELETE FROM session_totals")
            db.execute("DELETE FROM devices")
            db.execute("INSERT OR REPLACE INTO sandbox_state (key, value) VALUES (?, ?)", (SEED_DAY, now_ms // DAY_MS))
            db.executemany(
                "INSERT INTO devices (imei, account, state, device_group, data_plan, has_sessions)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows(),
            )
            if days > 0:
                db.execute(SEED_SESSIONS, {"days": days, "seed": seed, "first_day_ms": first_day_ms})
                db.execute(BUILD_SESSION_TOTALS)
            count: int = db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        return count

    def reanchor(self, now_ms: int) -> int:
        """Moves the seeded sessions by whole days so that they end at the start of the day that
        holds `now_ms`, as if seeded today; returns the number of days moved (0: already there).

        Seeded data is relative to its seeding day, and the API only reports the last 180 days: a
        file seeded long ago would otherwise answer empty reports and refuse the README's date
        ranges. A file written before the seeding day was recorded is anchored by its last session.
        """
        today = now_ms // DAY_MS
        with self.transaction() as db:
            row = db.execute("SELECT value FROM sandbox_state WHERE key = ?", (SEED_DAY,)).fetchone()
            if row is not None:
                seed_day = int(row[0])
            else:
                last_start = db.execute("SELECT MAX(start_ms) FROM sessions").fetchone()[0]
                if last_start is None:
                    return 0
                seed_day = int(last_start) // DAY_MS + 1
            days = today - seed_day
            if days != 0:
                shift_ms = days * DAY_MS
                db.execute("UPDATE sessions SET start_ms = start_ms + ?, end_ms = end_ms + ?", (shift_ms, shift_ms))
                db.execute("UPDATE session_totals SET start_ms = start_ms + ?", (shift_ms,))
            db.execute("INSERT OR REPLACE INTO sandbox_state (key, value) VALUES (?, ?)", (SEED_DAY, today))
        return days

    # -- devices and reports ---------------------------------------------------------------

    def devices(self, account: str | None = None) -> list[dict[str, Any]]:
        rows = self.query(
            "SELECT imei, account, state, device_group, data_plan FROM devices"
            " WHERE (:account IS NULL OR account = :account) ORDER BY account, imei",
            {"account": account},
        )
        return [
            {"imei": r[0], "accountNumber": r[1], "state": r[2], "deviceGroup": r[3], "dataPlan": r[4]} for r in rows
        ]

    def device(self, imei: str) -> tuple[str, str] | None:
        """(account, state) of a device, or None when no account has it."""
        rows = self.query("SELECT account, state FROM devices WHERE imei = ?", (imei,))
        return (rows[0][0], rows[0][1]) if rows else None

    def sessions(self, imei: str, start_ms: int, end_ms: int, low_ms: int, high_ms: int) -> list[tuple[int, int, int]]:
        rows = self.query(
            "SELECT start_ms, end_ms, num_bytes FROM sessions"
            " WHERE imei = ? AND start_ms BETWEEN ? AND ? AND end_ms - start_ms BETWEEN ? AND ?"
            " ORDER BY start_ms",
            (imei, start_ms, end_ms, low_ms, high_ms),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def aggregate(
        self,
        account: str,
        imeis: Sequence[str] | None,
        start_ms: int,
        end_ms: int,
        device_group: str | None,
        data_plan: str | None,
    ) -> list[DeviceRow]:
        """Per requested device (or every device of the account when `imeis` is None, narrowed by
        group and plan): who owns it, its state, and the count and byte sum of its sessions that
        start in [start_ms, end_ms]. Requested order is kept; unknown IMEIs come back unowned."""
        rows = self.query(
            AGGREGATE_ACCOUNT if imeis is None else AGGREGATE_REQUESTED,
            {
                "account": account,
                "grp": device_group,
                "plan": data_plan,
                "imeis": json.dumps(list(imeis or [])),
                "start": start_ms,
                "end": end_ms,
            },
        )
        return [DeviceRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


# A device's sessions starting in [start, end] number cum_n at its last session starting at or
# before end minus cum_n at its last session starting before start (and likewise for bytes): per
# bound, one seek in session_totals' key finds that session and a join on the key reads its sums,
# whatever the length of the range. The clamp at 0 keeps what BETWEEN answers for a reversed range
# (the lower total is then the later one). 10 devices x 180 days: ≈ 59 µs → 21 µs for the
# statement (Store.aggregate ≈ 57 µs → 27 µs; the account's 10,000 devices ≈ 65 ms → 35 ms)
# against two correlated subqueries walking each device's ~60 rows of sessions_by_device for
# COUNT and SUM (which were themselves 2.5 times faster than joining the sessions and grouping);
# four scalar subqueries, one per total, took ≈ 23 µs; a rowid table with an (imei, start_ms)
# index ≈ 19 µs for 80% more space. The requested list stays one JSON parameter: json_each costs no more than
# `VALUES (?, ?), …` here, keeps the statement text constant for sqlite3's statement cache and has
# no limit on the number of devices.
_LAST_AT = """
    LEFT JOIN session_totals {alias} ON {alias}.imei = {imei} AND ({alias}.start_ms, {alias}.cum_n) = (
        SELECT t.start_ms, t.cum_n FROM session_totals t WHERE t.imei = {imei} AND t.start_ms {bound}
        ORDER BY t.start_ms DESC, t.cum_n DESC LIMIT 1
    )"""
_SESSION_TOTALS = """MAX(COALESCE(hi.cum_n, 0) - COALESCE(lo.cum_n, 0), 0),
           MAX(COALESCE(hi.cum_bytes, 0) - COALESCE(lo.cum_bytes, 0), 0)"""


def _last_at(imei: str) -> str:
    return _LAST_AT.format(alias="hi", imei=imei, bound="<= :end") + _LAST_AT.format(
        alias="lo", imei=imei, bound="< :start"
    )


AGGREGATE_REQUESTED = f"""
    SELECT req.value, d.account, d.state, d.device_group, d.data_plan, {_SESSION_TOTALS}
    FROM json_each(:imeis) req
    LEFT JOIN devices d ON d.imei = req.value{_last_at("req.value")}
    ORDER BY req.key
"""

AGGREGATE_ACCOUNT = f"""
    SELECT d.imei, d.account, d.state, d.device_group, d.data_plan, {_SESSION_TOTALS}
    FROM devices d{_last_at("d.imei")}
    WHERE d.account = :account AND (:grp IS NULL OR d.device_group = :grp) AND (:plan IS NULL OR d.data_plan = :plan)
    ORDER BY d.imei
"""
