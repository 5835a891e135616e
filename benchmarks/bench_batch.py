"""Benchmarks 2 and 6 (client side): `hpl` aggregate over 1,000 IMEIs, concurrent vs sequential.

1,000 IMEIs go out as 100 synchronous aggregates of 10. Sequential (`concurrency=1`), the thread
pool of `hpl.Client` and the semaphore of `hpl.AsyncClient` each run in their own process, in
turn, round after round; each process's peak resident memory is its `ru_maxrss`.
"""

from __future__ import annotations

import sys
from typing import Any

from benchmarks.report import Section, verdict
from benchmarks.sandbox import API, Tokens
from benchmarks.stats import Summary, paired_ratios
from benchmarks.workers import Worker


def _measure(
    origin: str, tokens: Tokens, body: dict[str, Any], imeis: list[str], *, rounds: int, concurrency: int
) -> tuple[dict[str, list[float]], dict[str, float]]:
    config = {
        "base_url": origin + API,
        "access_token": tokens.access,
        "session_token": tokens.session,
        "body": body,
        "batch_imeis": imeis,
        "concurrency": concurrency,
        "warmup": 1,
    }
    workers = [Worker(kind, sys.executable, config) for kind in KINDS]
    seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
    peaks: dict[str, float] = {}
    try:
        for worker in workers:
            worker.ready()
        for index in range(rounds):
            shift = index % len(workers)
            for worker in workers[shift:] + workers[:shift]:
                answer = worker.round(1)
                seconds[worker.kind].append(answer["wall"])
                peaks[worker.kind] = answer["peak_kib"] / 1024
    finally:
        for worker in workers:
            worker.close()
    return seconds, peaks


KINDS = ["batch-sequential", "batch-threads", "batch-asyncio"]


def run(
    servers: list[tuple[str, str]],
    tokens: Tokens,
    body: dict[str, Any],
    imeis: list[str],
    *,
    rounds: int,
    concurrency: int,
) -> Section:
    """servers: (label, origin) pairs; the first is the one the target is judged on."""
    batches = -(-len(imeis) // 10)
    section = Section(
        title=f"2. Batch throughput: `hpl` aggregate over {len(imeis):,} IMEIs ({batches} batches of 10)",
        command=f"{rounds} rounds per server, the three modes in turn, each in its own process",
        columns=["server", "mode", "seconds per run", "speed-up over sequential", "target", "client peak RSS"],
    )
    labels = {
        "batch-sequential": "`hpl.Client`, `concurrency=1` (sequential)",
        "batch-threads": f"`hpl.Client`, `concurrency={concurrency}` (threads)",
        "batch-asyncio": f"`hpl.AsyncClient`, `concurrency={concurrency}`",
    }
    for server, origin in servers:
        seconds, peaks = _measure(origin, tokens, body, imeis, rounds=rounds, concurrency=concurrency)
        for kind in KINDS:
            section.facts[f"{server} · {labels[kind]}"] = peaks[kind]
            speedup = paired_ratios(seconds["batch-sequential"], seconds[kind])
            target = "—" if kind == "batch-sequential" else f"≥ 3× — {verdict(speedup.median >= 3)}"
            section.rows.append(
                [
                    server,
                    labels[kind],
                    Summary.of(seconds[kind]).show("{:.2f}"),
                    speedup.show("{:.2f}") + "×",
                    target,
                    f"{peaks[kind]:.0f} MiB",
                ]
            )
    section.notes.append(
        "Speed-up is sequential time ÷ concurrent time of the same round. Every run checks that the merged "
        "report answers every IMEI (in `usage` or `errors`). Client peak RSS is the worker process's `ru_maxrss`."
    )
    return section
