"""Against a server other than the embedded sandbox, a broken decision of this project is reported as a
divergence and the run passes, unless the strict switch is on; a broken documented rule fails the run.

Proved with mutants of the sandbox (`tests/contract/mutants/`) served on loopback and checked as a
`BASE_URL`, each through the one or two contract tests that see it, in a pytest process of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hpl_clock_shift
import pytest

from hpl_contract.target import Login, fetch_tokens, sandbox_target
from hpl_contract.target import build_sandbox_app as build_app
from tests.contract.mutants import MUTANTS
from tests.serving import ThreadedServer

ROOT = Path(__file__).resolve().parents[2]
HEADER_TEST = "src/hpl_contract/test_rules.py::test_a_header_disagreeing_with_the_body_is_refused"
LIMIT_TEST = "src/hpl_contract/test_rules.py::test_sync_aggregate_refuses_more_than_ten_devices"
ERROR_TEST = "src/hpl_contract/test_reports.py::test_every_error_answer_carries_the_error_model"
RUN_TIMEOUT = 300

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("BASE_URL")), reason="mutants are variants of the embedded sandbox"),
]


@dataclass
class Run:
    returncode: int
    output: str
    summary: dict[str, Any]
    markdown: str
    secrets: tuple[str, ...]

    def leaked(self) -> list[str]:
        text = self.output + json.dumps(self.summary) + self.markdown
        return [secret for secret in self.secrets if secret in text]


@dataclass
class Served:
    env: dict[str, str]
    secrets: tuple[str, ...]


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    """The mutant named by the test's parameter, on loopback, described as a live target."""
    server = ThreadedServer(build_app(request.param, MUTANTS))
    server.start()
    try:
        target = sandbox_target(server.origin)
        login = target.logins[0]
        # Ready tokens fetched here, so that the test knows every secret the run could leak.
        tokens = fetch_tokens(target, login)
        env = {key: value for key, value in os.environ.items() if not key.startswith("HPL_")}
        env.update(hpl_clock_shift.environment())
        env.update(
            # Names the mutant in the report and spares shrinking (conftest.py): only the verdict matters.
            HPL_CONTRACT_MUTANT=request.param,
            BASE_URL=target.base_url,
            HPL_ACCOUNT=target.account,
            HPL_IMEIS=" ".join(target.imeis),
            HPL_ACCESS_TOKEN=tokens.access_token.reveal(),
            HPL_M2M_TOKEN=tokens.m2m_token.reveal(),
            HPL_CLIENT_ID=str(login.client_id),
            HPL_CLIENT_SECRET=login.client_secret.reveal() if login.client_secret else "",
        )
        yield Served(env, _secrets(login, tokens.access_token.reveal(), tokens.m2m_token.reveal()))
    finally:
        server.stop()


def _secrets(login: Login, access_token: str, m2m_token: str) -> tuple[str, ...]:
    hidden = (login.client_secret, login.password)
    return tuple(s for s in (*(h.reveal() for h in hidden if h), access_token, m2m_token) if s)


def run_suite(served: Served, tmp_path: Path, tests: list[str], *options: str, strict: bool = False) -> Run:
    env = {**served.env, "HPL_CONTRACT_REPORT_DIR": str(tmp_path)}
    if strict:
        env["HPL_CONTRACT_STRICT"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=-ra --strict-markers"]
    done = subprocess.run(
        [*command, *options, *tests],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    summary_path, report_path = tmp_path / "contract-summary.json", tmp_path / "contract-report.md"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    markdown = report_path.read_text() if report_path.exists() else ""
    return Run(done.returncode, done.stdout + done.stderr, summary, markdown, served.secrets)


@pytest.mark.parametrize("served", ["header_body_disagreement_accepted"], indirect=True)
def test_a_broken_decision_is_reported_as_a_divergence_and_the_run_passes(served: Served, tmp_path: Path) -> None:
    """A server that accepts a header disagreeing with its body breaks D2: the run passes, the test is
    an xfail naming D2, and both reports list the divergence with its request as curl (credentials as
    shell variables), what was expected and what came back."""
    run = run_suite(served, tmp_path, [HEADER_TEST])
    assert run.returncode == 0, run.output[-3000:]
    assert "1 xfailed" in run.output, run.output[-3000:]
    assert "divergence from this project's decision: D2.header-body-agreement (D2)" in run.output
    [divergence] = run.summary["divergences"]
    assert divergence["rule"] == "D2.header-body-agreement"
    assert divergence["decision"] == "D2"
    assert divergence["request"].startswith("curl -X POST ")
    assert '"Authorization: Bearer $HPL_ACCESS_TOKEN"' in divergence["request"]
    assert '"VZ-M2M-Token: $HPL_M2M_TOKEN"' in divergence["request"]
    assert "expected 400" in divergence["expected"]
    assert divergence["came_back"].startswith("200: ")
    assert run.summary["sources"]["decision"]["rules"]["D2.header-body-agreement"]["diverged"] == 1
    assert run.summary["tests"] == {"passed": 0, "failed": 0, "diverged": 1, "skipped": 0}
    assert "## Divergences from this project's decisions" in run.markdown
    assert "### `D2.header-body-agreement` (decision D2)" in run.markdown
    assert "* Why we decided so: docs/decisions.md#d2-header-parameters-and-the-body" in run.markdown
    assert divergence["decision_sections"] == ["docs/decisions.md#d2-header-parameters-and-the-body"]
    assert not run.leaked(), "a secret appears in the output or the reports"


@pytest.mark.parametrize("served", ["header_body_disagreement_accepted"], indirect=True)
@pytest.mark.parametrize("switch", ["HPL_CONTRACT_STRICT=1", "--strict-decisions"])
def test_the_strict_switch_fails_the_run_on_a_divergence(served: Served, tmp_path: Path, switch: str) -> None:
    """With the strict switch (the variable or the option) the same D2 divergence fails the run, and
    is still listed as a divergence."""
    if switch.startswith("--"):
        run = run_suite(served, tmp_path, [HEADER_TEST], switch)
    else:
        run = run_suite(served, tmp_path, [HEADER_TEST], strict=True)
    assert run.returncode == 1, run.output[-3000:]
    assert "1 failed" in run.output, run.output[-3000:]
    assert [d["rule"] for d in run.summary["divergences"]] == ["D2.header-body-agreement"]
    assert run.summary["strict"] is True
    assert not run.leaked(), "a secret appears in the output or the reports"


@pytest.mark.parametrize("served", ["sync_device_limit_skipped"], indirect=True)
def test_a_broken_documented_rule_fails_the_run_without_the_switch(served: Served, tmp_path: Path) -> None:
    """A server that answers a synchronous aggregate of more than 10 devices breaks what Verizon
    documents (seed 000, "Max 10"): the run fails without any switch, and nothing is a divergence."""
    run = run_suite(served, tmp_path, [LIMIT_TEST])
    assert run.returncode == 1, run.output[-3000:]
    assert "1 failed" in run.output, run.output[-3000:]
    assert run.summary["divergences"] == []
    [failure] = run.summary["failures"]
    assert failure["rules"] == ["doc.sync-aggregate-max-10-devices"]
    assert run.summary["sources"]["documented"]["rules"]["doc.sync-aggregate-max-10-devices"]["failed"] == 1
    assert not run.leaked(), "a secret appears in the output or the reports"


@pytest.mark.parametrize("served", ["error_gateway_envelope"], indirect=True)
def test_errors_in_the_gateway_envelope_are_divergences_from_d5(served: Served, tmp_path: Path) -> None:
    """A server that answers errors in the gateway envelope still meets the documented error model (a
    published envelope, the documented statuses) and diverges only from D5: the run passes."""
    run = run_suite(served, tmp_path, [ERROR_TEST])
    assert run.returncode == 0, run.output[-3000:]
    assert "6 xfailed" in run.output, run.output[-3000:]
    assert {d["rule"] for d in run.summary["divergences"]} == {"D5.error-envelope"}
    assert all('"fault"' in d["came_back"] for d in run.summary["divergences"])
    assert run.summary["sources"]["documented"]["failed"] == 0
    assert not run.leaked(), "a secret appears in the output or the reports"
