"""One sandbox instance: its spec, database, clock, credentials, journal, forced responses and
worker, created together so that a reset can put every part back at once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpl_sandbox.auth import Authenticator
from hpl_sandbox.clock import Clock
from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.forced import ForcedResponses
from hpl_sandbox.jobs import JobRunner
from hpl_sandbox.journal import Journal
from hpl_sandbox.spec import base_path, default_spec_path, load_spec
from hpl_sandbox.state import SharedState
from hpl_sandbox.store import Store
from hpl_sandbox.validation import Operation, compile_component, compile_operations, require_format_checks

log = logging.getLogger("hpl_sandbox")


@dataclass(frozen=True)
class CompiledSpec:
    spec: dict[str, Any]
    operations: dict[str, Operation]
    message_validator: Any


_compiled: dict[tuple[str, int], CompiledSpec] = {}


def compiled_spec(path: str | None) -> CompiledSpec:
    """The spec and its validators, compiled once per file version: validators are immutable, so
    every app of the process (tests build hundreds) can share them."""
    spec_path = Path(path) if path is not None else default_spec_path()
    key = (str(spec_path.resolve()), spec_path.stat().st_mtime_ns)
    if key not in _compiled:
        spec = load_spec(spec_path)
        require_format_checks(spec)
        _compiled[key] = CompiledSpec(
            spec, compile_operations(spec), compile_component(spec, "AggregateReportCallbackMessage")
        )
    return _compiled[key]


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        compiled = compiled_spec(config.spec_path)
        self.spec = compiled.spec
        self.operations = compiled.operations
        self.base_path = base_path(self.spec)
        self.clock = Clock()
        self.store = Store(config.db)
        self.state = SharedState(self.store, self.clock)
        self.auth = Authenticator(config, self.store, self.clock)
        self.journal = Journal(self.clock, config.journal_size, self.store)
        self.forced = ForcedResponses(self.store)
        self.jobs = JobRunner(config, self.store, compiled.message_validator)
        if not self.store.has_devices():
            self.seed_demo()
        else:
            moved = self.store.reanchor(self.clock.now_ms())
            if moved:
                log.warning(
                    "%s: seeded sessions moved %d days %s, so that they end today as when seeded",
                    config.db,
                    abs(moved),
                    "forward" if moved > 0 else "back",
                )

    def seed_demo(self) -> int:
        config = self.config
        return self.store.seed(self.clock.now_ms(), config.demo_devices, config.demo_days, config.seed)

    def sync(self) -> None:
        """Takes up what other processes serving the same file changed (see state.py); called
        before every request."""
        if self.state.sync():
            self.forced.reload()
            if self.state.reset_elsewhere:
                self.auth.forget()

    def reset(self) -> None:
        """Puts every part back: the tables (which ones: schema.CLEARED_BY_RESET), what each part
        keeps in memory, the clock, and the demo data."""
        self.state.reset_clock()
        self.journal.forget()
        self.store.wipe()
        self.auth.forget()
        self.state.next_generation()
        self.forced.reload()
        self.seed_demo()
        self.jobs.wake()

    @asynccontextmanager
    async def lifespan(self, _app: Any) -> AsyncIterator[None]:
        self.jobs.start()
        try:
            yield
        finally:
            await self.jobs.stop()
            self.journal.flush()
            self.auth.flush()
