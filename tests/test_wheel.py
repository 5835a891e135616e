"""Issue 15 items 1 and 8, end to end: the built wheel, installed with its `[contract]` extra into a
fresh venv outside the repository, gives a sandbox that finds its spec and checks `uri`, an `hpl`
that knows its version, types that `mypy --strict` accepts in a user's script, an `hpl-contract` that
finds the installed sandbox conforming, and an `hpl_sandbox` fixture a user's pytest test gets."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hpl_clock_shift
import httpx
import pytest

from tests.serving import free_port

ROOT = Path(__file__).resolve().parent.parent
REPO_SPEC = ROOT / "openapi" / "hpl-device-reports.yaml"
VERSION = importlib.metadata.version("thingspace-hpl")

pytestmark = pytest.mark.slow

USER_SCRIPT = """\
import hpl


def count_sessions(client: hpl.Client, imei: str) -> int:
    report = client.sessions(account_number="0844021539-00001", imei=imei)
    return len(report.sessions or [])


with hpl.Client(sandbox=True) as client:
    print(count_sessions(client, "709312034493372"), hpl.__version__)
"""


USER_TEST = """\
import hpl


def test_my_code_reads_the_sandbox(hpl_sandbox):
    report = hpl_sandbox.client.sessions(account_number="0844021539-00001", imei="709312034493372")
    assert report.sessions


def test_my_code_sees_a_refusal(hpl_sandbox):
    hpl_sandbox.control.force("getSessionsReport", 403)
    try:
        hpl_sandbox.client.sessions(account_number="0844021539-00001", imei="709312034493372")
    except hpl.PermissionDeniedError:
        return
    raise AssertionError("the forced 403 did not reach the caller")
"""


@dataclass
class Installed:
    venv: Path
    bin: Path
    workdir: Path

    def env(self, **extra: str) -> dict[str, str]:
        """A user's environment: nothing of this repository's, except the suite's clock switch, which
        reaches every process the tests start."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("HPL_", "PYTHON", "VIRTUAL_ENV"))}
        return env | hpl_clock_shift.environment() | extra

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=self.workdir, capture_output=True, text=True, timeout=timeout, env=self.env())


def _time_machine_requirement() -> str:
    """The pinned time-machine of requirements-dev.txt, which the clock switch needs in the fresh venv too."""
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    return next(line.split("#")[0].strip() for line in lines if line.startswith("time-machine=="))


def _source_copy(into: Path) -> Path:
    """What the wheel is built from, outside the repository, so that a build leaves no build/ or
    egg-info in the working tree (and a stray file in it cannot reach the wheel)."""
    source = into / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    shutil.copytree(ROOT / "generated", source / "generated", ignore=shutil.ignore_patterns("__pycache__"))
    (source / "openapi").mkdir()
    shutil.copy2(REPO_SPEC, source / "openapi" / REPO_SPEC.name)
    return source


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = _source_copy(base)
    wheels = base / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = wheels.glob("thingspace_hpl-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    workdir = base / "user"
    workdir.mkdir()
    target = Installed(venv, venv / "bin", workdir)
    install = target.run(
        str(target.bin / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        f"{wheel}[contract]",
        *([_time_machine_requirement()] if hpl_clock_shift.active() else []),
        timeout=300,
    )
    if install.returncode != 0 and "No matching distribution" in install.stderr + install.stdout:
        pytest.skip(f"the package index cannot be reached to install the dependencies: {install.stderr[-300:]}")
    assert install.returncode == 0, install.stderr
    return target


def test_the_installed_sandbox_finds_the_packaged_spec(installed: Installed) -> None:
    found = installed.run(
        str(installed.bin / "python"),
        "-c",
        "from hpl_sandbox.spec import default_spec_path; print(default_spec_path())",
    )
    assert found.returncode == 0, found.stderr
    path = Path(found.stdout.strip())
    assert installed.venv in path.parents
    assert path.read_bytes() == REPO_SPEC.read_bytes()


def test_the_installed_venv_keeps_the_suite_s_clock(installed: Installed) -> None:
    # Under HPL_TEST_CLOCK_SHIFT the suite's clock is moved; the user's venv must be moved with it.
    shown = installed.run(str(installed.bin / "python"), "-c", "import time; print(time.time())")
    assert shown.returncode == 0, shown.stderr
    assert abs(float(shown.stdout) - time.time()) < 60, shown.stderr


def test_hpl_version_prints_the_package_version(installed: Installed) -> None:
    for command in ("hpl", "hpl-sandbox"):
        shown = installed.run(str(installed.bin / command), "--version")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == f"{command} {VERSION}\n"


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(installed.bin / "hpl-sandbox"),
            "serve",
            "--port",
            str(port),
            "--db",
            ":memory:",
            "--log-level",
            "warning",
        ],
        cwd=installed.workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=installed.env(),
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(origin + "/_sandbox/clock", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise AssertionError(
                        f"the installed hpl-sandbox did not start: {process.communicate()[1]}"
                    ) from None
                time.sleep(0.2)
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_installed_sandbox_refuses_a_uri_that_is_not_one(served: str) -> None:
    token = httpx.post(
        served + "/api/ts/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=("sandbox-client-1", "sandbox-secret-1"),
    ).json()["access_token"]
    session = httpx.post(
        served + "/api/m2m/v1/session/login",
        json={"username": "sandbox-user-1", "password": "sandbox-password-1"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["sessionToken"]
    answer = httpx.post(
        served + "/api/hyper-precise/v1/callbacks",
        params={"accountNumber": "0844021539-00001"},
        content=b'{"name": "bad", "url": "https://\\u00cf"}',
        headers={"Authorization": f"Bearer {token}", "VZ-M2M-Token": session, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert "uri" in answer.json()["errorMessage"]


def test_a_user_script_runs_and_is_clean_under_mypy_strict(installed: Installed, served: str) -> None:
    script = installed.workdir / "report.py"
    script.write_text(USER_SCRIPT, encoding="utf-8")
    ran = subprocess.run(
        [str(installed.bin / "python"), str(script)],
        cwd=installed.workdir,
        capture_output=True,
        text=True,
        timeout=60,
        env=installed.env(HPL_SANDBOX_URL=served),
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split()[1] == VERSION
    # This project's mypy, looking only at what the fresh venv installed (PEP 561), as a user's would.
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    assert mypy is not None
    checked = installed.run(
        mypy,
        "--strict",
        "--no-incremental",
        "--config-file",
        os.devnull,
        "--python-executable",
        str(installed.bin / "python"),
        str(script),
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_installed_hpl_contract_finds_the_installed_sandbox_conforming(installed: Installed, served: str) -> None:
    """The CI profile with few examples keeps this to a few tens of seconds; the suite is the installed one."""
    reports = installed.workdir / "contract-reports"
    env = installed.env(
        HPL_ACCOUNT="0844021539-00001",
        HPL_IMEIS="709312034493372 709312035000000",
        HPL_CLIENT_ID="sandbox-client-1",
        HPL_CLIENT_SECRET="sandbox-secret-1",
        HPL_USERNAME="sandbox-user-1",
        HPL_PASSWORD="sandbox-password-1",
    )
    ran = subprocess.run(
        [
            *(str(installed.bin / "hpl-contract"), "--base-url", served + "/api/hyper-precise/v1"),
            *("--report-dir", str(reports), "--profile", "ci", "--max-examples", "5"),
        ],
        cwd=installed.workdir,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert str(installed.venv) in ran.stdout, "the suite that ran is not the installed one"
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["passed"] is True and summary["totals"]["passed"] > 0
    assert "sandbox-secret-1" not in ran.stdout + (reports / "contract-junit.xml").read_text(encoding="utf-8")


def test_a_user_test_gets_the_sandbox_through_the_installed_plugin(installed: Installed) -> None:
    (installed.workdir / "test_user_code.py").write_text(USER_TEST, encoding="utf-8")
    ran = installed.run(
        str(installed.bin / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user_code.py"
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    assert "2 passed" in ran.stdout
