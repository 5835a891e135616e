"""What every process serving one database file must agree on: the sandbox clock's offset and a
generation that each reset increments.

Each process keeps both in memory and catches up before every request (`sync`): SQLite's
`data_version` changes only when another connection has committed, so a process alone on its
file, or on `:memory:`, pays one pragma per request and reads nothing.
"""

from __future__ import annotations

from hpl_sandbox.clock import Clock
from hpl_sandbox.store import Store

CLOCK_OFFSET = "clock_offset_ms"
GENERATION = "generation"


class SharedState:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._seen_version: int | None = None
        self.generation = 0
        # Whether the last sync found a reset made by another process.
        self.reset_elsewhere = False
        self.sync()

    def sync(self) -> bool:
        """Takes up what other processes changed; True when any other connection has committed
        since the last call (a reset among it or not: see `reset_elsewhere`)."""
        version = self._store.data_version()
        if version == self._seen_version:
            return False
        self._seen_version = version
        values = dict(self._store.query("SELECT key, value FROM sandbox_state"))
        self._clock.set_offset_ms(int(values.get(CLOCK_OFFSET, 0)))
        generation = int(values.get(GENERATION, 0))
        self.reset_elsewhere = generation != self.generation
        self.generation = generation
        return True

    def _write(self, key: str, value: int) -> None:
        self._store.execute("INSERT OR REPLACE INTO sandbox_state (key, value) VALUES (?, ?)", (key, value))

    def advance_clock(self, seconds: float) -> None:
        # Read and written in one transaction, so two processes advancing at once both count.
        with self._store.transaction() as db:
            row = db.execute("SELECT value FROM sandbox_state WHERE key = ?", (CLOCK_OFFSET,)).fetchone()
            offset = (0 if row is None else int(row[0])) + round(seconds * 1000)
            db.execute("INSERT OR REPLACE INTO sandbox_state (key, value) VALUES (?, ?)", (CLOCK_OFFSET, offset))
        self._clock.set_offset_ms(offset)

    def set_clock(self, now_ms: int) -> None:
        self._clock.set_now(now_ms)
        self._write(CLOCK_OFFSET, self._clock.offset_ms)

    def reset_clock(self) -> None:
        self._clock.reset()
        self._write(CLOCK_OFFSET, 0)

    def next_generation(self) -> None:
        with self._store.transaction() as db:
            row = db.execute("SELECT value FROM sandbox_state WHERE key = ?", (GENERATION,)).fetchone()
            self.generation = (0 if row is None else int(row[0])) + 1
            db.execute("INSERT OR REPLACE INTO sandbox_state (key, value) VALUES (?, ?)", (GENERATION, self.generation))
