"""`python -m benchmarks.run [--quick] [--out DIR]`: every benchmark of issue 7, then RESULTS.md and the chart.

`make bench` runs it in full (about 12 minutes on 2 cores) and writes benchmarks/RESULTS.md;
`make bench QUICK=1` runs a smoke version in seconds, without wrk, Prism or the vendor SDK, so
that the harness is exercised by the test suite and cannot rot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import bench_batch, bench_client, bench_scale, bench_server, bench_suite, report, tools
from benchmarks.processes import fast_stack, python_server
from benchmarks.report import Section
from benchmarks.sandbox import ACCOUNT, active_imeis, aggregate_request, force_latency, login


@dataclass(frozen=True)
class Plan:
    """How much of each benchmark to run."""

    devices: int
    seeds: int
    latency_seconds: float
    latency_rounds: int
    async_runs: int
    client_rounds: int
    client_calls: int
    client_warmup: int
    batch_imeis: int
    batch_rounds: int
    server_rounds: int
    server_seconds: float
    generate_runs: int
    external_tools: bool
    suite: bool


# What a call to the real API waits for besides computing: the network and the service's own time.
SERVICE_LATENCY_MS = 20

FULL = Plan(
    devices=10_000,
    seeds=3,
    latency_seconds=4,
    latency_rounds=3,
    async_runs=2,
    client_rounds=10,
    client_calls=300,
    client_warmup=100,
    batch_imeis=1000,
    batch_rounds=5,
    server_rounds=3,
    server_seconds=6,
    generate_runs=3,
    external_tools=True,
    suite=True,
)
QUICK = Plan(
    devices=200,
    seeds=1,
    latency_seconds=0.3,
    latency_rounds=1,
    async_runs=1,
    client_rounds=2,
    client_calls=10,
    client_warmup=2,
    batch_imeis=40,
    batch_rounds=1,
    server_rounds=1,
    server_seconds=0.3,
    generate_runs=0,
    external_tools=False,
    suite=False,
)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file that other processes have open (its WAL included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _memory(scale: Section, batch: Section) -> Section:
    section = Section(
        title="6. Memory: peak resident set size",
        command="VmHWM of the sandbox process (benchmark 4); ru_maxrss of each client process (benchmark 2)",
        columns=["process", "peak RSS"],
    )
    sandbox = f"{scale.facts['sandbox peak RSS MiB']:.0f} MiB"
    section.rows.append(["sandbox, over benchmark 4 (seeded database, latency runs, async aggregate)", sandbox])
    section.rows += [[f"`hpl` client: {label}", f"{mib:.0f} MiB"] for label, mib in batch.facts.items()]
    return section


def run(plan: Plan, out: Path, *, fresh_clone: bool) -> Path:
    began = time.monotonic()
    header = [
        f"Run of {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `make bench` (`python -m benchmarks.run`). "
        "Every figure is the median of repeated runs with the min–max spread; every comparison was measured "
        "side by side in this run and is given as a ratio. Profiles behind the Findings: "
        "`python -m benchmarks.profiling aggregate|sessions|async [--no-validate-responses]`.",
    ]
    use_wrk, wrk_note = tools.ensure_wrk() if plan.external_tools else (False, "not used in a smoke run")
    prism_bin, prism_note = tools.ensure_prism() if plan.external_tools else (None, "not used in a smoke run")
    vendor, vendor_note = tools.ensure_vendor_sdk() if plan.external_tools else (None, "not used in a smoke run")
    if plan.external_tools and not use_wrk:
        header.append(f"wrk unavailable ({wrk_note}); the Python load generator stood in.")
    sections: list[Section] = []
    loop, http = fast_stack()
    with tempfile.TemporaryDirectory(prefix="hpl-bench-") as scratch:
        _log(f"4. seeding {plan.devices} devices and measuring report latency")
        scale, db = bench_scale.run(
            Path(scratch),
            devices=plan.devices,
            days=180,
            seeds=plan.seeds,
            seconds=plan.latency_seconds,
            rounds=plan.latency_rounds,
            async_runs=plan.async_runs,
            use_wrk=use_wrk,
        )
        _log("1. client overhead")
        # Compatibility mode, because the vendor SDK sends the report parameters in the body only.
        with python_server("sandbox", loop=loop, http=http, db=str(db), compat=True) as sandbox:
            tokens = login(sandbox.origin)
            imeis = active_imeis(sandbox.origin, ACCOUNT)
            body, headers = aggregate_request(imeis[:10], tokens)
            sections.append(
                bench_client.run(
                    sandbox.origin,
                    f"sandbox (compatibility mode), {loop}+{http}",
                    tokens,
                    body,
                    headers,
                    rounds=plan.client_rounds,
                    calls=plan.client_calls,
                    warmup=plan.client_warmup,
                    vendor_python=vendor,
                    vendor_note=vendor_note,
                )
            )
        _log("2. batch throughput")
        # Forced answers are shared by every sandbox on a file, so the far one gets a copy of its own,
        # taken after the login so that it knows the tokens too.
        far_db = Path(scratch) / "far.db"
        with (
            python_server("sandbox", loop=loop, http=http, db=str(db)) as sandbox,
            python_server("sandbox", loop=loop, http=http, db=str(db), workers=2) as sandbox_two,
        ):
            tokens = login(sandbox.origin)
            copy_database(db, far_db)
            far = python_server("sandbox", loop=loop, http=http, db=str(far_db))
            with far as sandbox_far:
                force_latency(sandbox_far.origin, SERVICE_LATENCY_MS)
                batch = bench_batch.run(
                    [
                        bench_batch.BatchServer(f"sandbox, {loop}+{http}", sandbox),
                        bench_batch.BatchServer(f"sandbox, 2 worker processes, {loop}+{http}", sandbox_two),
                        bench_batch.BatchServer(
                            f"sandbox with {SERVICE_LATENCY_MS} ms of service latency per call, {loop}+{http}",
                            sandbox_far,
                        ),
                    ],
                    tokens,
                    body,
                    imeis[: plan.batch_imeis],
                    rounds=plan.batch_rounds,
                    concurrency=8,
                )
        sections.append(batch)
        _log("3. sandbox throughput")
        sections.append(
            bench_server.run(
                str(db),
                imeis[:10],
                rounds=plan.server_rounds,
                seconds=plan.server_seconds,
                prism_bin=prism_bin,
                prism_note=prism_note,
                use_wrk=use_wrk,
                full_stacks=plan.external_tools,
            )
        )
        sections.append(scale)
    if plan.suite:
        _log("5. suite and set-up time")
        sections.append(bench_suite.run(generate_runs=plan.generate_runs, fresh_clone=fresh_clone))
    else:
        header.append("Benchmark 5 (suite and set-up time) is not part of a smoke run.")
    sections.append(_memory(scale, batch))
    header.append(f"The whole run took {time.monotonic() - began:.0f} s.")
    findings = Path(__file__).with_name("findings.md")
    text = findings.read_text(encoding="utf-8") if findings.exists() else None
    return report.write(out, sections, header=header, quick=plan is QUICK, findings=text)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument(
        "--out", type=Path, default=None, help="where RESULTS.md goes (default: benchmarks/, or reports/bench-quick/)"
    )
    parser.add_argument("--no-fresh-clone", action="store_true", help="skip the fresh-checkout `make test` timing")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent
    out = args.out or (here.parent / "reports" / "bench-quick" if args.quick else here)
    path = run(QUICK if args.quick else FULL, out, fresh_clone=not args.no_fresh_clone)
    print(path)


if __name__ == "__main__":
    main()
