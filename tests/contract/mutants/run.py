"""Run the contract suite against the true sandbox and against every mutant; print who caught what.

    python -m tests.contract.mutants.run            # the whole suite per mutant (make mutants)
    python -m tests.contract.mutants.run --quick    # only each mutant's `caught_by` tests

Exit status 0 only when the true sandbox passes and every mutant is caught.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.contract.mutants import CATALOGUE, MUTANTS

ROOT = Path(__file__).resolve().parents[3]
# What `make contract` runs: every module that talks to the target.
SUITE = ("src/hpl_contract",)
TRUE_SANDBOX = "(true sandbox)"
# The quick subsets queue few asynchronous reports, so their deliveries come at once; a mutant that
# loses callbacks then costs seconds, not the full suite's patient wait behind the conformance backlog.
QUICK_DELIVERY_TIMEOUT = "6"
RUN_TIMEOUT = 900


@dataclass
class Outcome:
    name: str
    failed_tests: list[str]
    errors: str
    seconds: float
    returncode: int

    @property
    def caught(self) -> bool:
        return bool(self.failed_tests)


def _failed_tests(junit: Path) -> list[str]:
    if not junit.exists():
        return []
    failed = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").rsplit(".", 1)[-1]
            failed.append(f"{module}::{case.get('name')}")
    return failed


def run_suite(mutant: str | None, tests: tuple[str, ...], workdir: Path, quick: bool) -> Outcome:
    """One pytest process over `tests` against the true sandbox (None) or the named mutant."""
    name = mutant or TRUE_SANDBOX
    junit = workdir / f"{mutant or 'true-sandbox'}.xml"
    env = {key: value for key, value in os.environ.items() if key not in ("BASE_URL", "HPL_CONTRACT_REPORT_DIR")}
    # A mutant runs as the embedded sandbox, where every rule must hold; strict says so even if a
    # future change let divergences reach these runs, so that a mutant is never excused as one.
    env["HPL_CONTRACT_STRICT"] = "1"
    if quick:
        env["HPL_CONTRACT_DELIVERY_TIMEOUT"] = QUICK_DELIVERY_TIMEOUT
    if mutant:
        env["HPL_CONTRACT_MUTANT"] = mutant
        env["HPL_CONTRACT_MUTANTS"] = __package__ or "tests.contract.mutants"
    else:
        env.pop("HPL_CONTRACT_MUTANT", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--no-header",
        "-o",
        "addopts=--strict-markers",
        f"--junitxml={junit}",
        *tests,
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
        )
        returncode, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        returncode, output = -1, f"timed out after {RUN_TIMEOUT} s: {expired}"
    failed = _failed_tests(junit)
    # Exit 1 means tests failed; anything else (e.g. a crash at start-up) is not a catch.
    errors = "" if returncode in (0, 1) else output[-2000:]
    if errors:
        failed = []
    return Outcome(name, failed, errors, time.monotonic() - started, returncode)


def table(outcomes: list[Outcome]) -> list[str]:
    rows = [("variant", "caught?", "seconds", "failing tests")]
    for outcome in outcomes:
        if outcome.name == TRUE_SANDBOX:
            verdict = "passes" if outcome.returncode == 0 else "FAILS"
        else:
            verdict = "caught" if outcome.caught else "SURVIVED"
        shown = ", ".join(outcome.failed_tests[:4])
        if len(outcome.failed_tests) > 4:
            shown += f", +{len(outcome.failed_tests) - 4} more"
        if outcome.errors:
            shown = "did not run: " + outcome.errors.strip().splitlines()[-1][:120]
        rows.append((outcome.name, verdict, f"{outcome.seconds:.1f}", shown or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return ["  ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)), row[3]]) for row in rows]


def run_all(quick: bool, jobs: int, only: list[str] | None = None) -> tuple[list[Outcome], bool]:
    mutants = [m for m in CATALOGUE if not only or m.name in only]
    with tempfile.TemporaryDirectory(prefix="hpl-mutants-") as tmp:
        workdir = Path(tmp)
        baseline_tests = tuple(sorted({t for m in mutants for t in m.caught_by})) if quick else SUITE
        plans: list[tuple[str | None, tuple[str, ...]]] = [(None, baseline_tests)]
        plans += [(m.name, m.caught_by if quick else SUITE) for m in mutants]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outcomes = list(pool.map(lambda plan: run_suite(plan[0], plan[1], workdir, quick), plans))
    baseline, rest = outcomes[0], outcomes[1:]
    ok = baseline.returncode == 0 and all(o.caught for o in rest)
    return outcomes, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="run only each mutant's caught_by tests")
    parser.add_argument("--jobs", type=int, default=2, help="pytest processes at a time (default 2)")
    parser.add_argument("mutants", nargs="*", help=f"only these mutants (of {', '.join(MUTANTS)})")
    args = parser.parse_args(argv)
    unknown = [name for name in args.mutants if name not in MUTANTS]
    if unknown:
        parser.error(f"unknown mutants: {', '.join(unknown)}")
    outcomes, ok = run_all(args.quick, max(1, args.jobs), args.mutants or None)
    for line in table(outcomes):
        print(line)
    caught = sum(o.caught for o in outcomes[1:])
    verdict = "passes" if outcomes[0].returncode == 0 else "FAILS"
    print(f"\n{caught}/{len(outcomes) - 1} mutants caught; true sandbox {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
