"""Benchmark 3: the sandbox's synchronous aggregate under `wrk`, beside Prism and a bare constant app.

All servers run at once and take turns under the same `wrk` load, round after round, so each
ratio compares servers measured within seconds of each other.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from benchmarks import loadgen, wrk
from benchmarks.processes import Process, fast_stack, free_port, python_server
from benchmarks.report import Section, verdict
from benchmarks.sandbox import API, aggregate_request, login
from benchmarks.stats import Summary, median_curve, paired_ratios

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "hpl-device-reports.yaml"


@dataclass(frozen=True)
class Target:
    server: str  # "sandbox", "sandbox, self-check off", "constant ASGI" or "Prism 5.14.2 static mock"
    stack: str
    process: Process
    path: str

    @property
    def label(self) -> str:
        return f"{self.server} {self.stack}"


PRISM = "Prism 5.14.2 static mock"
UNCHECKED = "sandbox, response self-check off"
TWO_PROCESSES = "sandbox, 2 worker processes"
CONSTANT_TWO = "constant ASGI, 2 worker processes"


def prism(prism_bin: Path) -> Process:
    port = free_port()
    argv = [str(prism_bin), "mock", "-p", str(port), "-h", "127.0.0.1", "-v", "silent", str(SPEC)]
    return Process(argv, port, name="prism")


def run(
    db: str,
    imeis: list[str],
    *,
    rounds: int,
    seconds: float,
    prism_bin: Path | None,
    prism_note: str,
    use_wrk: bool,
    full_stacks: bool,
) -> Section:
    stacks = sorted({fast_stack(), ("asyncio", "h11")}, reverse=True)[: 2 if full_stacks else 1]
    section = Section(
        title="3. Sandbox throughput: synchronous aggregate (10 devices, 180 days) under load",
        command=(
            f"wrk -t2 -c16 -d{seconds:g}s, {rounds} rounds, servers in turn (Lua script: the same request)"
            if use_wrk
            else f"asyncio + httpx, 16 connections, {seconds:g}s, {rounds} rounds, servers in turn (wrk not used)"
        ),
        columns=["server", "stack", "req/s", "server CPU µs/req", "p50 ms", "p99 ms", "ratio"],
    )
    with ExitStack() as stack:
        targets: list[Target] = []
        path = API + "/report/aggregate"
        for loop, http in stacks:
            name = f"{loop}+{http}"
            sandbox = stack.enter_context(python_server("sandbox", loop=loop, http=http, db=db))
            targets.append(Target("sandbox", name, sandbox, path))
            if (loop, http) == stacks[0]:
                unchecked = python_server("sandbox", loop=loop, http=http, db=db, validate_responses=False)
                targets.append(Target(UNCHECKED, name, stack.enter_context(unchecked), path))
                if full_stacks:
                    two = python_server("sandbox", loop=loop, http=http, db=db, workers=2)
                    targets.append(Target(TWO_PROCESSES, name, stack.enter_context(two), path))
            constant = stack.enter_context(python_server("constant", loop=loop, http=http))
            targets.append(Target("constant ASGI", name, constant, path))
            if (loop, http) == stacks[0] and full_stacks:
                constant_two = stack.enter_context(python_server("constant", loop=loop, http=http, workers=2))
                targets.append(Target(CONSTANT_TWO, name, constant_two, path))
        if prism_bin is not None:
            targets.append(Target(PRISM, "node", stack.enter_context(prism(prism_bin)), "/report/aggregate"))
        # Each sandbox process issues its own tokens; the constant app and Prism only check presence.
        tokens = {t.label: login(t.process.origin) for t in targets if t.server.startswith("sandbox")}
        any_tokens = next(iter(tokens.values()))
        results: dict[str, list[wrk.WrkResult]] = {t.label: [] for t in targets}
        server_cpu: dict[str, list[float]] = {t.label: [] for t in targets}
        for index in range(rounds):
            shift = index % len(targets)
            for target in targets[shift:] + targets[:shift]:
                body, headers = aggregate_request(imeis, tokens.get(target.label, any_tokens))
                payload = wrk.Payload(target.path, headers, json.dumps(body))
                origin = target.process.origin
                cpu_before = target.process.cpu_seconds()
                result = (
                    wrk.run(origin, [payload], threads=2, connections=16, seconds=seconds)
                    if use_wrk
                    else loadgen.concurrent_load(origin, payload, connections=16, seconds=seconds)
                )
                results[target.label].append(result)
                server_cpu[target.label].append(1e6 * (target.process.cpu_seconds() - cpu_before) / result.requests)

    def rps(label: str) -> list[float]:
        return [r.rps for r in results[label]]

    best = f"sandbox {'+'.join(stacks[0])}"
    for target in targets:
        runs = results[target.label]
        ratio = "—"
        if target.server.startswith("sandbox"):
            # Like for like: a sandbox with two worker processes beside the constant app with two.
            beside = CONSTANT_TWO if target.server == TWO_PROCESSES else "constant ASGI"
            to_constant = paired_ratios(rps(target.label), rps(f"{beside} {target.stack}"))
            ratio = f"{to_constant.show('{:.3f}')} of constant ({verdict(to_constant.median >= 1 / 3)} ≥ 0.333)"
            if prism_bin is not None:
                to_prism = paired_ratios(rps(target.label), rps(f"{PRISM} node"))
                ratio += f"; {to_prism.show('{:.2f}')}× Prism ({verdict(to_prism.median >= 2)} ≥ 2)"
        section.rows.append(
            [
                target.server,
                target.stack,
                Summary.of(rps(target.label)).show(),
                Summary.of(server_cpu[target.label]).show(),
                Summary.of([r.p(50) for r in runs]).show("{:.2f}"),
                Summary.of([r.p(99) for r in runs]).show("{:.2f}"),
                ratio,
            ]
        )
        section.latencies[f"3 · {target.label}"] = median_curve([wrk.curve_ms(r) for r in runs])
    section.notes.append(
        "Ratios are taken round by round (same minute, same load) and summarised as median (min–max). "
        f"The targets apply to the best stack, `{best}`; `asyncio+h11` is what uvicorn picks when uvloop "
        "and httptools are not installed."
    )
    section.notes.append(
        "Server CPU is the user+system time of the server's processes (from /proc, the process and its "
        "children) over a run divided by the requests answered: unlike req/s, it does not depend "
        "on how much of the two cores the load generator and the other servers took."
    )
    section.notes.append(
        f"`{UNCHECKED}` is the same sandbox with `SandboxConfig(validate_responses=False)`: it skips validating "
        "its own answers against the spec (a self-check for the sandbox's developers, not part of the contract), "
        "which shows what that check costs."
    )
    if full_stacks:
        section.notes.append(
            f"`{TWO_PROCESSES}` is the sandbox as `hpl-sandbox serve --workers 2` runs it: two uvicorn worker "
            "processes on one database file, sharing clock, tokens, forced answers and journal through it, one of "
            f"them elected to deliver callbacks. Its constant-app ratio is taken against `{CONSTANT_TWO}`; Prism "
            "has no multi-process mode."
        )
    section.notes.append(
        "Every request is checked: a run with any non-2xx answer or socket error is refused. "
        "The chart draws each server's latency percentiles, point by point the median over rounds."
    )
    if not use_wrk:
        section.notes.append(
            "Without wrk the load generator is Python and saturates the cores first: these numbers say "
            "nothing about the servers' ceilings."
        )
    if prism_bin is None:
        section.notes.append(f"Prism not measured: {prism_note}")
    return section
