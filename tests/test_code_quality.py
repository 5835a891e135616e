"""Hand-written code passes ruff and mypy --strict, so CI (which runs only `make test`) holds it there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HAND_WRITTEN = ["src", "tools", "tests", "benchmarks", "conftest.py"]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "command",
    [("check",), ("format", "--check")],
    ids=["ruff-check", "ruff-format"],
)
def test_hand_written_code_passes_ruff(command: tuple[str, ...]) -> None:
    result = run(str(BIN / "ruff"), *command, *HAND_WRITTEN)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hand_written_code_passes_mypy_strict() -> None:
    result = run(sys.executable, "-m", "mypy", "--strict", *HAND_WRITTEN)
    assert result.returncode == 0, result.stdout + result.stderr
