"""Benchmarks 4 and 6 (sandbox side): report latency over a 10,000-device, 180-day database.

Seeds the database with `hpl-sandbox seed`, serves it, measures the sync aggregate and the
sessions report one request at a time, then times an asynchronous aggregate of every device
from the request to the last callback a local listener acknowledges; the sandbox's peak
resident memory is read when all of that is done.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks import loadgen, wrk
from benchmarks.processes import fast_stack, python_server
from benchmarks.report import Section, verdict
from benchmarks.sandbox import ACCOUNT, API, active_imeis, aggregate_request, login, sessions_request
from benchmarks.stats import Summary, at, median_curve

CALLBACK_WAIT = 300.0


def seed(db: Path, devices: int, days: int) -> float:
    """Seconds `hpl-sandbox seed` takes for a fresh database file (process start included)."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    sandbox_cli = Path(sys.executable).parent / "hpl-sandbox"
    argv = [str(sandbox_cli), "seed", "--devices", str(devices), "--days", str(days), "--seed", "42", "--db", str(db)]
    began = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - began


def db_size_mb(db: Path) -> float:
    return sum(path.stat().st_size for path in db.parent.glob(db.name + "*")) / 2**20


def async_aggregate(origin: str, listener_origin: str, devices: int) -> float:
    """Seconds from sending the async aggregate of every device to the listener holding every message."""
    tokens = login(origin)
    body, headers = aggregate_request([], tokens)
    with httpx.Client(base_url=origin + API, timeout=60) as http:
        registered = http.post(
            "/callbacks",
            params={"accountNumber": ACCOUNT},
            json={"name": "bench", "url": listener_origin + "/hpl"},
            headers={k: v for k, v in headers.items() if k in ("Authorization", "VZ-M2M-Token")},
        )
        if registered.status_code != 200:
            raise RuntimeError(f"registering the listener: {registered.status_code} {registered.text[:300]}")
        began = time.perf_counter()
        queued = http.post(
            "/report/async/aggregate", content=json.dumps(body), headers={**headers, "X-Portal-Initiated": "false"}
        )
        if queued.status_code != 200:
            raise RuntimeError(f"async aggregate: {queued.status_code} {queued.text[:300]}")
        txid = queued.json()["txid"]
    deadline = time.monotonic() + CALLBACK_WAIT
    with httpx.Client(base_url=listener_origin, timeout=10) as listener:
        while True:
            count = listener.get("/count", params={"txid": txid}).json()
            if count["imeis"] >= devices:
                return time.perf_counter() - began
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"only {count['imeis']} of {devices} devices were delivered in {CALLBACK_WAIT:.0f} s"
                )
            time.sleep(0.02)


@dataclass(frozen=True)
class Variant:
    name: str
    validate_responses: bool
    callback_concurrency: int


VARIANTS = [
    Variant("sandbox as configured by default", validate_responses=True, callback_concurrency=16),
    Variant("tuned: `validate_responses=False`, `callback_concurrency=4`", False, 4),
]


@dataclass
class Measured:
    how: str
    aggregate: list[list[float]]  # one percentile curve per round
    sessions: list[list[float]]
    async_seconds: list[float]
    peak_mb: float
    requests: tuple[int, int]


def _measure(
    db: Path, variant: Variant, *, devices: int, seconds: float, rounds: int, async_runs: int, use_wrk: bool
) -> Measured:
    loop, http = fast_stack()
    server_process = python_server(
        "sandbox",
        loop=loop,
        http=http,
        db=str(db),
        validate_responses=variant.validate_responses,
        callback_concurrency=variant.callback_concurrency,
    )
    with server_process as server:
        tokens = login(server.origin)
        imeis = active_imeis(server.origin, ACCOUNT)
        step = max(1, len(imeis) // 50)
        aggregates = []
        for start in range(0, min(len(imeis), 50 * step), step):
            body, headers = aggregate_request(imeis[start : start + 10], tokens)
            if len(body["imei"]) == 10:
                aggregates.append(wrk.Payload(API + "/report/aggregate", headers, json.dumps(body)))
        sessions = []
        for imei in imeis[:: max(1, len(imeis) // 100)]:
            body, headers = sessions_request(imei, tokens)
            sessions.append(wrk.Payload(API + "/report/sessions", headers, json.dumps(body)))
        aggregate_curves, sessions_curves = [], []
        for _ in range(rounds):
            how, curve = loadgen.sequential_latencies_ms(server.origin, aggregates, seconds=seconds, use_wrk=use_wrk)
            aggregate_curves.append(curve)
            _, curve = loadgen.sequential_latencies_ms(server.origin, sessions, seconds=seconds, use_wrk=use_wrk)
            sessions_curves.append(curve)
        with python_server("listener", loop=loop, http=http) as listener:
            async_times = [async_aggregate(server.origin, listener.origin, devices) for _ in range(async_runs)]
        return Measured(
            how, aggregate_curves, sessions_curves, async_times, server.peak_rss_mb(), (len(aggregates), len(sessions))
        )


def run(
    work: Path,
    *,
    devices: int,
    days: int,
    seeds: int,
    seconds: float,
    rounds: int,
    async_runs: int,
    use_wrk: bool,
) -> tuple[Section, Path]:
    """Benchmark 4's section, and the seeded database for the benchmarks that follow."""
    db = work / "scale.db"
    seed_times = [seed(db, devices, days) for _ in range(seeds)]
    size = db_size_mb(db)
    loop, http = fast_stack()
    measured = [
        _measure(db, variant, devices=devices, seconds=seconds, rounds=rounds, async_runs=async_runs, use_wrk=use_wrk)
        for variant in VARIANTS
    ]
    default = measured[0]
    section = Section(
        title=f"4. Report latency at scale: {devices:,} devices × {days} days",
        command=f"hpl-sandbox seed --devices {devices} --days {days}; sandbox on {loop}+{http}; "
        "one request at a time, rotating over distinct devices",
        columns=["measurement", *(v.name for v in VARIANTS), "target (default sandbox)"],
    )

    def each(show: Callable[[Measured], str]) -> list[str]:
        return [show(m) for m in measured]

    def p99s(curves: list[list[float]]) -> Summary:
        return Summary.of([at(curve, 99.0) for curve in curves])

    def p50_p99(curves: list[list[float]]) -> str:
        p50 = Summary.of([at(curve, 50.0) for curve in curves]).median
        return f"{p50:.2f} / {p99s(curves).show('{:.2f}')} ms"

    agg_p99, ses_p99 = p99s(default.aggregate).median, p99s(default.sessions).median
    async_median = Summary.of(default.async_seconds).median
    section.rows += [
        ["seed time (`hpl-sandbox seed`, process included)", Summary.of(seed_times).show("{:.2f}") + " s", "", "—"],
        ["database size (SQLite file)", f"{size:.1f} MiB", "", "—"],
        [
            f"sync aggregate, 10 devices, {days} days: p50 / p99",
            *each(lambda m: p50_p99(m.aggregate)),
            f"p99 ≤ 10 ms — {verdict(agg_p99 <= 10)}",
        ],
        [
            f"sessions report, 1 device, {days} days: p50 / p99",
            *each(lambda m: p50_p99(m.sessions)),
            f"p99 ≤ 10 ms — {verdict(ses_p99 <= 10)}",
        ],
        [
            f"async aggregate of all {devices:,} devices → last callback delivered",
            *each(lambda m: Summary.of(m.async_seconds).show("{:.2f}") + " s"),
            f"≤ 15 s — {verdict(async_median <= 15)}",
        ],
        ["sandbox peak RSS (VmHWM) over this benchmark", *each(lambda m: f"{m.peak_mb:.0f} MiB"), "—"],
    ]
    section.facts["sandbox peak RSS MiB"] = default.peak_mb
    for variant, m in zip(VARIANTS, measured, strict=True):
        short = "default" if variant is VARIANTS[0] else "tuned"
        section.latencies[f"4 · sync aggregate, {short}"] = median_curve(m.aggregate)
        section.latencies[f"4 · sessions report, {short}"] = median_curve(m.sessions)
    section.notes.append(
        f"Latencies: {rounds} rounds of {default.how}, over {default.requests[0]} distinct aggregate and "
        f"{default.requests[1]} distinct sessions requests; p50 is the median over rounds, p99 the median "
        "(min–max) over rounds. A round's p99 rests on its slowest few dozen requests, so it moves with "
        "whatever else the two cores are doing."
    )
    section.notes.append(
        "The async aggregate asks for every device of the account (an empty `imei` list); the listener is a "
        "separate uvicorn process that acknowledges each message and counts distinct IMEIs per txid."
    )
    section.notes.append(
        "The tuned column changes two `SandboxConfig` fields and nothing else; see Findings for why each matters."
    )
    return section, db
