"""The repository explains itself (issue 12 item 6): every decision the code cites is stated in
docs/decisions.md, and nothing points at the decisions' old home outside the repository.

A `Dn` in code, comments, messages and reports means section Dn of docs/decisions.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hpl_contract.rules import DECISION_SECTIONS, DECISIONS, RULES

ROOT = Path(__file__).resolve().parent.parent
DECISIONS_DOC = ROOT / "docs" / "decisions.md"
CITING = ["src", "tests", "benchmarks", "tools", "openapi", "README.md", "CONTRIBUTING.md", "docs"]
CITATION = re.compile(r"(?<![\w.#-])D([1-9][0-9]?)(?![\w-])")


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def sections() -> dict[str, str]:
    found = {}
    for line in DECISIONS_DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"## (D[0-9]+)\. (.*)", line)
        if match:
            found[match.group(1)] = anchor(line[3:])
    return found


def files() -> list[Path]:
    out: list[Path] = []
    for name in CITING:
        path = ROOT / name
        candidates = [path] if path.is_file() else path.rglob("*")
        out += [p for p in candidates if p.suffix in {".py", ".md", ".yaml", ".yml", ".toml"} and p.is_file()]
    return [
        p for p in out if not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(ROOT).parts)
    ]


def test_docs_decisions_states_every_decision_the_rules_registry_knows() -> None:
    assert set(sections()) == set(DECISIONS)


def test_every_decision_link_of_the_contract_reports_lands_on_its_heading() -> None:
    stated = sections()
    assert {d: f"docs/decisions.md#{stated[d]}" for d in DECISIONS} == DECISION_SECTIONS


def test_every_decision_a_contract_rule_cites_has_a_section() -> None:
    cited = {ref for rule in RULES.values() for ref in rule.references if ref.startswith("D")}
    assert cited <= set(DECISION_SECTIONS)


@pytest.mark.parametrize("path", files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_decision_cited_in_the_repository_is_stated_in_docs_decisions(path: Path) -> None:
    stated = set(sections())
    cited = {f"D{number}" for number in CITATION.findall(path.read_text(encoding="utf-8", errors="replace"))}
    assert cited <= stated, f"{path.name} cites {sorted(cited - stated)}, which docs/decisions.md does not state"


def test_nothing_points_at_the_decisions_outside_the_repository() -> None:
    outside = [p for p in files() if "api-contract.md" in p.read_text(encoding="utf-8", errors="replace")]
    assert outside == [] or outside == [Path(__file__)]
