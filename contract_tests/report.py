"""What a contract run found, per operation: cases, failures by check, the positive 2xx share.

The conformance test feeds a `Recorder`; the suite's conftest prints `summary_lines` at the end of
the run and, when `HPL_CONTRACT_REPORT_DIR` is set, writes `contract-report.md` there.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

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


@dataclass
class Recorder:
    target: str = ""
    profile: str = ""
    seed: int | None = None
    operations: dict[str, OperationStats] = field(default_factory=dict)
    rule_failures: list[RuleFailure] = field(default_factory=list)
    tests_passed: int = 0
    tests_failed: int = 0
    tests_skipped: int = 0

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

    lines = [f"target: {recorder.target}  profile: {recorder.profile}  seed: {recorder.seed}", line(header)]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(line(row) for row in rows[:-1])
    lines.append("  ".join("-" * w for w in widths))
    lines.append(line(rows[-1]))
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
        f"* Tests: {recorder.tests_passed} passed, {recorder.tests_failed} failed, {recorder.tests_skipped} skipped",
        f"* Schemathesis cases: {total.cases}, positive answered 2xx: {_share(total)}",
        "",
        "## Per operation",
        "",
        "| operation | cases | negative | positive 2xx | statuses | failures by check |",
        "|---|---:|---:|---:|---|---|",
    ]
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
        out += [f"### `{failure.test}`", "", "```", failure.message.strip(), "```", ""]
    return "\n".join(out) + "\n"


def write(recorder: Recorder, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "contract-report.md"
    path.write_text(markdown(recorder), encoding="utf-8")
    summary = {
        label: {
            "cases": s.cases,
            "negative": s.negative,
            "positive": s.positive,
            "positive_2xx": s.positive_2xx,
            "failures_by_check": dict(s.failures_by_check),
        }
        for label, s in recorder.operations.items()
    }
    (directory / "contract-summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return path
