"""Benchmark 5: how long the contract suite, code generation and a fresh checkout to green take."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import Section, verdict
from benchmarks.stats import Summary

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _timed(argv: list[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None) -> tuple[float, str, int]:
    """(seconds, pytest's closing line or else the last output line, exit code) of one command."""
    began = time.perf_counter()
    try:
        out = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ), check=False
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - began, f"timed out after {timeout:.0f} s", -1
    elapsed = time.perf_counter() - began
    lines = [line.strip("= ") for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    closing = [line for line in lines if re.search(r"\d+ (passed|failed|error)", line)]
    return elapsed, (closing or lines or [""])[-1], out.returncode


def _generate(runs: int) -> list[float]:
    """`make generate`'s two steps (validate the spec, run the generator), writing to a scratch directory."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            began = time.perf_counter()
            subprocess.run(
                [str(BIN / "openapi-spec-validator"), "openapi/hpl-device-reports.yaml"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                timeout=120,
            )
            subprocess.run(
                [sys.executable, "tools/generate.py", scratch], cwd=ROOT, check=True, capture_output=True, timeout=120
            )
            times.append(time.perf_counter() - began)
    return times


def _checkout(into: Path) -> None:
    """A clone of this repository with the working tree's uncommitted files laid over it."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(into)], check=True, timeout=120)
    listed = subprocess.run(
        ["git", "ls-files", "--modified", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, into / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def run(*, generate_runs: int, fresh_clone: bool) -> Section:
    section = Section(
        title="5. Suite and set-up time",
        command="see each row",
        columns=["what", "command", "seconds", "result", "target"],
    )
    env = dict(os.environ, PROFILE="ci")
    seconds, last, code = _timed(
        [sys.executable, "-m", "pytest", "src/hpl_contract", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        timeout=900,
        env=env,
    )
    section.rows.append(
        [
            "contract suite, CI profile, against the in-process sandbox",
            "`PROFILE=ci pytest src/hpl_contract`",
            f"{seconds:.1f}",
            f"exit {code}: {last}",
            f"≤ 180 s — {verdict(seconds <= 180 and code == 0)}",
        ]
    )
    generate = Summary.of(_generate(generate_runs))
    section.rows.append(
        [
            "code generation",
            "`make generate`'s steps (spec validator + `tools/generate.py`) into a scratch directory",
            generate.show("{:.2f}"),
            "ok",
            f"≤ 3 s — {verdict(generate.median <= 3)}",
        ]
    )
    if fresh_clone:
        with tempfile.TemporaryDirectory() as scratch:
            checkout = Path(scratch) / "thingspace-hpl"
            _checkout(checkout)
            clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
            clean_env["PATH"] = os.pathsep.join(
                p for p in clean_env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
            )
            seconds, last, code = _timed(["make", "test"], cwd=checkout, timeout=1200, env=clean_env)
        section.rows.append(
            [
                "fresh checkout to green, installation included",
                "`git clone` + `make test` (new .venv from requirements-dev.txt)",
                f"{seconds:.1f}",
                f"exit {code}: {last}",
                f"≤ 300 s — {verdict(seconds <= 300 and code == 0)}",
            ]
        )
        section.notes.append(
            "The fresh checkout is a `git clone` of this repository with the working tree's uncommitted files laid "
            "over it, so it tests what is about to be committed. pip's download cache is warm on this machine, as it "
            "is on a CI runner with a cache; a cold cache adds the download time."
        )
    return section
