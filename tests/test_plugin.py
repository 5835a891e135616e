"""Issue 15 item 5: the `hpl_sandbox` pytest fixture, installed with the package, in each of its modes,
and the README's user test that relies on it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import hpl
from hpl_sandbox.app import create_app
from hpl_sandbox.testing import RunningSandbox, SandboxControl, serve, start_sandbox

README = Path(__file__).resolve().parent.parent / "README.md"
ACCOUNT = "0844021539-00001"
DEVICE = "709312034493372"


def readme_block(name: str) -> str:
    found = re.search(rf"^```python name={name}\n(?P<code>.*?)^```$", README.read_text("utf-8"), re.DOTALL | re.M)
    assert found is not None, f"README.md has no block {name}"
    return found["code"]


def test_the_fixture_serves_a_sandbox_in_this_process_by_default(hpl_sandbox: RunningSandbox) -> None:
    assert hpl_sandbox.mode == "inprocess"
    report = hpl_sandbox.client.sessions(account_number=ACCOUNT, imei=DEVICE)
    assert report.sessions
    assert [entry["status"] for entry in hpl_sandbox.control.journal("/report/sessions")] == [200]


@pytest.mark.hpl_sandbox(mode="socket")
def test_the_socket_mode_answers_plain_http_at_the_base_url(hpl_sandbox: RunningSandbox) -> None:
    assert hpl_sandbox.base_url.startswith("http://127.0.0.1:")
    answer = httpx.post(hpl_sandbox.base_url + "/report/sessions", json={}, timeout=10.0)
    assert answer.status_code == 401


@pytest.mark.hpl_sandbox(demo_devices=30)
def test_marker_keywords_configure_the_sandbox(hpl_sandbox: RunningSandbox) -> None:
    assert len(hpl_sandbox.control.devices(ACCOUNT)) == 30


def test_each_test_gets_a_fresh_sandbox(hpl_sandbox: RunningSandbox) -> None:
    # Run after the tests above in this module, each of which left calls in its own journal.
    assert hpl_sandbox.control.journal() == []


def test_the_fixture_delivers_callbacks_to_a_listener_of_the_test(hpl_sandbox: RunningSandbox) -> None:
    with hpl.CallbackListener("127.0.0.1", 0) as listener:
        hpl_sandbox.client.register_callback(account_number=ACCOUNT, name="plugin", url=listener.url)
        result = hpl.run_async_report(hpl_sandbox.client, listener, account_number=ACCOUNT, imeis=[DEVICE], timeout=30)
    assert result.complete


def test_the_async_client_reaches_the_in_process_sandbox(hpl_sandbox: RunningSandbox) -> None:
    import asyncio

    async def usage() -> list[object]:
        async with hpl_sandbox.async_client() as client:
            report = await client.aggregate(account_number=ACCOUNT, imeis=[DEVICE])
        return [item.imei for item in report.usage or []]

    assert asyncio.run(usage()) == [DEVICE]


@pytest.fixture
def running_sandbox() -> Iterator[str]:
    with serve(create_app()) as origin:
        yield origin


def test_the_external_mode_uses_hpl_sandbox_url_and_resets_it(
    running_sandbox: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SandboxControl(running_sandbox) as control:
        control.force("getSessionsReport", 500)
    monkeypatch.setenv("HPL_SANDBOX_URL", running_sandbox + "/api/hyper-precise/v1")
    with start_sandbox("external") as sandbox:
        assert sandbox.origin == running_sandbox
        assert sandbox.control.forced() == {}
        assert sandbox.client.sessions(account_number=ACCOUNT, imei=DEVICE).sessions


def test_the_external_mode_without_hpl_sandbox_url_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HPL_SANDBOX_URL", raising=False)
    with pytest.raises(RuntimeError, match="HPL_SANDBOX_URL"), start_sandbox("external"):
        pass


def test_the_control_plane_helper_moves_the_clock_and_reads_it(hpl_sandbox: RunningSandbox) -> None:
    before = hpl_sandbox.control.clock()["offset_seconds"]
    moved = hpl_sandbox.control.advance_clock(3600)
    assert moved["offset_seconds"] == pytest.approx(before + 3600)
    assert hpl_sandbox.control.reset_clock()["offset_seconds"] == 0


def test_the_readme_user_test_passes_through_the_installed_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(readme_block("plugin-user-test"), encoding="utf-8")
    # A fresh pytest outside the repository: the fixture comes from the entry point, not a conftest.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
