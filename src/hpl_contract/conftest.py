"""The contract suite's target (in-process sandbox or `BASE_URL`), credentials, listener and report.

Environment:
* `BASE_URL` — check a live server instead of the embedded sandbox (see `target.py` for the rest).
* `HPL_CONTRACT_MUTANT` — check a deliberately broken sandbox of the module `HPL_CONTRACT_MUTANTS`
  names (in the repository `tests.contract.mutants`, set by its root conftest.py).
* `HPL_CONTRACT_REPORT_DIR` — write the Markdown report there (`make contract` sets `reports/`).
* `HPL_CONTRACT_STRICT=1` (or `--strict-decisions`) — against a `BASE_URL`, fail the run on a
  divergence from a decision too; without it a test that broke only decisions (`rules.py`) is
  reported as a divergence (an xfail with the rule) and the run passes.
* `PROFILE`, `HPL_CONTRACT_MAX_EXAMPLES`, `HPL_CONTRACT_SEED`, `HPL_CONTRACT_INCLUDE` / `_EXCLUDE` —
  see `profiles.py` and `test_conformance.py`; `hpl-contract` (cli.py) sets them from its options.

A failed test's report is redacted (the run's secrets become the variables that hold them) and its
one-line message names the rule, the operation and what was expected and seen, for JUnit readers.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import Phase, settings

from hpl_contract import profiles, report, rules, wire
from hpl_contract.listener import (
    LISTENER_NAME,
    Listener,
    register_listener,
    release_shared_listener,
    remember_listeners,
    restore_listeners,
    shared_listener,
    suite_callback_url,
)
from hpl_contract.target import Target, opened_target, release_shared_target, usable_target
from hpl_sandbox.testing import SandboxControl

profiles.load()
if os.environ.get("HPL_CONTRACT_MUTANT"):
    # Against a mutant only "caught or not" matters; shrinking each failure would only cost time.
    settings.register_profile("mutant", parent=settings.default, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile("mutant")

RECORDER = pytest.StashKey[report.Recorder]()
# Every test module of this package talks to the target; the offline checks live in tests/contract/.
SUITE_DIR = Path(__file__).resolve().parent


STRICT_OPTION = "--strict-decisions"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        STRICT_OPTION,
        action="store_true",
        default=False,
        help="against BASE_URL, fail the run on a divergence from one of this project's decisions "
        "(same as HPL_CONTRACT_STRICT=1)",
    )


# Registered here too, so that the suite runs under any configuration (an installed `hpl-contract`).
MARKERS = (
    "sandbox_only: needs the in-repo sandbox's control plane; skipped against other targets",
    "rule(id, ...): the rules a contract test checks, each from Verizon's documentation or a decision",
)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)


def _strict(config: pytest.Config) -> bool:
    option = bool(config.getoption(STRICT_OPTION, default=False))
    return option or os.environ.get("HPL_CONTRACT_STRICT", "").strip().lower() in ("1", "true", "yes")


def _against_sandbox() -> bool:
    """The embedded sandbox (a mutant of it too) must hold every rule; any BASE_URL may diverge."""
    return not os.environ.get("BASE_URL")


def _recorder(config: pytest.Config) -> report.Recorder:
    if RECORDER not in config.stash:
        config.stash[RECORDER] = report.Recorder(
            profile=profiles.requested(),
            sandbox=_against_sandbox(),
            strict=_strict(config),
            reproduce=report.reproduce_command(os.environ, strict=_strict(config)),
        )
    return config.stash[RECORDER]


def _is_online_contract_test(item: pytest.Item) -> bool:
    return item.path.resolve().parent == SUITE_DIR


def pytest_sessionstart(session: pytest.Session) -> None:
    # A live target is checked before collection, so that an unusable BASE_URL ends the run with its
    # fix in one line rather than inside a collection traceback.
    if os.environ.get("BASE_URL"):
        usable_target()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Without a label a failure could not say whether Verizon or this project set the rule.
    unlabelled = rules.unlabelled(item for item in items if _is_online_contract_test(item))
    if unlabelled:
        raise pytest.UsageError(
            "contract tests without a rule label (@rule(...) from hpl_contract/rules.py): " + ", ".join(unlabelled)
        )
    if not os.environ.get("BASE_URL"):
        return
    skip = pytest.mark.skip(reason="needs the sandbox's control plane (/_sandbox/); BASE_URL names another server")
    for item in items:
        if item.get_closest_marker("sandbox_only"):
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Evidence belongs to one test: what an earlier test sent must not pose as this one's request.
    rules.reset_evidence()
    wire.forget()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    test_report: pytest.TestReport = yield
    if _is_online_contract_test(item) and test_report.when in ("setup", "call"):
        recorder = _recorder(item.config)
        broken: set[str] = set()
        if test_report.failed and test_report.when == "call":
            broken = _judge(item, call, test_report, recorder)
        if test_report.failed or (hasattr(test_report, "wasxfail") and call.excinfo is not None):
            _redact(item, call, test_report)
        _count(recorder, test_report, rules.labels(item), broken)
    return test_report


@dataclass
class _Crash:
    """What pytest's JUnit writer and short summary read off a failure: one line."""

    path: str
    lineno: int
    message: str


class _RedactedFailure:
    """A failure's long report with the run's secrets replaced, and a one-line message."""

    def __init__(self, text: str, crash: _Crash) -> None:
        self.text = text
        self.reprcrash = crash

    def toterminal(self, out: Any) -> None:
        for line in self.text.splitlines():
            out.line(line)

    def __str__(self) -> str:
        return self.text


def _redact(item: pytest.Item, call: pytest.CallInfo[None], test_report: pytest.TestReport) -> None:
    redactor = _redactor()
    error = call.excinfo.value if call.excinfo is not None else None
    text = redactor.text(test_report.longreprtext)
    line = redactor.text(report.one_line(_operation(item), error, rules.breaches(), rules.labels(item)))
    test_report.longrepr = _RedactedFailure(text, _Crash(str(item.path), 0, line))  # type: ignore[assignment]


def _operation(item: pytest.Item) -> str:
    """The operation a test exercised: the last request on the wire, else the schemathesis case's label."""
    exchange = wire.last_exchange()
    if exchange is not None and exchange.method:
        target = opened_target()
        path = urlsplit(exchange.url).path
        prefix = urlsplit(target.base_url).path if target is not None else ""
        return f"{exchange.method} {path.removeprefix(prefix) if prefix else path}"
    callspec = getattr(item, "callspec", None)
    return str(callspec.id) if callspec is not None else item.name


def _judge(
    item: pytest.Item, call: pytest.CallInfo[None], test_report: pytest.TestReport, recorder: report.Recorder
) -> set[str]:
    """The rules a failed test broke; a break of decisions alone, against a target other than the
    sandbox, is recorded as a divergence and, unless strict, turned from a failure into an xfail."""
    error = call.excinfo.value if call.excinfo is not None else None
    broken, about_the_server = rules.broken_rules(error, rules.labels(item))
    if recorder.sandbox or not about_the_server or not rules.only_decisions(broken):
        return broken
    redactor = _redactor()
    evidence = {b.rule: b for b in rules.breaches()}
    message = _message(error)
    for rule_id in sorted(broken):
        breach = evidence.get(rule_id)
        exchange = breach.exchange if breach is not None and breach.exchange is not None else wire.last_exchange()
        expected = f"{rules.RULES[rule_id].statement}\n{breach.expected if breach is not None else message}"
        recorder.divergences.append(
            report.Divergence(
                rule=rule_id,
                test=test_report.nodeid,
                request=wire.as_curl(exchange, redactor) if exchange is not None else "",
                expected=redactor.text(expected),
                came_back=redactor.text(f"{exchange.status}: {exchange.answer}") if exchange is not None else "",
            )
        )
    if not recorder.strict:
        test_report.outcome = "skipped"
        decisions = ", ".join(f"{r} ({rules.RULES[r].reference})" for r in sorted(broken))
        test_report.wasxfail = f"divergence from this project's decision: {decisions}"
    return broken


def _message(error: BaseException | None) -> str:
    """What the failing assertions said, without the traceback around them."""
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(_message(part) for part in error.exceptions)
    return str(error)[:1500] if error is not None else ""


def _redactor() -> wire.Redactor:
    try:
        target = opened_target()
        return wire.Redactor(target.redactions() if target is not None else {})
    except Exception:
        # Without the target no secret is known; credential headers are still withheld by name.
        return wire.Redactor({})


def _count(
    recorder: report.Recorder, test_report: pytest.TestReport, labels: tuple[str, ...], broken: set[str]
) -> None:
    if test_report.failed:
        recorder.tests_failed += 1
        recorder.tally(broken or labels, "failed")
        # Conformance failures are recorded with their checks by the test itself.
        if "test_conformance.py" not in test_report.nodeid:
            last = wire.last_exchange()
            redactor = _redactor()
            recorder.rule_failures.append(
                report.RuleFailure(
                    test_report.nodeid,
                    # The assertion at the end of a long traceback is what a reader needs.
                    redactor.text(test_report.longreprtext[-3000:]),
                    tuple(sorted(broken)),
                    wire.as_curl(last, redactor) if last is not None else "",
                )
            )
    elif hasattr(test_report, "wasxfail") and broken:
        recorder.tests_diverged += 1
        recorder.tally(broken, "diverged")
    elif test_report.skipped:
        recorder.tests_skipped += 1
        recorder.tally(labels, "skipped")
    elif test_report.when == "call":
        recorder.tests_passed += 1
        recorder.tally(labels, "passed")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Every listener the run registered goes, whatever failed; hpl-contract's own `finally` repeats it.
    target = opened_target()
    if target is not None:
        _recorder(session.config).cleanup_problems.extend(restore_listeners(target))


def pytest_unconfigure(config: pytest.Config) -> None:
    # The target and the listener may have started while collecting, before any fixture ran.
    release_shared_target()
    release_shared_listener()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    recorder = _recorder(config)
    if not (recorder.has_conformance_data or recorder.has_rule_data):
        return
    recorder.exit_status = int(exitstatus)
    terminalreporter.section("contract summary")
    for line in report.summary_lines(recorder):
        terminalreporter.write_line(_redactor().text(line))
    directory = os.environ.get("HPL_CONTRACT_REPORT_DIR")
    if directory:
        path = report.write(recorder, Path(directory), _redactor())
        terminalreporter.write_line(f"report: {path}")


@pytest.fixture(scope="session")
def recorder(request: pytest.FixtureRequest) -> report.Recorder:
    return _recorder(request.config)


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    """The server under test; an unusable one ends the whole run at once, with the fix."""
    found = usable_target()
    # A target that cannot list listeners gets no cleanup; its tests say what is wrong with it.
    with contextlib.suppress(httpx.HTTPError, ValueError):
        remember_listeners(found)
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
    # Every answer is remembered, so that a failure or divergence can show its request as curl.
    with httpx.Client(base_url=target.base_url, timeout=30.0, event_hooks={"response": [wire.remember]}) as client:
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
