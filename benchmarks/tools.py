"""The bench-only tools: wrk, Prism and the vendor SDK, installed on first use where this machine allows.

Each `ensure_*` returns what to run, or None and the reason it cannot, so a missing tool skips its
row with that reason instead of failing the whole run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tools import vendor_sdk

HERE = Path(__file__).resolve().parent
PRISM_VERSION = "5.14.2"
INSTALL_TIMEOUT = 600


def _run(argv: list[str], cwd: Path | None = None) -> str | None:
    """None on success, else the last lines of what went wrong."""
    try:
        out = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{argv[0]}: {exc}"
    if out.returncode != 0:
        return f"`{' '.join(argv)}` exited {out.returncode}: {(out.stderr or out.stdout).strip()[-300:]}"
    return None


def ensure_wrk() -> tuple[bool, str]:
    if shutil.which("wrk"):
        return True, "installed"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False, "wrk is not installed, and apt-get needs root (Debian: `apt-get install -y wrk`)"
    problem = _run(["apt-get", "update", "-qq"]) or _run(["apt-get", "install", "-y", "-qq", "wrk"])
    return (problem is None and shutil.which("wrk") is not None), (problem or "installed with apt-get")


def ensure_prism() -> tuple[Path | None, str]:
    prism = HERE / ".prism" / "node_modules" / ".bin" / "prism"
    if prism.exists():
        return prism, "installed"
    if not shutil.which("npm"):
        return None, "npm is not installed, so Prism cannot be"
    (HERE / ".prism").mkdir(exist_ok=True)
    problem = _run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", f"@stoplight/prism-cli@{PRISM_VERSION}"],
        cwd=HERE / ".prism",
    )
    return (prism if prism.exists() else None), (problem or "installed with npm")


def ensure_vendor_sdk() -> tuple[Path | None, str]:
    try:
        return vendor_sdk.ensure(), f"{vendor_sdk.REQUIREMENT} in {vendor_sdk.VENV.relative_to(vendor_sdk.ROOT)}"
    except RuntimeError as problem:
        return None, str(problem)
