"""Server processes of a benchmark: start on a free loopback port, wait until ready, read their memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Process:
    """A server subprocess bound to 127.0.0.1:port, stopped (and reaped) on exit."""

    def __init__(self, argv: Sequence[str], port: int, *, name: str, cwd: Path = ROOT) -> None:
        self.argv = list(argv)
        self.port = port
        self.name = name
        self.cwd = cwd
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"hpl-bench-{name}-{port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.proc.pid

    def __enter__(self) -> Self:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_TIMEOUT
        while not _listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.name} did not start listening on port {self.port}:\n{tail}")
            time.sleep(0.05)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def peak_rss_mb(self) -> float:
        """The process's high-water mark of resident memory (VmHWM), in MiB."""
        return _status_kb(self.pid, "VmHWM") / 1024

    def cpu_seconds(self) -> float:
        """User plus system CPU the process and every live descendant (worker processes) have used so far."""
        return sum(_cpu_seconds(pid) for pid in _tree(self.pid))


def _tree(pid: int) -> list[int]:
    """pid and its live descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            pending += [int(child) for child in task.read_text().split()]
    return found


def _cpu_seconds(pid: int) -> float:
    # schedstat counts each thread's time on a CPU in nanoseconds; /proc/<pid>/stat counts clock
    # ticks (10 ms), too coarse for a batch round of tens of milliseconds.
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(task.read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue  # a thread that ended while being read
    return total / 1e9


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {key}")


def fast_stack() -> tuple[str, str]:
    """uvloop + httptools when installed (`make bench` installs them), else uvicorn's pure-Python stack."""
    try:
        import httptools  # noqa: F401
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio", "h11"
    return "uvloop", "httptools"


def python_server(
    what: str,
    *,
    loop: str,
    http: str,
    db: str = ":memory:",
    callback_concurrency: int = 16,
    compat: bool = False,
    validate_responses: bool = True,
    workers: int = 1,
) -> Process:
    """One of benchmarks.serve's apps on a free port."""
    port = free_port()
    argv = [sys.executable, "-m", "benchmarks.serve", what, "--port", str(port), "--loop", loop, "--http", http]
    argv += ["--db", db, "--callback-concurrency", str(callback_concurrency)]
    argv += (["--compat"] if compat else []) + ([] if validate_responses else ["--no-validate-responses"])
    argv += ["--workers", str(workers)]
    return Process(argv, port, name=f"{what}-{loop}-{http}")
