"""`make bench QUICK=1` runs and reports every benchmark, so the benchmarks cannot rot.

The smoke run is far too short for its numbers to mean anything; these tests check that the
harness measures what it says and writes it down, never how fast anything is.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.stats import paired_ratios, percentile

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("bench")
    # The command `make bench QUICK=1` runs, told to write outside the tree.
    subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out)],
        cwd=ROOT,
        check=True,
        timeout=180,
    )
    return (out / "RESULTS.md").read_text(encoding="utf-8")


def _row(results: str, starts: str) -> str:
    rows = [line for line in results.splitlines() if line.startswith("| " + starts)]
    assert rows, f"no table row starting with {starts!r}"
    return rows[0]


@pytest.mark.slow
def test_smoke_run_reports_every_benchmark_but_the_suite_timing(results: str) -> None:
    headings = re.findall(r"^## (\d)\.", results, re.MULTILINE)
    assert headings == ["1", "2", "3", "4", "6"]
    assert "Benchmark 5 (suite and set-up time) is not part of a smoke run." in results


@pytest.mark.slow
def test_smoke_run_compares_each_client_with_raw_httpx(results: str) -> None:
    for client in ("raw `httpx.Client`", "generated `hpl_client`", "`hpl.Client.aggregate`"):
        cells = _row(results, client).split(" | ")
        assert re.fullmatch(rf"{NUMBER} \({NUMBER}–{NUMBER}, n=2\)", cells[2]), cells


@pytest.mark.slow
def test_smoke_run_measures_the_sandbox_beside_the_constant_app(results: str) -> None:
    assert re.search(r"of constant \((met|\*\*missed\*\*) ≥ 0\.333\)", _row(results, "sandbox |"))
    assert re.search(rf"\| {NUMBER} \(", _row(results, "constant ASGI |"))


@pytest.mark.slow
def test_smoke_run_times_the_async_aggregate_to_its_last_callback(results: str) -> None:
    assert re.search(rf"\| {NUMBER} \({NUMBER}–{NUMBER}, n=1\) s \|", _row(results, "async aggregate of all 200"))


@pytest.mark.slow
def test_smoke_run_reports_peak_memory_of_sandbox_and_client(results: str) -> None:
    assert re.search(rf"\| {NUMBER} MiB \|", _row(results, "sandbox, over benchmark 4"))
    assert re.search(rf"\| {NUMBER} MiB \|", _row(results, "`hpl` client:"))


def test_percentile_interpolates_between_closest_ranks() -> None:
    """The q-th percentile of sorted values lies (len−1)·q/100 of the way along them."""
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 99) == pytest.approx(4.96)


def test_paired_ratios_divide_runs_of_the_same_round() -> None:
    """Round i is divided by round i, so a machine that slows down for both sides cancels out."""
    ratios = paired_ratios([110.0, 220.0, 330.0], [100.0, 200.0, 300.0])
    assert ratios.runs == 3
    assert ratios.median == ratios.low == ratios.high == pytest.approx(1.1)


def test_paired_ratios_refuse_runs_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="same number of runs"):
        paired_ratios([1.0, 2.0], [1.0])
