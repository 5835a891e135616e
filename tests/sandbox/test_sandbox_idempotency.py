"""`Idempotency-Key` on the asynchronous aggregate (D8): the same key with the same body within 24 h
of the sandbox clock answers the first `txid` and queues nothing new, across restarts and across
the processes that serve one database file; the same key with another body is 409."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from hpl_sandbox.app import create_app
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from tests.sandbox.support import (
    ACTIVE,
    AGGREGATE,
    ASYNC_AGGREGATE,
    CALLBACKS,
    SESSIONS,
    Api,
    Listener,
    TestClient,
    assert_error,
    login,
)

HOOK = "http://listener.test/hpl"
OTHER_DEVICE = "709312035000000"
BODY = {"accountNumber": ACCOUNT_1, "imei": [ACTIVE]}


def start(api: Api, key: str | None, body: dict[str, Any] = BODY) -> httpx.Response:
    headers = {**api.credentials, "X-Portal-Initiated": "false", "accountNumber": body["accountNumber"]}
    headers["imei"] = str(len(body["imei"]))
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(ASYNC_AGGREGATE, json=body, headers=headers)


def txid(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    found: str = response.json()["txid"]
    return found


def jobs(api: Api) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.client.get("/_sandbox/jobs").json()
    return found


def registered(api: Api) -> Api:
    assert api.register("hook", HOOK).status_code == 200
    return api


def test_the_same_key_and_body_answer_the_first_txid(api: Api) -> None:
    registered(api)
    assert txid(start(api, "k-1")) == txid(start(api, "k-1"))


def test_the_same_key_and_body_queue_one_job(api: Api) -> None:
    registered(api)
    start(api, "k-1")
    start(api, "k-1")
    assert len(jobs(api)) == 1


def test_a_body_spelled_differently_but_equal_is_the_same_body(api: Api) -> None:
    registered(api)
    first = start(api, "k-1", {"accountNumber": ACCOUNT_1, "imei": [ACTIVE]})
    second = start(api, "k-1", {"imei": [ACTIVE], "accountNumber": ACCOUNT_1})
    assert txid(first) == txid(second)


def test_the_same_key_with_another_body_is_refused_with_409_naming_the_key(api: Api) -> None:
    registered(api)
    start(api, "k-1")
    other = {"accountNumber": ACCOUNT_1, "imei": [OTHER_DEVICE]}
    assert_error(start(api, "k-1", other), 409, "INVALID_PARAMETER", says="Idempotency-Key 'k-1'")
    assert len(jobs(api)) == 1


def test_another_key_with_the_same_body_queues_another_job(api: Api) -> None:
    registered(api)
    assert txid(start(api, "k-1")) != txid(start(api, "k-2"))


def test_without_a_key_every_request_queues_a_job(api: Api) -> None:
    registered(api)
    assert txid(start(api, None)) != txid(start(api, None))
    assert len(jobs(api)) == 2


def later(api: Api, seconds: int) -> Api:
    """The same caller after the sandbox clock moved `seconds` on, logged in afresh (tokens expire)."""
    api.client.post("/_sandbox/clock", json={"advance_seconds": seconds})
    return Api(api.client, login(api.client), api.account)


def test_a_key_binds_for_24_hours_of_the_sandbox_clock(api: Api) -> None:
    registered(api)
    first = txid(start(api, "k-1"))
    assert txid(start(later(api, 24 * 3600 - 60), "k-1")) == first


def test_a_key_older_than_24_hours_starts_a_new_report(api: Api) -> None:
    registered(api)
    first = txid(start(api, "k-1"))
    other = {"accountNumber": ACCOUNT_1, "imei": [OTHER_DEVICE]}
    assert txid(start(later(api, 24 * 3600), "k-1", other)) != first


def test_keys_belong_to_their_account(api: Api, api2: Api) -> None:
    registered(api)
    registered(api2)
    body2 = {"accountNumber": api2.account, "imei": ["709312034499001"]}
    assert txid(start(api, "shared")) != txid(start(api2, "shared", body2))


def test_a_refused_request_does_not_use_up_its_key(api: Api) -> None:
    # No listener yet: 409, nothing queued, and the key stays free for the corrected retry.
    assert_error(start(api, "k-1"), 409, says="No callback listener")
    registered(api)
    assert txid(start(api, "k-1"))
    assert len(jobs(api)) == 1


def test_a_replay_answers_the_first_txid_even_after_the_listener_is_gone(api: Api) -> None:
    registered(api)
    first = txid(start(api, "k-1"))
    params = {"accountNumber": ACCOUNT_1, "service": "hook"}
    api.client.delete(CALLBACKS, params=params, headers=api.credentials)
    assert txid(start(api, "k-1")) == first


def test_a_reset_forgets_every_key(api: Api) -> None:
    registered(api)
    first = txid(start(api, "k-1"))
    api.client.post("/_sandbox/reset")
    fresh = Api(api.client, login(api.client), ACCOUNT_1)
    registered(fresh)
    assert txid(start(fresh, "k-1")) != first


def test_the_key_is_accepted_and_ignored_on_the_other_reports(api: Api) -> None:
    headers = {**api.credentials, "accountNumber": ACCOUNT_1, "Idempotency-Key": "k-1"}
    sessions = api.client.post(
        SESSIONS, json={"accountNumber": ACCOUNT_1, "imei": ACTIVE}, headers={**headers, "imei": ACTIVE}
    )
    aggregate = api.client.post(AGGREGATE, json=BODY, headers={**headers, "imei": "1"})
    again = api.client.post(AGGREGATE, json=BODY, headers={**headers, "imei": "1"})
    assert (sessions.status_code, aggregate.status_code) == (200, 200)
    assert txid(aggregate) != txid(again)


def test_an_empty_key_is_refused(api: Api) -> None:
    registered(api)
    assert_error(start(api, ""), 400, says="Idempotency-Key")


def test_a_key_survives_a_restart_on_the_same_database_file(listener: Listener, tmp_path: Path) -> None:
    config = SandboxConfig(db=str(tmp_path / "sandbox.db"), callback_transport=httpx.ASGITransport(app=listener))
    with TestClient(create_app(config)) as before:
        first = txid(start(registered(Api(before, login(before), ACCOUNT_1)), "k-1"))
    with TestClient(create_app(config)) as after:
        again = Api(after, login(after), ACCOUNT_1)
        assert txid(start(again, "k-1")) == first
        assert len(jobs(again)) == 1


def test_two_sandboxes_on_one_file_share_their_keys(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    # As the worker processes of `serve --workers N` do.
    database = str(tmp_path / "shared.db")
    first, second = make_client(db=database), make_client(db=database)
    credentials = login(first)
    one, two = registered(Api(first, credentials, ACCOUNT_1)), Api(second, credentials, ACCOUNT_1)
    assert txid(start(one, "k-1")) == txid(start(two, "k-1"))
    assert_error(start(two, "k-1", {"accountNumber": ACCOUNT_1, "imei": [OTHER_DEVICE]}), 409)
    assert len(jobs(one)) == 1
