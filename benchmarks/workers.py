"""Driving client_worker.py processes: start, feed rounds in turn, read answers within a time limit."""

from __future__ import annotations

import json
import selectors
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

ROOT = Path(__file__).resolve().parent.parent
# Run as a module from ROOT, so that the vendor SDK's worker finds tools/vendor_sdk.py on its path.
WORKER = "benchmarks.client_worker"
ANSWER_TIMEOUT = 300.0


class Worker:
    """One client process; `round(n)` makes it do n calls and returns its measurements."""

    def __init__(self, kind: str, python: str, config: dict[str, Any]) -> None:
        self.kind = kind
        self.proc = subprocess.Popen(
            [python, "-m", WORKER, kind, json.dumps(config)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + ANSWER_TIMEOUT
            while not selector.select(timeout=1.0):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    break
            line = self.proc.stdout.readline() if self.proc.poll() is None else ""
        if not line:
            self.close()
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"client worker {self.kind} gave no answer:\n{stderr[-3000:]}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ready(self) -> None:
        self._answer()

    def round(self, calls: int) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{calls}\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.proc.poll() is None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
