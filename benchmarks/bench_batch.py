"""Benchmarks 2 and 6 (client side): `hpl` aggregate over 1,000 IMEIs, concurrent vs sequential.

1,000 IMEIs go out as 100 synchronous aggregates of 10. Sequential (`concurrency=1`), the thread
pool of `hpl.Client` and the semaphore of `hpl.AsyncClient` each run in their own process, in
turn, round after round; each process's peak resident memory is its `ru_maxrss`.

Concurrency can only overlap what a sequential run spends waiting. Where client and server share
the two cores and neither waits for anything but the other, the sequential run's own CPU times
bound the speed-up: no schedule finishes before the busier side, or before half of their sum on
two cores. That bound is measured and shown beside each speed-up, so a row that cannot reach the
target says so with its numbers.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from benchmarks.processes import Process
from benchmarks.report import Section, verdict
from benchmarks.sandbox import API, Tokens
from benchmarks.stats import Summary, paired_ratios
from benchmarks.workers import Worker

KINDS = ["batch-sequential", "batch-threads", "batch-asyncio"]
CORES = 2
TARGET = 3.0


@dataclass(frozen=True)
class BatchServer:
    label: str
    process: Process


@dataclass
class Measured:
    seconds: dict[str, list[float]]
    peaks: dict[str, float]
    # Of each sequential round: the client's and the server's CPU seconds.
    client_cpu: list[float]
    server_cpu: list[float]

    def bounds(self) -> list[float]:
        """Per sequential round, the largest speed-up the two sides' CPU times leave on CORES cores."""
        return [
            wall / max(client, server, (client + server) / CORES)
            for wall, client, server in zip(
                self.seconds["batch-sequential"], self.client_cpu, self.server_cpu, strict=True
            )
        ]


def _measure(
    server: BatchServer, tokens: Tokens, body: dict[str, Any], imeis: list[str], *, rounds: int, concurrency: int
) -> Measured:
    config = {
        "base_url": server.process.origin + API,
        "access_token": tokens.access,
        "session_token": tokens.session,
        "body": body,
        "batch_imeis": imeis,
        "concurrency": concurrency,
        "warmup": 1,
    }
    workers = [Worker(kind, sys.executable, config) for kind in KINDS]
    measured = Measured({kind: [] for kind in KINDS}, {}, [], [])
    try:
        for worker in workers:
            worker.ready()
        for index in range(rounds):
            shift = index % len(workers)
            for worker in workers[shift:] + workers[:shift]:
                server_before = server.process.cpu_seconds()
                answer = worker.round(1)
                if worker.kind == "batch-sequential":
                    measured.client_cpu.append(answer["cpu"])
                    measured.server_cpu.append(server.process.cpu_seconds() - server_before)
                measured.seconds[worker.kind].append(answer["wall"])
                measured.peaks[worker.kind] = answer["peak_kib"] / 1024
    finally:
        for worker in workers:
            worker.close()
    return measured


def run(
    servers: list[BatchServer], tokens: Tokens, body: dict[str, Any], imeis: list[str], *, rounds: int, concurrency: int
) -> Section:
    batches = -(-len(imeis) // 10)
    section = Section(
        title=f"2. Batch throughput: `hpl` aggregate over {len(imeis):,} IMEIs ({batches} batches of 10)",
        command=f"{rounds} rounds per server, the three modes in turn, each in its own process",
        columns=[
            "server",
            "mode",
            "seconds per run",
            "speed-up over sequential",
            f"CPU bound on {CORES} cores",
            "target",
            "client peak RSS",
        ],
    )
    labels = {
        "batch-sequential": "`hpl.Client`, `concurrency=1` (sequential)",
        "batch-threads": f"`hpl.Client`, `concurrency={concurrency}` (threads)",
        "batch-asyncio": f"`hpl.AsyncClient`, `concurrency={concurrency}`",
    }
    for server in servers:
        measured = _measure(server, tokens, body, imeis, rounds=rounds, concurrency=concurrency)
        bound = Summary.of(measured.bounds())
        for kind in KINDS:
            section.facts[f"{server.label} · {labels[kind]}"] = measured.peaks[kind]
            speedup = paired_ratios(measured.seconds["batch-sequential"], measured.seconds[kind])
            if kind == "batch-sequential":
                target = "—"
            elif bound.median < TARGET:
                target = f"≥ {TARGET:g}× — out of reach here: the CPU bound is {bound.median:.2f}×"
            else:
                target = f"≥ {TARGET:g}× — {verdict(speedup.median >= TARGET)}"
            section.rows.append(
                [
                    server.label,
                    labels[kind],
                    Summary.of(measured.seconds[kind]).show("{:.2f}"),
                    speedup.show("{:.2f}") + "×",
                    bound.show("{:.2f}") + "×",
                    target,
                    f"{measured.peaks[kind]:.0f} MiB",
                ]
            )
    section.notes.append(
        "Speed-up is sequential time ÷ concurrent time of the same round. Every run checks that the merged "
        "report answers every IMEI (in `usage` or `errors`). Client peak RSS is the worker process's `ru_maxrss`."
    )
    section.notes.append(
        f"CPU bound: of each sequential round, wall time ÷ max(client CPU, server CPU, their sum ÷ {CORES}) — the "
        f"most any concurrency can gain when the client and the server share {CORES} cores and wait for nothing "
        "else. Against the local sandbox a call is ≈ 0.5 ms of CPU and no waiting, so the bound sits below the "
        "target; a real service answers over a network and takes time of its own, which is what the last server "
        "reproduces."
    )
    return section
