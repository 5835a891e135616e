"""The vendor's Python SDK, `sdksio-verizon-apis-sdk` 2.0.0 (import name `verizon`), in a venv of its own.

Its pinned dependencies (requests, urllib3, jsonpickle, apimatic-core…) are none of ours, so it
never enters the project's venv: it lives in `benchmarks/.vendor-venv` (gitignored), installed on
first use and reused after that. The benchmarks (client_worker.py) and the test that drives it
against the sandbox (tests/test_vendor_sdk.py) both run it as a subprocess of that venv.

Two halves, one per interpreter:

* `ensure()` runs in the project's venv: the vendor venv's python, installing it when needed.
* `sandbox_configuration()` runs under the vendor venv's python: a `verizon` Configuration aimed at
  a local server. It imports `verizon` inside, so this module needs only the standard library.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "benchmarks" / ".vendor-venv"
DISTRIBUTION = "sdksio-verizon-apis-sdk"
VERSION = "2.0.0"
REQUIREMENT = f"{DISTRIBUTION}=={VERSION}"
INSTALL_TIMEOUT = 600
# The host every production URL of the SDK starts with (vendor-sdk.md §1.6); the paths after it are
# the ones the sandbox serves (D1).
PRODUCTION_ORIGIN = "https://thingspace.verizon.com"


class VendorSdkUnavailable(RuntimeError):
    """pip could not install the pinned vendor SDK (no index, no network, no such version)."""


def _run(argv: list[str]) -> str | None:
    """None on success, else what went wrong (the command and the tail of its output)."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{argv[0]}: {exc}"
    if out.returncode != 0:
        return f"`{' '.join(argv)}` exited {out.returncode}: {(out.stderr or out.stdout).strip()[-500:]}"
    return None


def _probe(python: Path) -> str | None:
    # The version too: a venv left from another pin must be upgraded, not trusted.
    check = (
        "import importlib.metadata as m, verizon.verizon_client; "
        f"v = m.version({DISTRIBUTION!r}); assert v == {VERSION!r}, v"
    )
    return _run([str(python), "-c", check]) if python.exists() else f"{python} does not exist"


def ensure(venv: Path = VENV) -> Path:
    """The python of a venv holding exactly `sdksio-verizon-apis-sdk==2.0.0`, installed on first use.

    Raises `VendorSdkUnavailable` when pip cannot install it, and RuntimeError when anything else
    fails (the venv cannot be made, or the installed package does not import).
    """
    python = venv / "bin" / "python"
    if _probe(python) is None:
        return python
    venv.mkdir(parents=True, exist_ok=True)
    # Two test processes (or a test and `make bench`) may both find it missing; one installs.
    with (venv / ".install-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _probe(python) is None:
            return python
        problem = _run([sys.executable, "-m", "venv", str(venv)])
        if problem is not None:
            raise RuntimeError(f"cannot create the vendor SDK's venv: {problem}")
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", REQUIREMENT]
        problem = _run(pip)
        if problem is not None:
            raise VendorSdkUnavailable(f"pip cannot install {REQUIREMENT}: {problem}")
        problem = _probe(python)
        if problem is not None:
            raise RuntimeError(f"{REQUIREMENT} is installed in {venv} but does not import: {problem}")
    return python


def sandbox_configuration(origin: str, **options: Any) -> Any:
    """A `verizon.configuration.Configuration` whose every server is on `origin` (e.g. the sandbox's
    `http://127.0.0.1:8080`); `options` go to its constructor (credentials, timeout…).

    The SDK has no base-URL setting: its URLs sit in `Configuration.environments`, one table per
    environment, all on Verizon's hosts (vendor-sdk.md §1.6). The production URLs are moved onto
    `origin`, which keeps their paths: `/api/ts/v1/oauth2/token`, `/api/m2m/v1/session/login`,
    `/api/hyper-precise/v1/...`, where the sandbox serves them (D1).
    """
    from verizon.configuration import Configuration

    target = origin.rstrip("/")

    class SandboxConfiguration(Configuration):  # type: ignore[misc]
        def get_base_uri(self, *args: Any, **kwargs: Any) -> str:
            url = str(super().get_base_uri(*args, **kwargs))
            return target + url.removeprefix(PRODUCTION_ORIGIN) if url.startswith(PRODUCTION_ORIGIN) else url

        def clone_with(self, **kwargs: Any) -> Any:
            # The SDK's clone_with builds a plain Configuration, which would go back to Verizon's hosts.
            clone = super().clone_with(**kwargs)
            clone.__class__ = SandboxConfiguration
            return clone

    return SandboxConfiguration(**options)
