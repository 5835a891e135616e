"""Several sandboxes serving one database file agree: clock, forced answers, resets and tokens.

Each `TestClient` below is a separate sandbox with its own connection, as each worker process of
`hpl-sandbox serve --workers N` is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hpl_sandbox.app import create_app
from hpl_sandbox.clock import parse_rfc3339_ms
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from tests.sandbox.support import ACTIVE, Api, TestClient, assert_error, login

SYNC = "calculateAggregatedReportSynchronous"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Api, Api]]:
    database = str(tmp_path / "shared.db")
    with (
        TestClient(create_app(SandboxConfig(db=database))) as first,
        TestClient(create_app(SandboxConfig(db=database))) as second,
    ):
        credentials = login(first)
        yield Api(first, credentials, ACCOUNT_1), Api(second, credentials, ACCOUNT_1)


def now_ms(api: Api) -> int:
    return parse_rfc3339_ms(api.client.get("/_sandbox/clock").json()["now"])


def test_the_clock_moved_through_one_sandbox_moves_for_every_sandbox_on_the_file(pair: tuple[Api, Api]) -> None:
    first, second = pair
    first.client.post("/_sandbox/clock", json={"advance_seconds": 86_400})
    assert second.client.get("/_sandbox/clock").json()["offset_seconds"] == pytest.approx(86_400, abs=1)
    first.client.post("/_sandbox/clock", json={"reset": True})
    assert second.client.get("/_sandbox/clock").json()["offset_seconds"] == 0


def test_clock_advances_through_two_sandboxes_add_up(pair: tuple[Api, Api]) -> None:
    first, second = pair
    first.client.post("/_sandbox/clock", json={"advance_seconds": 100})
    second.client.post("/_sandbox/clock", json={"advance_seconds": 50})
    assert first.client.get("/_sandbox/clock").json()["offset_seconds"] == pytest.approx(150, abs=0.01)


def test_an_answer_forced_through_one_sandbox_is_given_once_by_another(pair: tuple[Api, Api]) -> None:
    first, second = pair
    assert first.client.post("/_sandbox/force", json={"operationId": SYNC, "status": 409}).status_code == 200
    assert second.client.get("/_sandbox/force").json()[SYNC][0]["status"] == 409
    assert_error(second.aggregate(imei=[ACTIVE]), 409)
    assert first.aggregate(imei=[ACTIVE]).status_code == 200
    assert second.client.get("/_sandbox/force").json() == {}


def test_a_forced_answer_lasting_three_calls_is_given_three_times_across_sandboxes(pair: tuple[Api, Api]) -> None:
    first, second = pair
    first.client.post("/_sandbox/force", json={"operationId": SYNC, "status": 500, "times": 3})
    statuses = [api.aggregate(imei=[ACTIVE]).status_code for api in (first, second, first, second, first, second)]
    assert statuses == [500, 500, 500, 200, 200, 200]


def test_a_reset_through_one_sandbox_signs_out_every_sandbox(pair: tuple[Api, Api]) -> None:
    first, second = pair
    assert second.aggregate(imei=[ACTIVE]).status_code == 200  # the second sandbox now remembers the tokens
    first.client.post("/_sandbox/reset")
    assert_error(second.aggregate(imei=[ACTIVE]), 401)
    fresh = Api(second.client, login(first.client), ACCOUNT_1)
    assert fresh.aggregate(imei=[ACTIVE]).status_code == 200


def test_a_reset_through_one_sandbox_puts_every_sandboxs_clock_back(pair: tuple[Api, Api]) -> None:
    first, second = pair
    second.client.post("/_sandbox/clock", json={"advance_seconds": 3600})
    first.client.post("/_sandbox/reset")
    assert abs(now_ms(second) - now_ms(first)) < 5_000
    assert second.client.get("/_sandbox/clock").json()["offset_seconds"] == 0
