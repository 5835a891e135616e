"""Benchmark 1: client CPU per call of the generated client, `hpl` and the vendor SDK, against raw httpx.

Every client posts the same 10-device, 180-day synchronous aggregate to the same server, one call
after another. Each lives in its own process; rounds go to each client in turn (in a rotating
order), and the ratio to raw httpx is taken round by round, so drift of the shared machine
cancels out of the ratios.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from benchmarks.report import Section, verdict
from benchmarks.sandbox import API, Tokens
from benchmarks.stats import Summary, curve, paired_ratios, percentile
from benchmarks.workers import Worker

TARGETS = {"generated": 1.10, "hpl": 1.25}
LABELS = {
    "raw-httpx": "raw `httpx.Client` (prepared request, `.json()`)",
    "generated": "generated `hpl_client` (`sync`)",
    "hpl": "`hpl.Client.aggregate`",
    "vendor-sdk": "vendor `sdksio-verizon-apis-sdk` 2.0.0",
}


def run(
    origin: str,
    server: str,
    tokens: Tokens,
    body: dict[str, Any],
    headers: dict[str, str],
    *,
    rounds: int,
    calls: int,
    warmup: int,
    vendor_python: Path | None,
    vendor_note: str,
) -> Section:
    config = {
        "base_url": origin + API,
        "access_token": tokens.access,
        "session_token": tokens.session,
        "body": body,
        "headers": headers,
        "warmup": warmup,
    }
    kinds = [("raw-httpx", sys.executable), ("generated", sys.executable), ("hpl", sys.executable)]
    if vendor_python is not None:
        kinds.append(("vendor-sdk", str(vendor_python)))
    workers = [Worker(kind, python, config) for kind, python in kinds]
    cpu: dict[str, list[float]] = {kind: [] for kind, _ in kinds}
    wall: dict[str, list[float]] = {kind: [] for kind, _ in kinds}
    latencies: dict[str, list[float]] = {kind: [] for kind, _ in kinds}
    try:
        for worker in workers:
            worker.ready()
        for index in range(rounds):
            shift = index % len(workers)
            for worker in workers[shift:] + workers[:shift]:
                answer = worker.round(calls)
                cpu[worker.kind].append(1e6 * answer["cpu"] / calls)
                wall[worker.kind].append(1e6 * answer["wall"] / calls)
                latencies[worker.kind] += [1e3 * s for s in answer["latencies"]]
    finally:
        for worker in workers:
            worker.close()

    section = Section(
        title="1. Client overhead: client CPU per call, side by side with raw httpx",
        command=f"{rounds} rounds × {calls} sequential calls per client, clients in turn; server: {server}",
        columns=["client", "client CPU µs/call", "ratio to raw httpx", "target", "calls/s", "p50 ms", "p99 ms"],
    )
    for kind, _ in kinds:
        ratio = paired_ratios(cpu[kind], cpu["raw-httpx"])
        target = TARGETS.get(kind)
        goal = f"≤ {target:.2f}× — {verdict(ratio.median <= target)}" if target else "—"
        calls_per_s = Summary.of([1e6 / w for w in wall[kind]])
        section.rows.append(
            [
                LABELS[kind],
                Summary.of(cpu[kind]).show(),
                ratio.show("{:.2f}"),
                goal,
                calls_per_s.show(),
                f"{percentile(latencies[kind], 50):.2f}",
                f"{percentile(latencies[kind], 99):.2f}",
            ]
        )
        section.latencies[f"1 · {kind}"] = curve(latencies[kind])
    section.notes.append(
        "Client CPU is `time.process_time()` of the client process over each round divided by its calls; "
        "the ratio is taken round by round against raw httpx's round of the same turn (median, min–max)."
    )
    section.notes.append(
        "Every client sends the same body and both credentials; raw httpx posts pre-serialised bytes with "
        "prepared headers and decodes the JSON answer, the generated client builds from a prepared request "
        "model and parses into attrs models, `hpl` also validates its arguments and runs its `httpx.Auth` flow."
    )
    section.notes.append(
        "The sandbox runs in compatibility mode because the vendor SDK sends the report parameters in the "
        "body only; the other clients send the headers as well, and the sandbox still checks them."
    )
    if vendor_python is None:
        section.notes.append(f"Vendor SDK not measured: {vendor_note}")
    return section
