"""`hpl-contract` as a CI job meets it: a misconfigured target stops the run before any test with one
line naming the fix; a failing run exits 1, leaves no secret anywhere, writes reports a CI can read,
and removes the listeners it registered.

The targets are sandboxes served on loopback and described as a live `BASE_URL` (a mutant of it for the
failing run), so every path of the command runs as it would against a user's server.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hpl_clock_shift
import httpx
import pytest

from hpl_contract import cli
from hpl_contract.target import Target, fetch_tokens, sandbox_target
from hpl_contract.target import build_sandbox_app as build_app
from hpl_sandbox.testing import ThreadedServer
from tests.contract.mutants import MUTANTS

pytestmark = pytest.mark.skipif(bool(os.environ.get("BASE_URL")), reason="checks the command against sandboxes")

OTHER_ACCOUNT = "0844021539-00002"
UNOWNED_IMEI = "123456789012345"
RUN_TIMEOUT = 300


@pytest.fixture(scope="module")
def served() -> Iterator[Target]:
    server = ThreadedServer(build_app())
    server.start()
    try:
        yield sandbox_target(server.origin)
    finally:
        server.stop()


def live_env(target: Target, **overrides: str) -> dict[str, str]:
    login = target.logins[0]
    assert login.client_secret is not None and login.password is not None
    env = {
        "BASE_URL": target.base_url,
        "HPL_ACCOUNT": target.account,
        "HPL_IMEIS": " ".join(target.imeis[:2]),
        "HPL_CLIENT_ID": str(login.client_id),
        "HPL_CLIENT_SECRET": login.client_secret.reveal(),
        "HPL_USERNAME": str(login.username),
        "HPL_PASSWORD": login.password.reveal(),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


@dataclass
class Stopped:
    code: int
    lines: list[str]
    report_dir: Path


def run_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, env: dict[str, str], *argv: str
) -> Stopped:
    for name in list(os.environ):
        if name.startswith("HPL_") or name in ("BASE_URL", "PROFILE", "HYPOTHESIS_PROFILE"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    report_dir = tmp_path / "reports"
    code = cli.main(["--report-dir", str(report_dir), *argv])
    captured = capsys.readouterr()
    return Stopped(code, (captured.out + captured.err).splitlines(), report_dir)


def assert_stopped_with(stopped: Stopped, *fix: str) -> None:
    """Exit 2, one line, naming the fix, and no test ran (no JUnit written)."""
    assert stopped.code == cli.CANNOT_RUN
    assert len(stopped.lines) == 1, stopped.lines
    for words in fix:
        assert words in stopped.lines[0], stopped.lines[0]
    assert not (stopped.report_dir / cli.JUNIT_NAME).exists()


def test_a_wrong_path_prefix_stops_the_run_naming_the_api_path(
    served: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = live_env(served, BASE_URL=served.origin + "/api/v1")
    stopped = run_command(monkeypatch, capsys, tmp_path, env)
    assert_stopped_with(stopped, "404", "no HPL API under BASE_URL", f"{served.origin}/api/hyper-precise/v1")


def test_an_origin_without_the_path_stops_the_run_with_the_full_base_url(
    served: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stopped = run_command(monkeypatch, capsys, tmp_path, live_env(served, BASE_URL=served.origin))
    assert_stopped_with(stopped, "origin without the API path", f"use {served.origin}/api/hyper-precise/v1")


def test_refused_client_credentials_stop_the_run_naming_the_variables(
    served: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = live_env(served, HPL_CLIENT_SECRET="not-the-secret")
    stopped = run_command(monkeypatch, capsys, tmp_path, env)
    assert_stopped_with(stopped, "401", "HPL_CLIENT_ID / HPL_CLIENT_SECRET")
    assert "not-the-secret" not in stopped.lines[0]


def test_a_bogus_ready_token_stops_the_run_naming_the_token_variables(
    served: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = live_env(served, HPL_ACCESS_TOKEN="bogus-access-token", HPL_M2M_TOKEN="bogus-m2m-token")
    stopped = run_command(monkeypatch, capsys, tmp_path, env)
    assert_stopped_with(stopped, "refused the credentials", "HPL_ACCESS_TOKEN", "HPL_M2M_TOKEN")
    assert "bogus-access-token" not in stopped.lines[0] and "bogus-m2m-token" not in stopped.lines[0]


def test_an_account_the_credentials_do_not_own_stops_the_run(
    served: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stopped = run_command(monkeypatch, capsys, tmp_path, live_env(served, HPL_ACCOUNT=OTHER_ACCOUNT))
    assert_stopped_with(stopped, "403", f"do not own HPL_ACCOUNT={OTHER_ACCOUNT}", "set HPL_ACCOUNT")


def test_an_unowned_first_device_stops_the_run_naming_it(
    served: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stopped = run_command(monkeypatch, capsys, tmp_path, live_env(served, HPL_IMEIS=UNOWNED_IMEI))
    assert_stopped_with(stopped, f"HPL_IMEIS: {UNOWNED_IMEI} is not an active device", "Device Not Found")


def test_an_unowned_device_further_down_the_list_stops_the_run_naming_it(
    served: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = live_env(served, HPL_IMEIS=f"{served.imeis[0]} {UNOWNED_IMEI}")
    stopped = run_command(monkeypatch, capsys, tmp_path, env)
    assert_stopped_with(stopped, f"HPL_IMEIS: {UNOWNED_IMEI} (Device Not Found) not active devices")


def test_a_malformed_imei_stops_the_run_before_any_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = {
        "BASE_URL": "http://127.0.0.1:9/api/hyper-precise/v1",
        "HPL_ACCOUNT": "0844021539-00001",
        "HPL_IMEIS": "70931203449337X",
        "HPL_ACCESS_TOKEN": "ready-access-token",
        "HPL_M2M_TOKEN": "ready-m2m-token",
    }
    assert_stopped_with(run_command(monkeypatch, capsys, tmp_path, env), "'70931203449337X' not an IMEI (15 digits)")


def test_an_unknown_profile_stops_the_run_listing_the_known_ones(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stopped = run_command(monkeypatch, capsys, tmp_path, {}, "--profile", "bogus")
    assert_stopped_with(stopped, "unknown profile 'bogus'", "ci, dev, nightly")


def test_every_missing_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = {"BASE_URL": "http://127.0.0.1:9/api/hyper-precise/v1", "HPL_CLIENT_ID": "client"}
    stopped = run_command(monkeypatch, capsys, tmp_path, env)
    assert_stopped_with(
        stopped,
        "HPL_ACCOUNT",
        "HPL_IMEIS",
        "HPL_CLIENT_SECRET (or a ready HPL_ACCESS_TOKEN)",
        "HPL_USERNAME and HPL_PASSWORD",
    )


# --- A run that fails -----------------------------------------------------------------------------------

# Seed 000: the synchronous aggregate refuses more than 10 devices; this mutant answers the first ten.
FAILING_MUTANT = "sync_device_limit_skipped"
FAILING_RULE = "doc.sync-aggregate-max-10-devices"
SELECTED = "refuses_more_than_ten_devices or delivers_one_message_per_device or registered_listed_and_removed"


@dataclass
class FailedRun:
    returncode: int
    output: str
    report_dir: Path
    base_url: str
    secrets: tuple[str, ...]
    listeners_after: list[dict[str, str]]


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FailedRun]:
    """`hpl-contract` in a process of its own, from a directory outside the repository, against a mutant
    that breaks a documented rule, with client credentials, an M2M user and ready tokens all set, and
    tracebacks that show every local variable."""
    server = ThreadedServer(build_app(FAILING_MUTANT, MUTANTS))
    server.start()
    try:
        target = sandbox_target(server.origin)
        login = target.logins[0]
        tokens = fetch_tokens(target, login)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HPL_") and k != "BASE_URL"}
        env.update(hpl_clock_shift.environment())
        env.update(live_env(target))
        env.update(HPL_ACCESS_TOKEN=tokens.access_token.reveal(), HPL_M2M_TOKEN=tokens.m2m_token.reveal())
        secrets = tuple(env[name] for name in cli.SECRET_VARIABLES)
        workdir = tmp_path_factory.mktemp("user-project")
        report_dir = workdir / "reports"
        done = subprocess.run(
            [
                *(sys.executable, "-m", "hpl_contract.cli", "--base-url", target.base_url),
                *("--report-dir", str(report_dir), "--max-examples", "3", "--", "-k", SELECTED),
                # Local variables in tracebacks: request headers, logins, tokens, all on show.
                *("-vv", "--showlocals", "--tb=long"),
            ],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        listed = httpx.get(
            target.url("/callbacks"), params={"accountNumber": target.account}, headers=tokens.headers(), timeout=10
        )
        yield FailedRun(
            done.returncode, done.stdout + done.stderr, report_dir, target.base_url, secrets, list(listed.json())
        )
    finally:
        server.stop()


def test_a_run_that_breaks_a_documented_rule_exits_1(failed_run: FailedRun) -> None:
    assert failed_run.returncode == cli.DOES_NOT_CONFORM, failed_run.output[-3000:]
    assert FAILING_RULE in failed_run.output


def test_no_secret_appears_in_any_report_or_the_console_of_a_failing_run(failed_run: FailedRun) -> None:
    """Password, client secret and both ready tokens: none in the JUnit, Markdown, JSON or output."""
    files = sorted(failed_run.report_dir.iterdir())
    assert {f.name for f in files} == set(cli.REPORT_NAMES)
    texts = {f.name: f.read_text(encoding="utf-8") for f in files} | {"console": failed_run.output}
    leaks = [(where, secret[:4]) for where, text in texts.items() for secret in failed_run.secrets if secret in text]
    assert not leaks, leaks
    # The failure's detail is there, target fixture and all, only without its secrets.
    assert "target = Target(" in texts["contract-junit.xml"]


def test_the_json_summary_carries_the_target_totals_and_a_failed_flag(failed_run: FailedRun) -> None:
    summary = json.loads((failed_run.report_dir / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["target"] == failed_run.base_url
    assert summary["passed"] is False
    assert summary["totals"]["failed"] >= 1
    assert summary["totals"]["tests"] == sum(summary["totals"][k] for k in ("passed", "failed", "diverged", "skipped"))


def test_junit_failure_messages_are_one_line_naming_rule_operation_expected_and_seen(failed_run: FailedRun) -> None:
    root = ElementTree.parse(failed_run.report_dir / cli.JUNIT_NAME).getroot()
    messages = [f.get("message", "") for f in root.iter("failure")]
    assert messages
    for message in messages:
        assert "\n" not in message and "Error(" not in message, message
    limit = next(m for m in messages if FAILING_RULE in m)
    assert ": POST /report/aggregate: expected" in limit and "got 200" in limit, limit


def test_the_markdown_report_ends_with_a_command_that_reproduces_the_run(failed_run: FailedRun) -> None:
    markdown = (failed_run.report_dir / "contract-report.md").read_text(encoding="utf-8")
    last = markdown.rsplit("## ", 1)[1]
    assert last.startswith("How to reproduce")
    assert "pip install 'thingspace-hpl[contract]'" in last
    assert f"hpl-contract --base-url {failed_run.base_url} --profile ci --seed 20221209 --max-examples 3" in last
    # The pytest options after `--` are part of the run, so they are part of the command.
    assert f"-- -k {shlex.quote(SELECTED)} -vv --showlocals --tb=long" in last


def test_a_failing_run_removes_every_listener_it_registered(failed_run: FailedRun) -> None:
    root = ElementTree.parse(failed_run.report_dir / cli.JUNIT_NAME).getroot()
    ran = {case.get("name", "") for case in root.iter("testcase") if case.find("skipped") is None}
    # The delivery test registers the suite's listener and leaves it for later tests.
    assert "test_async_report_delivers_one_message_per_device_with_the_request_txid" in ran
    assert failed_run.listeners_after == []
