"""The contract suite's target (in-process sandbox or `BASE_URL`), credentials, listener and report.

Environment:
* `BASE_URL` — check a live server instead of the embedded sandbox (see `target.py` for the rest).
* `HPL_CONTRACT_MUTANT` — check a deliberately broken sandbox (`contract_tests/mutants/`).
* `HPL_CONTRACT_REPORT_DIR` — write the Markdown report there (`make contract` sets `reports/`).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import Phase, settings

from contract_tests import report
from contract_tests.listener import (
    LISTENER_NAME,
    Listener,
    register_listener,
    release_shared_listener,
    shared_listener,
    suite_callback_url,
)
from contract_tests.target import Target, release_shared_target, usable_target
from hpl_sandbox.testing import SandboxControl

if os.environ.get("HPL_CONTRACT_MUTANT"):
    # Against a mutant only "caught or not" matters; shrinking each failure would only cost time.
    settings.register_profile("mutant", parent=settings.default, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile("mutant")

RECORDER = pytest.StashKey[report.Recorder]()
# Tests that need no server (the spec, the generated code, the hooks, the mutant check) stay out of
# the report.
OFFLINE_MODULES = {"test_spec.py", "test_generated.py", "test_hooks.py", "test_mutants.py", "test_target.py"}


def _recorder(config: pytest.Config) -> report.Recorder:
    if RECORDER not in config.stash:
        config.stash[RECORDER] = report.Recorder(
            profile=os.environ.get("PROFILE", os.environ.get("HYPOTHESIS_PROFILE", "ci")),
        )
    return config.stash[RECORDER]


def _is_online_contract_test(nodeid: str) -> bool:
    path = nodeid.split("::", 1)[0]
    return path.startswith("contract_tests/") and Path(path).name not in OFFLINE_MODULES


def pytest_sessionstart(session: pytest.Session) -> None:
    # A live target is checked before collection, so that an unusable BASE_URL ends the run with its
    # fix in one line rather than inside a collection traceback.
    if os.environ.get("BASE_URL"):
        usable_target()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("BASE_URL"):
        return
    skip = pytest.mark.skip(reason="needs the sandbox's control plane (/_sandbox/); BASE_URL names another server")
    for item in items:
        if item.get_closest_marker("sandbox_only"):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    test_report: pytest.TestReport = yield
    if _is_online_contract_test(test_report.nodeid) and test_report.when in ("setup", "call"):
        _count(_recorder(item.config), test_report)
    return test_report


def _count(recorder: report.Recorder, test_report: pytest.TestReport) -> None:
    if test_report.failed:
        recorder.tests_failed += 1
        # Conformance failures are recorded with their checks by the test itself.
        if "test_conformance.py" not in test_report.nodeid:
            # The assertion at the end of a long traceback is what a reader needs.
            recorder.rule_failures.append(report.RuleFailure(test_report.nodeid, test_report.longreprtext[-3000:]))
    elif test_report.skipped:
        recorder.tests_skipped += 1
    elif test_report.when == "call":
        recorder.tests_passed += 1


def pytest_unconfigure(config: pytest.Config) -> None:
    # The target and the listener may have started while collecting, before any fixture ran.
    release_shared_target()
    release_shared_listener()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    recorder = _recorder(config)
    if not recorder.has_conformance_data:
        return
    terminalreporter.section("contract summary")
    for line in report.summary_lines(recorder):
        terminalreporter.write_line(line)
    directory = os.environ.get("HPL_CONTRACT_REPORT_DIR")
    if directory:
        path = report.write(recorder, Path(directory))
        terminalreporter.write_line(f"report: {path}")


@pytest.fixture(scope="session")
def recorder(request: pytest.FixtureRequest) -> report.Recorder:
    return _recorder(request.config)


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    """The server under test; an unusable one ends the whole run at once, with the fix."""
    found = usable_target()
    recorder = _recorder(request.config)
    recorder.target = found.base_url if not found.is_sandbox else f"embedded sandbox at {found.base_url}"
    if os.environ.get("HPL_CONTRACT_MUTANT"):
        recorder.target += f" (mutant {os.environ['HPL_CONTRACT_MUTANT']})"
    return found


@pytest.fixture(scope="session")
def sandbox(target: Target) -> Iterator[SandboxControl]:
    if not target.is_sandbox:
        pytest.skip("needs the sandbox's control plane (/_sandbox/); BASE_URL names another server")
    control = SandboxControl(target.origin)
    yield control
    control.close()


@pytest.fixture(scope="session")
def listener() -> Listener:
    """A callback receiver on loopback; only a target on this machine can reach it."""
    return shared_listener()


@pytest.fixture(scope="session")
def api(target: Target) -> Iterator[httpx.Client]:
    """An HTTP client rooted at the target's HPL base URL, without credentials."""
    with httpx.Client(base_url=target.base_url, timeout=30.0) as client:
        yield client


@pytest.fixture(scope="session")
def callback_url(target: Target, listener: Listener) -> str | None:
    return suite_callback_url(target)


@pytest.fixture(scope="session")
def listener_registered(target: Target, api: httpx.Client, callback_url: str | None) -> str:
    """The suite's listener registered for the account, so that asynchronous reports can be queued."""
    if callback_url is None:
        pytest.skip("the target cannot reach a loopback listener; set HPL_CALLBACK_URL to a listener you own")
    register_listener(api, target, LISTENER_NAME, callback_url)
    return callback_url
