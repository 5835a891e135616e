"""A run aimed at a target it cannot use stops at once, saying how to fix it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.serving import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_an_unreachable_base_url_ends_the_run_with_the_fix() -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/hyper-precise/v1"
    env = {
        **os.environ,
        "BASE_URL": closed,
        "HPL_ACCESS_TOKEN": "token",
        "HPL_M2M_TOKEN": "token",
        "HPL_ACCOUNT": "0844021539-00001",
        "HPL_IMEIS": "709312034493372",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "src/hpl_contract/test_reports.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stdout[-2000:]
    assert f"contract target unusable: cannot reach BASE_URL={closed}" in result.stdout
    assert "unset BASE_URL to check the embedded sandbox" in result.stdout
    assert "passed" not in result.stdout.splitlines()[-1]
