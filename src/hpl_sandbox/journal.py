"""The journal of received requests: what came in and the status that went out, with credentials
redacted. `SandboxApp.__call__` (app.py) records every request but the control plane's.

Several processes may serve one database file, so the journal lives in its `journal` table: each
process's `GET /_sandbox/journal` shows every process's calls, and a `DELETE` or a reset in one
process empties it for all. A transaction per call would cost more than the rest of the journal,
so calls are written behind: each process buffers its calls in memory and writes them in one
transaction when the oldest is 50 ms old (a timer on the running loop, or the next call), when
64 are waiting, when the journal is read or cleared, and on `flush` at shutdown. A process reads
its own calls at once; another process's calls appear within about 50 ms (a process killed
without a shutdown loses its last 50 ms). After each write the table is cut to the newest `size`
rows.

A clear stamps the wall-clock time in `sandbox_state`; a process writing its buffer afterwards
leaves out the calls it received before that time (the processes on one file share a host, so
their clocks agree), so calls made before a reset in another process do not come back after it.
Entries are kept nearly raw (headers as a JSON list of latin-1 pairs, the body as received) and
rendered when read; credentials (the two token headers, passwords and client secrets in a body) are
redacted before they are written, so none rests in the database file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from time import time_ns
from typing import Any

from starlette.types import Scope

from hpl_sandbox.clock import Clock, to_rfc3339
from hpl_sandbox.store import Store

REDACTED_HEADERS = frozenset({"authorization", "vz-m2m-token"})
REDACTED_FIELDS = frozenset({"password", "client_secret"})
MAX_RECORDED_BODY = 64 * 1024

# Write-behind bounds: the age of the oldest buffered call, and the number of buffered calls. A
# write holds the event loop: 256 calls at a time put 1.4 ms on the p99 of benchmark 4, 64 put
# 0.8 ms, for about 1 µs more per call in transactions.
FLUSH_INTERVAL_S = 0.05
FLUSH_INTERVAL_NS = int(FLUSH_INTERVAL_S * 1e9)
FLUSH_SIZE = 64
# The wall-clock time (ns) of the last clear, in sandbox_state.
CLEARED_KEY = "journal_cleared_ns"

# A statement per 2**k rows (at most 128: 768 parameters stay below even an old SQLite's 999):
# one multi-row INSERT updates the AUTOINCREMENT counter once instead of once per row. A journaled
# call (10 headers, a 400-byte body) cost ≈ 2.6 µs against 3.4 µs with executemany in memory,
# ≈ 6.0 µs against 6.5 µs on a file, and the eight texts stay in the statement cache.
_CHUNKS = (128, 64, 32, 16, 8, 4, 2, 1)
_INSERT = {
    n: "INSERT INTO journal (time_ms, method, path, headers, body, status) VALUES "
    + ", ".join(["(?, ?, ?, ?, ?, ?)"] * n)
    for n in _CHUNKS
}
_TRIM = "DELETE FROM journal WHERE id <= (SELECT MAX(id) FROM journal) - ?"
_READ = "SELECT time_ms, method, path, headers, body, status FROM journal ORDER BY id DESC LIMIT ?"

# (name, value) header pair → its JSON text. Most pairs repeat from call to call, and encoding
# each list whole cost about 3 µs of a call's journal entry. Emptied when it grows past the bound.
_PAIR_JSON: dict[Any, str] = {}
_PAIR_JSON_MAX = 4096

log = logging.getLogger("hpl_sandbox.journal")


def _redact_body(raw: bytes) -> Any:
    text = raw[:MAX_RECORDED_BODY].decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        if "client_secret=" in text or "password=" in text:
            return "<redacted form>"
        return text
    if isinstance(parsed, dict):
        return {k: ("<redacted>" if k in REDACTED_FIELDS else v) for k, v in parsed.items()}
    return parsed


def _headers_json(headers: Any) -> str:
    """The ASGI header pairs as a JSON list of [name, value] strings (bytes read as latin-1)."""
    parts = []
    for pair in headers:
        try:
            text = _PAIR_JSON.get(pair)
        except TypeError:  # a pair that is a list, not a tuple
            pair = tuple(pair)
            text = _PAIR_JSON.get(pair)
        if text is None:
            name = pair[0].decode("latin-1")
            value = "<redacted>" if name.lower() in REDACTED_HEADERS else pair[1].decode("latin-1")
            text = json.dumps([name, value], separators=(",", ":"))
            if len(_PAIR_JSON) >= _PAIR_JSON_MAX:
                _PAIR_JSON.clear()
            _PAIR_JSON[pair] = text
        parts.append(text)
    return "[" + ",".join(parts) + "]"


def _stored_body(body: bytes) -> bytes:
    """The body as it may rest in the database file: a credential never does (the token and login
    calls carry one; a report body never does, so this costs a byte search per call)."""
    if b"password" in body or b"client_secret" in body:
        return json.dumps(_redact_body(body)).encode("utf-8")
    return body


def _render(row: tuple[Any, ...]) -> dict[str, Any]:
    time_ms, method, path, headers_json, body, status = row
    headers: dict[str, str] = {}
    for raw_name, value in json.loads(headers_json):
        name = raw_name.lower()
        headers[name] = "<redacted>" if name in REDACTED_HEADERS else value
    return {
        "time": to_rfc3339(time_ms),
        "method": method,
        "path": path,
        "headers": headers,
        "body": _redact_body(bytes(body)) if body else None,
        "status": status,
    }


def _stamp_cleared(db: sqlite3.Connection) -> None:
    db.execute(
        "INSERT INTO sandbox_state (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
        (CLEARED_KEY, time_ns()),
    )


# A buffered call: (wall-clock ns, sandbox time ms, method, path, raw headers, body, status).
_Pending = tuple[int, int, str, str, tuple[Any, ...], bytes, int]


class Journal:
    """Keeps what each call brought (its raw headers and body, the time, the status) and builds the
    redacted entry only when someone reads the journal: most calls are never looked at, and
    decoding every header and parsing every body again cost about 4 % of a call."""

    def __init__(self, clock: Clock, size: int, store: Store) -> None:
        self._clock = clock
        self._size = size
        self._store = store
        self._buffer: list[_Pending] = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    def clear(self) -> None:
        """Empties the journal for every process on the file (`DELETE /_sandbox/journal`)."""
        self._buffer = []
        with self._store.transaction() as db:
            db.execute("DELETE FROM journal")
            _stamp_cleared(db)

    def forget(self) -> None:
        """Drops this process's unwritten calls and stamps the clear time, so that no process
        writes a call received before now; the table itself is a reset's to empty (Store.wipe)."""
        self._buffer = []
        with self._store.transaction() as db:
            _stamp_cleared(db)

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest `limit` entries (all kept when None), oldest first."""
        self.flush()
        count = self._size if limit is None else min(limit, self._size)
        if count <= 0:
            return []
        rows = self._store.query(_READ, (count,))
        rendered = []
        for row in reversed(rows):
            try:
                rendered.append(_render(row))
            except Exception:
                # As when entries were built on arrival: one that cannot be is left out, and logged.
                log.exception("could not journal %s %s", row[1], row[2])
        return rendered

    def record(self, scope: Scope, body: bytes, status: int) -> None:
        now_ns = time_ns()
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        buffer = self._buffer
        buffer.append(
            (
                now_ns,
                self._clock.now_ms(),
                scope.get("method", ""),
                f"{path}?{query}" if query else path,
                tuple(scope.get("headers", ())),
                body,
                status,
            )
        )
        if len(buffer) == 1:
            self._schedule()
        elif len(buffer) >= FLUSH_SIZE or now_ns - buffer[0][0] >= FLUSH_INTERVAL_NS:
            self.flush()

    def _schedule(self) -> None:
        """One flush FLUSH_INTERVAL_S from now on the running loop, unless one is pending there."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: the next call, a read or `flush` writes the buffer
        if self._timer is None or self._timer_loop is not loop:
            self._timer = loop.call_later(FLUSH_INTERVAL_S, self._on_timer)
            self._timer_loop = loop

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()

    def flush(self) -> None:
        """Writes the buffered calls in one transaction and cuts the table to the newest `size`
        rows. Never raises: the journal is a test aid, and a batch that cannot be written is
        logged and dropped rather than kept to grow."""
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        try:
            with self._store.transaction() as db:
                row = db.execute("SELECT value FROM sandbox_state WHERE key = ?", (CLEARED_KEY,)).fetchone()
                if row is not None and row[0] >= batch[0][0]:
                    batch = [entry for entry in batch if entry[0] > row[0]]
                kept = batch[-self._size :] if self._size > 0 else []  # the rest would be cut at once
                params = [
                    value
                    for _, time_ms, method, path, headers, body, status in kept
                    for value in (time_ms, method, path, _headers_json(headers), _stored_body(body), status)
                ]
                start = 0
                for chunk in _CHUNKS:
                    width = chunk * 6
                    while len(params) - start >= width:
                        db.execute(_INSERT[chunk], params[start : start + width])
                        start += width
                db.execute(_TRIM, (max(self._size, 0),))
        except Exception:
            log.exception("could not write %d journal entries; they are dropped", len(batch))
