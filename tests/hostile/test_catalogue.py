"""Every case of the hostile-answer catalogue through every client it names (issue 13, item 4).

The cases and what each client must do with them are in `catalogue.py`; this module only runs
them: the fake server answers as the case says, the client is called, and the outcome is compared
with the expectation, field by field.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest

import hpl
from tests.hostile.catalogue import (
    CASES,
    SECRETS,
    TXID,
    Case,
    HttpxRaises,
    NotApplicable,
    Parsed,
    Raises,
    Receives,
    Returns,
    matches,
)
from tests.hostile.clients import OPERATIONS, Outcome, call_generated, call_hpl, deliver
from tests.hostile.server import LOGIN_PATH, FakeServer


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    try:
        yield fake
    finally:
        fake.close()


def _runs(client: str) -> list[Any]:
    runs = []
    for case in CASES:
        expectation = {"generated": case.generated, "hpl": case.hpl, "receiver": case.receiver}[client]
        if isinstance(expectation, NotApplicable):
            continue
        if client == "generated":
            operations = OPERATIONS if case.every_operation else (case.operation,)
            for operation in operations:
                for flavour in ("sync_detailed", "asyncio_detailed"):
                    suffix = f"-{operation}" if case.every_operation else ""
                    runs.append(pytest.param(case, operation, flavour, id=f"{case.name}{suffix}-{flavour}"))
        elif client == "hpl":
            for flavour in ("Client", "AsyncClient"):
                runs.append(pytest.param(case, flavour, id=f"{case.name}-{flavour}"))
        else:
            runs.append(pytest.param(case, id=case.name))
    return runs


def value_at(root: Any, path: str) -> Any:
    for step in path.split("."):
        root = root[int(step)] if step.isdigit() else getattr(root, step)
    return root


def check_fields(root: Any, fields: dict[str, Any] | Any) -> None:
    for path, expected in fields.items():
        found = value_at(root, path)
        assert matches(expected, found), f"{path}: expected {expected!r}, found {found!r}"


def shown(error: BaseException) -> str:
    return f"{error}\n{error!r}\n{getattr(error, 'text', '')}"


# -- the catalogue is complete and well formed ----------------------------------------------------


def test_every_case_has_a_unique_name_and_says_what_the_answer_is() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert all(case.doc.strip() for case in CASES)


def test_every_answer_is_run_through_the_generated_client_and_hpl_and_every_message_through_the_receiver() -> None:
    for case in CASES:
        if case.message is None:
            assert not isinstance(case.hpl, NotApplicable), case.name
            assert isinstance(case.receiver, NotApplicable), case.name
            assert case.token is not None or not isinstance(case.generated, NotApplicable), case.name
        else:
            assert isinstance(case.receiver, Receives), case.name


# -- the generated client -------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "operation", "flavour"), _runs("generated"))
def test_the_generated_client_does_what_the_catalogue_says(
    server: FakeServer, case: Case, operation: str, flavour: str
) -> None:
    expected = case.generated
    server.stage(case.script, token=case.token)
    outcome = call_generated(server, operation, "sync" if flavour == "sync_detailed" else "async", case.calls)
    if isinstance(expected, HttpxRaises):
        assert type(outcome.error) is expected.error, outcome.error
        return
    assert isinstance(expected, Parsed)
    assert outcome.error is None, f"{flavour} raised {outcome.error!r}"
    response = outcome.value
    assert response.status_code == expected.status
    # A status inside http.HTTPStatus is its member; one outside (499, 520) stays a plain int.
    assert isinstance(response.status_code, HTTPStatus) == (expected.status in HTTPStatus._value2member_map_)
    content = expected.content if expected.content is not None else case.script[0].body
    assert response.content == content
    if expected.model is None:
        assert response.parsed is None, response.parsed
    else:
        assert type(response.parsed) is expected.model, response.parsed
        check_fields(response.parsed, expected.fields)


# -- hpl.Client and hpl.AsyncClient ---------------------------------------------------------------


@pytest.mark.parametrize(("case", "flavour"), _runs("hpl"))
def test_hpl_does_what_the_catalogue_says(server: FakeServer, case: Case, flavour: str) -> None:
    expected = case.hpl
    script = server.stage(case.script, token=case.token)
    outcome: Outcome = call_hpl(
        server, case.operation, "sync" if flavour == "Client" else "async", case.calls, dict(case.hpl_options)
    )
    if isinstance(expected, Returns):
        assert outcome.error is None, f"{flavour} raised {outcome.error!r}"
        if expected.model is None:
            assert outcome.value is None
        else:
            assert type(outcome.value) is expected.model, outcome.value
            check_fields(outcome.value, expected.fields)
        if expected.header is not None:
            name, value = expected.header
            assert [seen.headers[name] for seen in server.api_requests()] == [value] * expected.sent
        if expected.longest_wait is not None:
            assert max(outcome.waits) <= expected.longest_wait
        if expected.shortest_wait is not None:
            assert min(outcome.waits) >= expected.shortest_wait
    else:
        assert isinstance(expected, Raises)
        error = outcome.error
        assert type(error) is expected.error, f"expected {expected.error.__name__}, got {error!r}"
        assert isinstance(error, hpl.HplError)
        check_fields(error, expected.fields)
        if expected.cause is None:
            assert error.__cause__ is None, error.__cause__
        else:
            assert isinstance(error.__cause__, expected.cause), error.__cause__
        if expected.says is not None:
            assert expected.says in str(error)
        leaked = [secret for secret in SECRETS if secret in shown(error)]
        assert leaked == [], f"{leaked} shown by {error!r}"
        if expected.logins is not None:
            assert sum(seen.path == LOGIN_PATH for seen in script.seen) == expected.logins
    assert len(server.api_requests()) == expected.sent
    assert len(outcome.waits) == expected.waits, outcome.waits
    if case.answer is not None and case.answer.close:
        # Each call on its own connection: the client noticed every close.
        assert script.connections == expected.sent


# -- hpl.CallbackReceiver ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _runs("receiver"))
def test_the_callback_receiver_does_what_the_catalogue_says(case: Case) -> None:
    expected = case.receiver
    assert isinstance(expected, Receives) and case.message is not None
    delivered = deliver(case.message, case.deliveries, TXID, expected.wait_for)
    assert delivered.answered == [expected.answered] * case.deliveries
    for counter, value in expected.counters.items():
        assert getattr(delivered.receiver, counter) == value, counter
    if expected.wait_for is None:
        return
    if expected.complete:
        assert delivered.error is None, delivered.error
        assert delivered.result is not None and delivered.result.complete
        check_fields(delivered.result.report(), expected.report)
    else:
        assert isinstance(delivered.error, hpl.CallbackTimeoutError), delivered.error
