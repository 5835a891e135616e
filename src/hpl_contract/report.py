"""What a contract run found: per operation (cases, failures by check, the positive 2xx share), and
per rule grouped by its source — Verizon's documentation or a decision of this project (`rules.py`) —
with every divergence from a decision and every failure shown as curl.

The conformance test and the suite's conftest feed a `Recorder`; the conftest prints `summary_lines`
at the end of the run and, when `HPL_CONTRACT_REPORT_DIR` is set, writes `contract-report.md` and
`contract-summary.json` there, both passed through the run's redactor as they are written.
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpl_contract.rules import DECISION, DECISION_SECTIONS, DOCUMENTED, RULES, Breach, Source

if TYPE_CHECKING:
    from hpl_contract.wire import Redactor

DEFAULT_SEED = 20221209
# The pytest options given to `hpl-contract` after `--`, shell-quoted, for the reproduce line.
PYTEST_ARGS = "HPL_CONTRACT_PYTEST_ARGS"

# A failure example per (operation, check) is enough to reproduce it; more only bloat the report.
EXAMPLES_PER_CHECK = 1


@dataclass
class FailureExample:
    check: str
    title: str
    status: int | None
    curl: str
    message: str


@dataclass
class OperationStats:
    label: str
    cases: int = 0
    positive: int = 0
    positive_2xx: int = 0
    negative: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failed_cases: int = 0
    failures_by_check: Counter[str] = field(default_factory=Counter)
    examples: list[FailureExample] = field(default_factory=list)

    @property
    def positive_2xx_share(self) -> float | None:
        return self.positive_2xx / self.positive if self.positive else None


@dataclass
class RuleFailure:
    test: str
    message: str
    rules: tuple[str, ...] = ()
    request: str = ""


@dataclass
class Divergence:
    """A decision of this project that the target answers differently."""

    rule: str
    test: str
    request: str
    """The request as curl, credentials as shell variables."""
    expected: str
    came_back: str


@dataclass
class RuleTally:
    passed: int = 0
    failed: int = 0
    diverged: int = 0
    skipped: int = 0


OUTCOMES = ("passed", "failed", "diverged", "skipped")
SOURCE_TITLES: dict[Source, str] = {
    DOCUMENTED: "Verizon's documentation",
    DECISION: "This project's decisions",
}


@dataclass
class Recorder:
    target: str = ""
    profile: str = ""
    seed: int | None = None
    sandbox: bool = True
    """The embedded sandbox, where every rule must hold; elsewhere a broken decision is a divergence."""
    strict: bool = False
    """Divergences fail the run too."""
    operations: dict[str, OperationStats] = field(default_factory=dict)
    rule_failures: list[RuleFailure] = field(default_factory=list)
    divergences: list[Divergence] = field(default_factory=list)
    tallies: dict[str, RuleTally] = field(default_factory=dict)
    tests_passed: int = 0
    tests_failed: int = 0
    tests_diverged: int = 0
    tests_skipped: int = 0
    reproduce: str = ""
    """The `hpl-contract` command line that repeats this run."""
    exit_status: int | None = None
    cleanup_problems: list[str] = field(default_factory=list)
    """Listeners the run could not remove or put back."""

    @property
    def passed(self) -> bool:
        return self.tests_failed == 0 and self.exit_status in (0, None)

    def tally(self, rule_ids: tuple[str, ...] | list[str] | set[str], outcome: str) -> None:
        """Count one test outcome against each rule it concerns."""
        assert outcome in OUTCOMES, outcome
        for rule_id in rule_ids:
            tally = self.tallies.setdefault(rule_id, RuleTally())
            setattr(tally, outcome, getattr(tally, outcome) + 1)

    def by_source(self, source: Source) -> dict[str, RuleTally]:
        return {r: t for r, t in sorted(self.tallies.items()) if RULES[r].source == source}

    @property
    def has_rule_data(self) -> bool:
        return bool(self.tallies)

    def operation(self, label: str) -> OperationStats:
        return self.operations.setdefault(label, OperationStats(label))

    def record_call(self, label: str, *, positive: bool, status: int) -> None:
        stats = self.operation(label)
        stats.cases += 1
        stats.statuses[status] += 1
        if positive:
            stats.positive += 1
            stats.positive_2xx += 200 <= status < 300
        else:
            stats.negative += 1

    def record_failures(self, label: str, checks: list[tuple[str, str, str]], status: int | None, curl: str) -> None:
        """`checks` holds (check name, failure title, failure message) of one failing case."""
        stats = self.operation(label)
        stats.failed_cases += 1
        for check, title, message in checks:
            stats.failures_by_check[check] += 1
            if sum(1 for e in stats.examples if e.check == check) < EXAMPLES_PER_CHECK:
                stats.examples.append(FailureExample(check, title, status, curl, message))

    @property
    def has_conformance_data(self) -> bool:
        return bool(self.operations)

    def totals(self) -> OperationStats:
        total = OperationStats("all operations")
        for stats in self.operations.values():
            total.cases += stats.cases
            total.positive += stats.positive
            total.positive_2xx += stats.positive_2xx
            total.negative += stats.negative
            total.failed_cases += stats.failed_cases
            total.failures_by_check.update(stats.failures_by_check)
        return total


def _share(stats: OperationStats) -> str:
    share = stats.positive_2xx_share
    return "-" if share is None else f"{stats.positive_2xx}/{stats.positive} ({share:.0%})"


def _failures(stats: OperationStats) -> str:
    if not stats.failures_by_check:
        return "none"
    return ", ".join(f"{check} x{count}" for check, count in sorted(stats.failures_by_check.items()))


def summary_lines(recorder: Recorder) -> list[str]:
    """The per-operation table printed at the end of the run."""
    rows = [(s.label, str(s.cases), str(s.negative), _share(s), _failures(s)) for s in recorder.operations.values()]
    total = recorder.totals()
    rows.append((total.label, str(total.cases), str(total.negative), _share(total), _failures(total)))
    header = ("operation", "cases", "negative", "positive 2xx", "failures by check")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    lines = [f"target: {recorder.target}  profile: {recorder.profile}  seed: {recorder.seed}"]
    if recorder.operations:
        lines.append(line(header))
        lines.append("  ".join("-" * w for w in widths))
        lines.extend(line(row) for row in rows[:-1])
        lines.append("  ".join("-" * w for w in widths))
        lines.append(line(rows[-1]))
    lines.extend(_source_lines(recorder))
    for divergence in recorder.divergences:
        lines.append(f"divergence {divergence.rule} ({RULES[divergence.rule].reference}) in {divergence.test}")
        lines.append(f"  request: {divergence.request}")
    lines.extend(f"cleanup: {problem}" for problem in recorder.cleanup_problems)
    return lines


def _source_totals(tallies: dict[str, RuleTally]) -> RuleTally:
    total = RuleTally()
    for tally in tallies.values():
        for outcome in OUTCOMES:
            setattr(total, outcome, getattr(total, outcome) + getattr(tally, outcome))
    return total


def _source_lines(recorder: Recorder) -> list[str]:
    lines = []
    for source, title in SOURCE_TITLES.items():
        tallies = recorder.by_source(source)
        total = _source_totals(tallies)
        broken = sorted(r for r, t in tallies.items() if t.failed or t.diverged)
        lines.append(
            f"{title}: {len(tallies)} rules; per test and rule {total.passed} held, {total.failed} failed, "
            f"{total.diverged} diverged, {total.skipped} skipped" + (f"; broken: {', '.join(broken)}" if broken else "")
        )
    if not recorder.sandbox:
        how = (
            "fail the run (strict)" if recorder.strict else "are listed, not failed (HPL_CONTRACT_STRICT=1 fails them)"
        )
        lines.append(f"divergences from decisions {how}: {len(recorder.divergences)}")
    return lines


def markdown(recorder: Recorder) -> str:
    """A self-contained Markdown report: the summary, then every failure with a curl to reproduce it."""
    total = recorder.totals()
    out = [
        "# Contract report",
        "",
        f"* Target: `{recorder.target}`",
        f"* Profile: `{recorder.profile}`, seed `{recorder.seed}`",
        f"* Written: {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"* Tests: {recorder.tests_passed} passed, {recorder.tests_failed} failed, "
        f"{recorder.tests_diverged} diverged, {recorder.tests_skipped} skipped",
        f"* Schemathesis cases: {total.cases}, positive answered 2xx: {_share(total)}",
        f"* Decisions: {_decision_mode(recorder)}",
        "",
        *_markdown_sources(recorder),
        *_markdown_divergences(recorder),
        "## Per operation",
        "",
        "| operation | cases | negative | positive 2xx | statuses | failures by check |",
        "|---|---:|---:|---:|---|---|",
    ]
    if not recorder.operations:
        out.append("| (test_conformance.py did not run) | | | | | |")
    for stats in recorder.operations.values():
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(stats.statuses.items()))
        cells = [f"`{stats.label}`", str(stats.cases), str(stats.negative), _share(stats), statuses, _failures(stats)]
        out.append("| " + " | ".join(cells) + " |")
    failures = [(s.label, e) for s in recorder.operations.values() for e in s.examples]
    out += ["", "## Conformance failures", ""]
    if not failures:
        out.append("None.")
    for label, example in failures:
        out += [
            f"### `{label}`: {example.check}",
            "",
            f"{example.title} (status {example.status})",
            "",
            "```",
            example.message.strip(),
            "```",
            "",
            "Reproduce (with `HPL_ACCESS_TOKEN` and `HPL_M2M_TOKEN` exported):",
            "",
            "```sh",
            example.curl,
            "```",
            "",
        ]
    out += ["", "## Rule and client test failures", ""]
    if not recorder.rule_failures:
        out.append("None.")
    for failure in recorder.rule_failures:
        out += [f"### `{failure.test}`", ""]
        if failure.rules:
            out += ["Rules: " + ", ".join(f"`{r}` ({_source_of(r)})" for r in failure.rules), ""]
        out += ["```", failure.message.strip(), "```", ""]
        if failure.request:
            out += ["Last request:", "", "```sh", failure.request, "```", ""]
    if recorder.cleanup_problems:
        out += ["", "## Listeners left on the target", ""]
        out += [f"* {problem}" for problem in recorder.cleanup_problems]
    out += [
        "",
        "## How to reproduce",
        "",
        "With the same `HPL_*` variables exported (credentials are never written here):",
        "",
        "```sh",
        "pip install 'thingspace-hpl[contract]'",
        recorder.reproduce or "hpl-contract",
        "```",
    ]
    return "\n".join(out) + "\n"


def _source_of(rule_id: str) -> str:
    rule = RULES.get(rule_id)
    if rule is None:
        return "unknown rule"
    return f"Verizon: {rule.reference}" if rule.source == DOCUMENTED else f"decision {rule.reference}"


def _decision_mode(recorder: Recorder) -> str:
    if recorder.sandbox:
        return "the embedded sandbox: every rule, documented or decided, must hold"
    if recorder.strict:
        return "strict: a divergence from a decision fails the run"
    return "a divergence from a decision is listed below and does not fail the run (HPL_CONTRACT_STRICT=1 to fail)"


def _markdown_sources(recorder: Recorder) -> list[str]:
    out = ["## Results by source", ""]
    for source, title in SOURCE_TITLES.items():
        tallies = recorder.by_source(source)
        out += [f"### {title}", ""]
        if not tallies:
            out += ["No rule of this source was checked.", ""]
            continue
        out += [
            "| rule | source | statement | held | failed | diverged | skipped |",
            "|---|---|---|---:|---:|---:|---:|",
        ]
        for rule_id, t in tallies.items():
            rule = RULES[rule_id]
            cells = [f"`{rule_id}`", rule.reference, rule.statement, str(t.passed), str(t.failed), str(t.diverged)]
            out.append("| " + " | ".join([*cells, str(t.skipped)]) + " |")
        out.append("")
    return out


def _markdown_divergences(recorder: Recorder) -> list[str]:
    if recorder.sandbox:
        return []
    out = ["## Divergences from this project's decisions", ""]
    if not recorder.divergences:
        return [*out, "None.", ""]
    out += [
        "The target answers differently from a rule this project decided (not one Verizon documents). "
        "A divergence is a finding about the real service: compare it with the decision named, then fix "
        "the decision (and the spec) or report the service.",
        "",
    ]
    for d in recorder.divergences:
        rule = RULES[d.rule]
        why = ", ".join(DECISION_SECTIONS[r] for r in rule.references if r in DECISION_SECTIONS)
        out += [
            f"### `{d.rule}` (decision {rule.reference})",
            "",
            f"* Rule: {rule.statement}",
            f"* Why we decided so: {why}",
            f"* Test: `{d.test}`",
            "",
            "Request:",
            "",
            "```sh",
            d.request or "(not recorded)",
            "```",
            "",
            "Expected:",
            "",
            "```",
            d.expected.strip(),
            "```",
            "",
            "Came back:",
            "",
            "```",
            d.came_back.strip() or "(not recorded)",
            "```",
            "",
        ]
    return out


def summary_document(recorder: Recorder) -> dict[str, Any]:
    """The JSON summary: the run, the operations, the rules by source, the divergences and failures."""
    cases = recorder.totals()
    sources: dict[str, Any] = {}
    for source in SOURCE_TITLES:
        tallies = recorder.by_source(source)
        total = _source_totals(tallies)
        sources[source] = {
            "title": SOURCE_TITLES[source],
            **{outcome: getattr(total, outcome) for outcome in OUTCOMES},
            "rules": {
                rule_id: {
                    "reference": RULES[rule_id].reference,
                    "statement": RULES[rule_id].statement,
                    **{outcome: getattr(t, outcome) for outcome in OUTCOMES},
                }
                for rule_id, t in tallies.items()
            },
        }
    return {
        "target": recorder.target,
        "passed": recorder.passed,
        "exit_status": recorder.exit_status,
        "totals": {
            "tests": recorder.tests_passed + recorder.tests_failed + recorder.tests_diverged + recorder.tests_skipped,
            "passed": recorder.tests_passed,
            "failed": recorder.tests_failed,
            "diverged": recorder.tests_diverged,
            "skipped": recorder.tests_skipped,
            "cases": cases.cases,
            "failed_cases": cases.failed_cases,
        },
        "reproduce": recorder.reproduce,
        "cleanup_problems": list(recorder.cleanup_problems),
        "sandbox": recorder.sandbox,
        "strict": recorder.strict,
        "profile": recorder.profile,
        "seed": recorder.seed,
        "tests": {
            "passed": recorder.tests_passed,
            "failed": recorder.tests_failed,
            "diverged": recorder.tests_diverged,
            "skipped": recorder.tests_skipped,
        },
        "operations": {
            label: {
                "cases": s.cases,
                "negative": s.negative,
                "positive": s.positive,
                "positive_2xx": s.positive_2xx,
                "failures_by_check": dict(s.failures_by_check),
            }
            for label, s in recorder.operations.items()
        },
        "sources": sources,
        "divergences": [
            {
                "rule": d.rule,
                "decision": RULES[d.rule].reference,
                "decision_sections": [DECISION_SECTIONS[r] for r in RULES[d.rule].references if r in DECISION_SECTIONS],
                "statement": RULES[d.rule].statement,
                "test": d.test,
                "request": d.request,
                "expected": d.expected,
                "came_back": d.came_back,
            }
            for d in recorder.divergences
        ],
        "failures": [
            {"test": f.test, "rules": list(f.rules), "message": f.message, "request": f.request}
            for f in recorder.rule_failures
        ],
    }


def write(recorder: Recorder, directory: Path, redactor: Redactor | None = None) -> Path:
    """Write the Markdown report and the JSON summary; every secret the redactor knows is replaced."""

    def clean(text: str) -> str:
        return redactor.text(text) if redactor is not None else text

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "contract-report.md"
    path.write_text(clean(markdown(recorder)), encoding="utf-8")
    summary = summary_document(recorder)
    (directory / "contract-summary.json").write_text(clean(json.dumps(summary, indent=2)) + "\n", encoding="utf-8")
    return path


# --- One line per failure, for JUnit readers and the short summary --------------------------------------

LINE_LIMIT = 400


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def one_line(operation: str, error: BaseException | None, breaches: Iterable[Breach], labels: tuple[str, ...]) -> str:
    """`rule: operation: what was expected; seen: what came back` — the check, the operation and both
    sides, in one line rather than a Python repr."""
    found = list(breaches)
    if found:
        # Hypothesis replays the minimal failing example last, so the last breach is the one reported.
        breach = found[-1]
        exchange = breach.exchange
        expected = _first_line(breach.expected)
        seen = ""
        if exchange is not None and exchange.status is not None and f"got {exchange.status}" not in expected:
            seen = f"; seen: {exchange.status} {_first_line(exchange.answer)[:160]}"
        others = sorted({b.rule for b in found} - {breach.rule})
        more = f" (also {', '.join(others)})" if others else ""
        line = f"{breach.rule}{more}: {operation}: {expected}{seen}"
    elif isinstance(error, AssertionError):
        rule = labels[0] if labels else "assertion"
        line = f"{rule}: {operation}: {_first_line(str(error))}"
    elif isinstance(error, BaseExceptionGroup):
        parts = "; ".join(_first_line(str(part)) for part in error.exceptions[:3])
        line = f"{labels[0] if labels else 'checks'}: {operation}: {len(error.exceptions)} failures: {parts}"
    elif error is not None:
        line = f"{type(error).__name__} at {operation}: {_first_line(str(error))}"
    else:
        line = f"failed at {operation}"
    line = re.sub(r"\s+", " ", line)
    return line if len(line) <= LINE_LIMIT else line[: LINE_LIMIT - 1] + "…"


# --- The command line that repeats a run ------------------------------------------------------------------


def reproduce_command(env: Mapping[str, str], *, strict: bool) -> str:
    """`hpl-contract …` with the run's target and knobs, no secret (those stay in the environment)."""
    parts = ["hpl-contract"]
    if env.get("BASE_URL"):
        parts += ["--base-url", env["BASE_URL"]]
    parts += ["--profile", env.get("PROFILE") or env.get("HYPOTHESIS_PROFILE") or "ci"]
    parts += ["--seed", env.get("HPL_CONTRACT_SEED") or str(DEFAULT_SEED)]
    if env.get("HPL_CONTRACT_MAX_EXAMPLES"):
        parts += ["--max-examples", env["HPL_CONTRACT_MAX_EXAMPLES"]]
    for option, variable in (("--include", "HPL_CONTRACT_INCLUDE"), ("--exclude", "HPL_CONTRACT_EXCLUDE")):
        for operation_id in env.get(variable, "").replace(",", " ").split():
            parts += [option, operation_id]
    if strict:
        parts.append("--strict")
    passthrough = shlex.split(env.get(PYTEST_ARGS, ""))
    if passthrough:
        parts += ["--", *passthrough]
    return " ".join(shlex.quote(part) for part in parts)
