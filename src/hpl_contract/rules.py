"""Where every rule of the contract suite comes from: Verizon's documentation or a decision of ours.

Each online contract test carries `@rule("D2.header-body-agreement", ...)` naming the rules it checks;
an assertion inside `with checking("doc.sync-aggregate-max-10-devices"):` is attributed to that rule
(the innermost block wins). A failing assertion outside any block is attributed to every rule on the
test's label. Against a server other than the embedded sandbox, a test that broke only decisions is
reported as a divergence rather than a failure (see `conftest.py`); everything else fails as before.

Sources: the seed files are the vendor documents the project was created from (Verizon's doc pages
and the vendor SDK's documentation); the decisions D1–D8 are stated, with what each rests on, in the
repository's docs/decisions.md (`DECISION_SECTIONS` below links each one; tests/test_decisions.py keeps
the links equal to its headings).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

Source = Literal["documented", "decision"]
DOCUMENTED: Source = "documented"
DECISION: Source = "decision"

# Verizon's published material the documented rules cite, by the key a rule names.
SOURCES: dict[str, str] = {
    "seed 000_138f8b5b59ba6f23": "vendor SDK documentation (Ruby), Device Reports controller: limits, error statuses",
    "seed 001_7651a835b9ffc84c": "vendor SDK documentation (Python), Device Reports controller: header parameters",
    "seed 002_fab82500c78b61ca": "doc page get-session-report-for-a-device.html",
    "seed 003_38c551ef2cb77815": "doc page get-aggregated-usage-report-asynchronous.html",
    "seed 004_153cb53467b79285": "vendor SDK documentation, model AggregateSessionReport",
    "doc get-credentials": "doc page device-location/getting-started/get-credentials.html (OAuth2 token service)",
    "doc start-connectivity-management-session": "doc page start-connectivity-management-session.html (M2M login)",
    "sdk 2.0.0": "the vendor's Python SDK sdksio-verizon-apis-sdk 2.0.0 (public-sources.md, source C)",
}
DECISIONS = ("D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8")
# Each decision's section of docs/decisions.md, which says what was decided and why.
DECISION_SECTIONS: dict[str, str] = {
    "D1": "docs/decisions.md#d1-servers-and-paths",
    "D2": "docs/decisions.md#d2-header-parameters-and-the-body",
    "D3": "docs/decisions.md#d3-request-models",
    "D4": "docs/decisions.md#d4-rules-the-schema-cannot-state",
    "D5": "docs/decisions.md#d5-responses-and-errors",
    "D6": "docs/decisions.md#d6-authentication",
    "D7": "docs/decisions.md#d7-asynchronous-reports-and-callbacks",
    "D8": "docs/decisions.md#d8-what-the-current-public-sources-add",
}


@dataclass(frozen=True)
class Rule:
    id: str
    source: Source
    references: tuple[str, ...]
    """Keys of `SOURCES` for a documented rule; D-numbers for a decision."""
    statement: str

    @property
    def reference(self) -> str:
        return ", ".join(self.references)


def _doc(rule_id: str, references: tuple[str, ...], statement: str) -> Rule:
    return Rule(rule_id, DOCUMENTED, references, statement)


def _ours(rule_id: str, references: tuple[str, ...], statement: str) -> Rule:
    return Rule(rule_id, DECISION, references, statement)


S000, S001, S002, S003, S004 = (
    "seed 000_138f8b5b59ba6f23",
    "seed 001_7651a835b9ffc84c",
    "seed 002_fab82500c78b61ca",
    "seed 003_38c551ef2cb77815",
    "seed 004_153cb53467b79285",
)

CATALOGUE: tuple[Rule, ...] = (
    # --- Verizon's documentation -------------------------------------------------------------------
    _doc(
        "doc.401-missing-or-invalid-token",
        (S000, S002, S003),
        "A report call whose access token is missing or invalid is refused with 401.",
    ),
    _doc(
        "doc.m2m-token-required",
        (S002, S003),
        'A report call without a valid `VZ-M2M-Token` is refused with 401 ("a vz-m2m-token is required").',
    ),
    _doc(
        "doc.oauth-client-credentials",
        ("doc get-credentials",),
        "The OAuth2 token service refuses wrong client credentials with 401 `invalid_client`.",
    ),
    _doc("doc.access-token-lifetime", ("doc get-credentials",), "An OAuth2 access token lives 3600 s."),
    _doc(
        "doc.m2m-session-idle-timeout",
        ("doc start-connectivity-management-session",),
        "An M2M session token expires after 20 minutes without use.",
    ),
    _doc(
        "doc.date-range-max-180-days",
        (S000, S003),
        "A date range longer than 180 days is refused; a forward range of at most 180 days is served.",
    ),
    _doc(
        "doc.sync-aggregate-max-10-devices",
        (S000,),
        'The synchronous aggregate refuses more than 10 devices ("Max 10").',
    ),
    _doc(
        "doc.async-aggregate-max-10000-devices",
        (S003,),
        'The asynchronous aggregate refuses more than 10,000 devices ("Max 10000").',
    ),
    _doc(
        "doc.default-dates",
        (S002,),
        "Without dates a report covers the 180 days up to the latest data.",
    ),
    _doc(
        "doc.sessions-in-range",
        (S002,),
        "A sessions report holds the requested device's sessions that start inside the requested range.",
    ),
    _doc(
        "doc.device-state-statuses",
        (S002, S003),
        "Not certified → 403, inactive → 404, HPL not purchased → 409, active in several accounts → 500.",
    ),
    _doc(
        "doc.unique-txid",
        (S002, S004),
        'Every report request gets its own transaction id (`txid`, "a unique string").',
    ),
    _doc(
        "doc.async-queued",
        (S003,),
        "The asynchronous aggregate answers at once with a `txid` and status QUEUED.",
    ),
    _doc(
        "doc.aggregate-filters",
        (S003,),
        "`deviceGroup`, `dataPlan` and `noSessionFlag` select the devices that match them.",
    ),
    _doc(
        "doc.error-model",
        (S002, S003, "sdk 2.0.0"),
        "An error answer is JSON in a published error envelope: `{errorCode, errorMessage}` (doc pages) or "
        "`{responseCode, message, fault}` (current SDKs).",
    ),
    _doc(
        "doc.statuses",
        (S000, S001),
        "Every answer has a documented status: 200, 400, 401, 403, 404, 409 or 500.",
    ),
    _doc("doc.json-content", (S002, S003), "Answers are JSON (`application/json`)."),
    _doc(
        "doc.response-models",
        (S002, S003, S004, "sdk 2.0.0"),
        "Answers carry the documented fields with their documented types (the spec's response schemas).",
    ),
    _doc(
        "doc.no-server-error",
        (S002, S003),
        "A request never crashes the service: a 5xx is only the documented 500 with its error body.",
    ),
    # --- This project's decisions ------------------------------------------------------------------
    _ours(
        "D1.methods",
        ("D1",),
        "Each path answers only its documented method; any other gets 405 with an `Allow` header.",
    ),
    _ours(
        "D2.report-headers",
        ("D2",),
        "Report parameters travel as headers as well as in the body; a missing required header is refused.",
    ),
    _ours(
        "D2.header-body-agreement",
        ("D2",),
        "A report header that disagrees with the body field of the same name gets 400 naming it; agreeing "
        "headers (the aggregates' `imei` header counting the devices) are accepted.",
    ),
    _ours(
        "D3.request-schema",
        ("D3",),
        "Requests outside the request models (patterns, types, unknown fields) get 400; requests inside "
        "them are served.",
    ),
    _ours(
        "D3.duration-seconds",
        ("D3",),
        "`durationLow` / `durationHigh` keep the sessions whose duration in seconds lies between them.",
    ),
    _ours("D4.range-order", ("D4",), "`startDate` after `endDate` gets 400 INVALID_PARAMETER."),
    _ours("D4.duration-order", ("D4",), "`durationLow` above `durationHigh` gets 400 INVALID_PARAMETER."),
    _ours(
        "D4.limit-status",
        ("D4",),
        "A request over a documented limit (180 days, 10 or 10,000 devices) gets exactly 400 INVALID_PARAMETER.",
    ),
    _ours(
        "D4.empty-list-selection",
        ("D4",),
        "An empty `imei` list means every device the filters select; more than 10 on the synchronous "
        "aggregate gets 400.",
    ),
    _ours(
        "D4.unowned-device-sessions",
        ("D4",),
        'A sessions report for an IMEI the account does not own gets 400 "Device Not Found".',
    ),
    _ours(
        "D5.error-envelope",
        ("D5",),
        "An error body is `{errorCode, errorMessage}` with INVALID_PARAMETER on 400 and INVALID_ACCESS on 401 "
        "(a server answering the gateway envelope of D8 diverges here).",
    ),
    _ours(
        "D5.malformed-body",
        ("D5",),
        "A body that is not JSON gets 400 with the JSON error model, never a framework's page.",
    ),
    _ours(
        "D5.report-identity",
        ("D5",),
        "A sessions report's `id` is the requested IMEI; report `txid`s are UUIDs.",
    ),
    _ours(
        "D5.aggregate-devices",
        ("D5",),
        "An aggregate names each requested device once, in `usage` or in `errors`; a device the account does "
        'not own is in `errors` with 400 BAD_REQUEST "Device Not Found".',
    ),
    _ours(
        "D5.aggregate-equals-sessions",
        ("D5",),
        "An aggregate's `numberOfSessions` and `bytesTransferred` equal the count and byte sum of the "
        "device's sessions report over the same range.",
    ),
    _ours(
        "D6.both-credentials",
        ("D6",),
        "A report call needs the bearer token as well as the M2M token: the M2M token alone, or beside an "
        "unknown bearer, gets 401.",
    ),
    _ours(
        "D6.account-binding",
        ("D6",),
        "Credentials own one account: any other `accountNumber` gets 403, and another account's device is "
        "never reported.",
    ),
    _ours(
        "D7.listener-operations",
        ("D7",),
        "A registered listener answers `{accountName, name}`, is listed, is removed; removing it again gets 404.",
    ),
    _ours(
        "D7.no-listener-409",
        ("D7",),
        "The asynchronous aggregate without a registered listener gets 409.",
    ),
    _ours(
        "D7.delivery",
        ("D7",),
        "An asynchronous report delivers one valid message per device, each with the request's `txid`, "
        "agreeing with the synchronous report and sending `X-Portal-Initiated` back.",
    ),
    _ours(
        "D7.retry-undelivered",
        ("D7",),
        "A listener that never answers is retried; the message is then kept, visibly undelivered.",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in CATALOGUE}

# The rule behind each schemathesis check (test_conformance.py); a check missing here counts as documented,
# so that it fails the run rather than slipping through as a divergence.
CHECK_RULES: dict[str, str] = {
    "not_a_server_error": "doc.no-server-error",
    "status_code_conformance": "doc.statuses",
    "content_type_conformance": "doc.json-content",
    "response_headers_conformance": "doc.response-models",
    "response_schema_conformance": "doc.response-models",
    "negative_data_rejection": "D3.request-schema",
    "positive_data_acceptance": "D3.request-schema",
    "missing_required_header": "D2.report-headers",
    "unsupported_method": "D1.methods",
    "allow_header_conformance": "D1.methods",
    "ignored_auth": "doc.401-missing-or-invalid-token",
    "use_after_free": "D7.listener-operations",
    "ensure_resource_availability": "D7.listener-operations",
    "object_level_authorization": "D6.account-binding",
}
UNMAPPED_CHECK_RULE = "doc.statuses"


def check_rule(check: str) -> str:
    return CHECK_RULES.get(check, UNMAPPED_CHECK_RULE)


MARKER = "rule"


def rule(*rule_ids: str) -> pytest.MarkDecorator:
    """Label a contract test with the rules it checks; an unknown id fails at import."""
    if not rule_ids:
        raise ValueError("a contract test names at least one rule")
    unknown = [r for r in rule_ids if r not in RULES]
    if unknown:
        raise KeyError(f"unknown rules {unknown}; add them to src/hpl_contract/rules.py")
    return pytest.mark.rule(*rule_ids)


def labels(item: pytest.Item) -> tuple[str, ...]:
    """The rules a collected test is labelled with, in order, without repeats."""
    found: dict[str, None] = {}
    for mark in item.iter_markers(MARKER):
        found.update(dict.fromkeys(mark.args))
    return tuple(found)


def unlabelled(items: Iterable[pytest.Item]) -> list[str]:
    return [item.nodeid for item in items if not labels(item)]


@dataclass
class Breach:
    """One failed check of a rule: what was expected, and the exchange that showed otherwise."""

    rule: str
    expected: str
    exchange: Any = None
    """A `wire.Exchange`, when the request is known."""


@dataclass
class _Evidence:
    breaches: list[Breach] = field(default_factory=list)


_EVIDENCE = _Evidence()
_ATTRIBUTE = "_hpl_contract_rules"


def reset_evidence() -> None:
    _EVIDENCE.breaches.clear()


def breaches() -> list[Breach]:
    return list(_EVIDENCE.breaches)


def attributed(error: BaseException) -> tuple[str, ...]:
    """The rules an exception was attributed to; empty when no `checking` block saw it."""
    found: tuple[str, ...] = getattr(error, _ATTRIBUTE, ())
    return found


def attribute(error: BaseException, found: Iterable[Breach]) -> None:
    """Attribute `error` to the rules of `found` (unless an inner block already did) and keep the evidence."""
    if attributed(error):
        return
    found = list(found)
    setattr(error, _ATTRIBUTE, tuple(dict.fromkeys(b.rule for b in found)))
    _EVIDENCE.breaches.extend(found)


@contextmanager
def checking(rule_id: str) -> Iterator[None]:
    """Attribute an assertion failing inside the block to `rule_id`, with the last exchange on the wire."""
    if rule_id not in RULES:
        raise KeyError(f"unknown rule {rule_id!r}; add it to src/hpl_contract/rules.py")
    try:
        yield
    except AssertionError as error:
        from hpl_contract import wire

        attribute(error, [Breach(rule_id, str(error), wire.last_exchange())])
        raise


def broken_rules(error: BaseException | None, test_labels: tuple[str, ...]) -> tuple[set[str], bool]:
    """The rules a test failure broke, and whether every part of it was an assertion about the server.

    An ExceptionGroup (hypothesis reporting several bugs, schemathesis several checks) breaks the union
    of its parts' rules; a part no `checking` block attributed breaks every rule on the test's label.
    Anything but an assertion (a crash, a transport error, a hypothesis health check) is not a verdict
    about a rule and always fails the run.
    """
    if error is None:
        return set(test_labels), False
    own = attributed(error)
    if own:
        return set(own), isinstance(error, AssertionError | BaseExceptionGroup)
    if isinstance(error, BaseExceptionGroup):
        rules: set[str] = set()
        assertions = True
        for part in error.exceptions:
            part_rules, part_assertion = broken_rules(part, test_labels)
            rules |= part_rules
            assertions = assertions and part_assertion
        return rules, assertions
    return set(test_labels), isinstance(error, AssertionError)


def only_decisions(rule_ids: Iterable[str]) -> bool:
    """Whether every rule named is a known decision (an unknown id counts as documented: it fails)."""
    ids = list(rule_ids)
    return bool(ids) and all(r in RULES and RULES[r].source == DECISION for r in ids)
