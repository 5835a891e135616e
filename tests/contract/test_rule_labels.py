"""Every check of the contract suite says where its rule comes from, and a failure is judged by it.

Offline: these read the suite's source and exercise `rules.py` and the curl rendering of `wire.py`;
`test_divergence.py` proves the whole path against served mutants.
"""

from __future__ import annotations

import ast
import base64
import re
from pathlib import Path

import pytest
from schemathesis.checks import CHECKS

import hpl_contract
from hpl_contract import rules, wire
from hpl_contract.secret import Secret
from hpl_contract.target import Login, Target

HERE = Path(__file__).resolve().parent
# The online suite: every test module there talks to the target.
SUITE = Path(hpl_contract.__file__).resolve().parent
RULE_ID = re.compile(r"^(doc|D[1-8])\.[a-z0-9][a-z0-9-]*$")


def online_modules() -> list[Path]:
    return sorted(SUITE.glob("test_*.py"))


def _is_rule_call(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "rule") or (
        isinstance(func, ast.Attribute) and func.attr == "rule"
    )


def _string_literals(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_every_online_contract_test_is_labelled_with_the_rules_it_checks() -> None:
    """Each test function of a module that talks to the target carries `@rule(...)`."""
    assert {p.name for p in online_modules()} >= {
        "test_auth.py",
        "test_callbacks.py",
        "test_client.py",
        "test_conformance.py",
        "test_reports.py",
        "test_rules.py",
    }
    unlabelled = [
        f"{path.name}::{node.name}"
        for path in online_modules()
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test_")
        and not any(_is_rule_call(d) for d in node.decorator_list)
    ]
    assert not unlabelled, f"contract tests without @rule(...): {unlabelled}"


def test_every_rule_id_written_in_the_suite_is_registered() -> None:
    """A rule id in any label, `checking` block or mapping of the suite exists in the registry."""
    # This module writes unknown ids on purpose, to see them refused.
    sources = [p for p in (*SUITE.glob("*.py"), *HERE.glob("*.py")) if p.name != Path(__file__).name]
    written = {s for path in sources for s in _string_literals(path) if RULE_ID.match(s)}
    assert written, "the scan found no rule ids at all"
    assert written <= set(rules.RULES), f"unknown rule ids: {sorted(written - set(rules.RULES))}"


def test_every_registered_rule_is_checked_somewhere() -> None:
    """No rule of the registry is dead: each is named by a test, a `checking` block or a check mapping."""
    used = {
        s
        for path in (*SUITE.glob("*.py"), *HERE.glob("*.py"))
        if path.name != "rules.py"
        for s in _string_literals(path)
    }
    used |= set(rules.CHECK_RULES.values())
    assert set(rules.RULES) <= used, f"rules no check uses: {sorted(set(rules.RULES) - used)}"


def test_documented_rules_cite_verizon_sources_and_decisions_cite_their_d_number() -> None:
    """A documented rule (`doc.*`) cites seeds or doc pages of `SOURCES`; a decision (`Dn.*`) cites Dn."""
    for rule in rules.CATALOGUE:
        assert RULE_ID.match(rule.id), rule.id
        assert rule.statement.strip(), rule.id
        if rule.source == rules.DOCUMENTED:
            assert rule.id.startswith("doc."), rule.id
            assert rule.references and set(rule.references) <= set(rules.SOURCES), rule
        else:
            assert rule.source == rules.DECISION, rule
            assert rule.references == (rule.id.split(".", 1)[0],), rule
            assert rule.references[0] in rules.DECISIONS, rule
    assert len(rules.RULES) == len(rules.CATALOGUE), "two rules share an id"


def test_the_readme_table_gives_every_rule_with_its_source() -> None:
    """The README's rule → source table lists exactly the registry's rules, each with its source kind."""
    readme = (HERE.parents[1] / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", readme, flags=re.MULTILINE))
    listed = {rule_id: source for rule_id, source in rows.items() if RULE_ID.match(rule_id)}
    assert set(listed) == set(rules.RULES), sorted(set(listed) ^ set(rules.RULES))
    for rule in rules.CATALOGUE:
        expected = "Verizon: " if rule.source == rules.DOCUMENTED else f"decision {rule.reference}"
        assert listed[rule.id].startswith(expected), (rule.id, listed[rule.id])


def test_every_schemathesis_check_maps_to_a_registered_rule() -> None:
    """Each check schemathesis can run stands for one rule, so a conformance failure has a source."""
    names = {check.__name__ for check in CHECKS.get_all()}
    assert names <= set(rules.CHECK_RULES), f"unmapped checks: {sorted(names - set(rules.CHECK_RULES))}"
    assert set(rules.CHECK_RULES.values()) <= set(rules.RULES)


def test_a_collected_test_is_unlabelled_until_it_carries_a_rule_marker(request: pytest.FixtureRequest) -> None:
    """`unlabelled`, which stops a contract run at collection, lists exactly the items without `@rule`."""
    assert rules.unlabelled([request.node]) == [request.node.nodeid]
    request.node.add_marker(rules.rule("D2.header-body-agreement"))
    assert rules.unlabelled([request.node]) == []
    assert rules.labels(request.node) == ("D2.header-body-agreement",)


def test_an_unknown_rule_id_is_refused_at_once() -> None:
    """A typo in a label or a `checking` block raises instead of labelling a test with nothing."""
    with pytest.raises(KeyError):
        rules.rule("D2.no-such-rule")
    with pytest.raises(KeyError), rules.checking("doc.no-such-rule"):
        pass


# --- Judging a failure ---------------------------------------------------------------------------------


def _failure(rule_id: str | None, message: str = "broken") -> AssertionError:
    try:
        if rule_id is None:
            raise AssertionError(message)
        with rules.checking(rule_id):
            raise AssertionError(message)
    except AssertionError as error:
        return error
    raise RuntimeError("unreachable")


def test_an_assertion_in_a_checking_block_breaks_that_rule_alone() -> None:
    """Inside `checking`, the block's rule is broken, not the test's other labels."""
    error = _failure("D2.header-body-agreement")
    broken, about_the_server = rules.broken_rules(error, ("doc.statuses", "D2.header-body-agreement"))
    assert broken == {"D2.header-body-agreement"}
    assert about_the_server


def test_the_innermost_checking_block_decides() -> None:
    """A body check inside a status check is attributed to the body's rule."""
    try:
        with rules.checking("doc.sync-aggregate-max-10-devices"), rules.checking("D5.error-envelope"):
            raise AssertionError("not {errorCode, errorMessage}")
    except AssertionError as error:
        assert rules.attributed(error) == ("D5.error-envelope",)
        assert [b.rule for b in rules.breaches()][-1] == "D5.error-envelope"


def test_an_unattributed_assertion_breaks_every_label_of_the_test() -> None:
    """Outside any block the failure breaks all the test's labels, so a documented one among them fails."""
    broken, _ = rules.broken_rules(_failure(None), ("doc.statuses", "D4.range-order"))
    assert broken == {"doc.statuses", "D4.range-order"}
    assert not rules.only_decisions(broken)


def test_a_group_of_failures_breaks_the_union_of_its_parts() -> None:
    """Several bugs reported at once (hypothesis, schemathesis) break every rule any of them broke."""
    group = ExceptionGroup("two bugs", [_failure("D4.range-order"), _failure("D5.error-envelope")])
    broken, about_the_server = rules.broken_rules(group, ("doc.statuses",))
    assert broken == {"D4.range-order", "D5.error-envelope"}
    assert about_the_server and rules.only_decisions(broken)


def test_a_crash_is_never_a_divergence() -> None:
    """An error that is not an assertion about the answer (a transport error, a KeyError) fails the run."""
    _, about_the_server = rules.broken_rules(KeyError("txid"), ("D2.header-body-agreement",))
    assert not about_the_server
    group = ExceptionGroup("mixed", [_failure("D4.range-order"), ValueError("bad JSON")])
    assert not rules.broken_rules(group, ())[1]


def test_only_a_set_of_known_decisions_can_diverge() -> None:
    """A documented rule, an unknown id or nothing at all among the broken rules means a failure."""
    assert rules.only_decisions({"D2.header-body-agreement", "D6.account-binding"})
    assert not rules.only_decisions({"D2.header-body-agreement", "doc.statuses"})
    assert not rules.only_decisions({"D2.invented"})
    assert not rules.only_decisions(set())


# --- Requests as curl, without secrets ------------------------------------------------------------------


def _target() -> Target:
    login = Login("0844021539-00001", "client", Secret("client-secret"), "user", Secret("user-password"))
    return Target("http://h/api/hyper-precise/v1", "http://h/o", "http://h/m", False, (login,), ("1",))


def test_the_runs_own_credentials_become_shell_variables_in_curl() -> None:
    """Bearer and M2M tokens, Basic client credentials and passwords never appear; the run's own show as
    the variables that hold them, so the command reproduces the request."""
    target = _target()
    basic = base64.b64encode(b"client:client-secret").decode()
    exchange = wire.Exchange(
        "POST",
        "http://h/api/hyper-precise/v1/report/sessions",
        (("Authorization", f"Basic {basic}"), ("VZ-M2M-Token", "m2m-secret"), ("imei", "1")),
        '{"username": "user", "password": "user-password"}',
        200,
        "{}",
    )
    redactor = wire.Redactor({**target.redactions(), "m2m-secret": "$HPL_M2M_TOKEN"})
    curl = wire.as_curl(exchange, redactor)
    for secret in ("client-secret", basic, "m2m-secret", "user-password"):
        assert secret not in curl, curl
    assert '"VZ-M2M-Token: $HPL_M2M_TOKEN"' in curl
    assert "Basic <base64 of $HPL_CLIENT_ID:$HPL_CLIENT_SECRET>" in curl
    assert "-H 'imei: 1'" in curl


def test_a_credential_the_run_does_not_know_is_withheld() -> None:
    """A token the suite did not issue (a deliberately wrong one, or one it forgot) is not printed."""
    exchange = wire.Exchange("POST", "http://h/x", (("Authorization", "Bearer stolen"),), "", 401, "")
    curl = wire.as_curl(exchange, wire.Redactor({}))
    assert "stolen" not in curl
    assert "Bearer <another credential, withheld>" in curl
