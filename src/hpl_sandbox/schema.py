"""The sandbox's database schema, and what a reset does to each of its tables.

Every table lives here, whichever module reads and writes it (store.py the devices and reports,
auth.py the tokens, listeners.py the listeners, jobs.py the jobs, deliveries and idempotency keys,
forced.py the forced answers, journal.py the journal, state.py and store.py `sandbox_state`), so
that one look shows the whole database and a reset cannot forget a table:
`tests/sandbox/test_sandbox_schema.py` fails when a table of the schema is in neither list below.
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    imei TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    state TEXT NOT NULL,
    device_group TEXT,
    data_plan TEXT,
    has_sessions INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS devices_by_account ON devices (account, device_group, data_plan);
CREATE TABLE IF NOT EXISTS sessions (
    imei TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    num_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_device ON sessions (imei, start_ms, end_ms, num_bytes);
-- Derived from sessions (see _SESSION_TOTALS): per device, in (start_ms, end_ms, num_bytes) order,
-- the number and byte sum of its sessions up to and including this one. cum_n is in the key so
-- that sessions sharing a start_ms stay distinct rows and the last of them has the highest cum_n.
CREATE TABLE IF NOT EXISTS session_totals (
    imei TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    cum_n INTEGER NOT NULL,
    cum_bytes INTEGER NOT NULL,
    PRIMARY KEY (imei, start_ms, cum_n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    account TEXT NOT NULL,
    expires_ms INTEGER,
    last_used_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS listeners (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS jobs (
    txid TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    portal_initiated INTEGER NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
-- Idempotency-Key of asynchronous aggregates (D8), per account: the digest of the body it was
-- first used with and the txid that body was answered; created_ms is on the sandbox clock.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    txid TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (account, key)
) WITHOUT ROWID;
-- AUTOINCREMENT: ids are never reused after a reset, so a delivery still in flight across a
-- reset can never mark a new job's row.
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    txid TEXT NOT NULL,
    imei TEXT NOT NULL,
    ord INTEGER NOT NULL,
    url TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    payload TEXT NOT NULL,
    portal_initiated INTEGER NOT NULL,
    next_attempt_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt_ms);
-- What every process serving this file must agree on (see Sandbox.sync): the clock offset and a
-- generation that each reset increments.
CREATE TABLE IF NOT EXISTS sandbox_state (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
-- Answers queued by POST /_sandbox/force, taken one call at a time by whichever process serves it.
-- gateway_html holds the body's form: 0 the spec's error body, 1 an HTML page, 2 the gateway's
-- JSON envelope (the column predates the third form; files written before it keep their meaning).
CREATE TABLE IF NOT EXISTS forced (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operation_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL,
    times INTEGER NOT NULL,
    gateway_html INTEGER NOT NULL
);
-- The journal of received API calls: raw headers (JSON list of [name, value] in latin-1) and body,
-- redacted when read.
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    status INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_txid ON deliveries (txid, ord);
"""

# PRAGMA user_version of a database whose session_totals match its sessions. A file written before
# session_totals existed has 0.
SCHEMA_VERSION = 2

# Emptied by `POST /_sandbox/reset` (Store.wipe); the reset then seeds the demo devices again.
CLEARED_BY_RESET = (
    "devices",
    "sessions",
    "session_totals",
    "tokens",
    "listeners",
    "jobs",
    "idempotency_keys",
    "deliveries",
    "forced",
    "journal",
)

# Kept by a reset, and why.
KEPT_BY_RESET = {
    # The reset writes each of its keys itself: the clock offset back to 0, the generation one
    # up (so other processes on the file notice it), the journal's clear time, the seeding day.
    "sandbox_state": "what the processes on one file share, rewritten key by key by the reset",
}


def create(db: sqlite3.Connection) -> None:
    """Creates what is missing; a file written by an older version keeps its rows."""
    db.executescript(SCHEMA)


def clear(db: sqlite3.Connection) -> None:
    """Empties every table of CLEARED_BY_RESET; call it inside a transaction."""
    for table in CLEARED_BY_RESET:
        db.execute(f"DELETE FROM {table}")
