"""The asynchronous aggregate and its callbacks (D7): durable jobs, one message per device per
listener, retries with backoff, undelivered messages kept, and 10,000 devices in one request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from hpl_sandbox.app import create_app
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from tests.sandbox.support import (
    ACTIVE,
    ASYNC_AGGREGATE,
    CALLBACKS,
    INACTIVE,
    UNOWNED,
    Api,
    Listener,
    TestClient,
    assert_error,
    login,
    report_headers,
    wait_until,
)

HOOK = "http://listener.test/hpl"


def deliveries(api: Api, txid: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.client.get("/_sandbox/deliveries", params={"txid": txid}).json()
    return found


def job(api: Api, txid: str) -> dict[str, Any]:
    jobs: list[dict[str, Any]] = api.client.get("/_sandbox/jobs", params={"txid": txid}).json()
    return jobs[0]


def settled(api: Api, txid: str) -> bool:
    rows = deliveries(api, txid)
    return bool(rows) and all(r["state"] != "pending" for r in rows)


def test_without_a_listener_the_request_is_409(api: Api) -> None:
    response = api.async_aggregate(imei=[ACTIVE])
    assert_error(response, 409, "INVALID_PARAMETER", says="No callback listener registered")


def test_the_answer_is_queued_with_a_fresh_txid(api: Api) -> None:
    api.register("hook", HOOK)
    answers = [api.async_aggregate(imei=[ACTIVE]).json() for _ in range(2)]
    assert [a["status"] for a in answers] == ["QUEUED", "QUEUED"]
    assert answers[0]["txid"] != answers[1]["txid"]


def test_the_job_is_stored_before_queued_is_answered(api: Api) -> None:
    api.register("hook", HOOK)
    txid = api.async_aggregate(imei=[ACTIVE]).json()["txid"]
    assert job(api, txid)["txid"] == txid


def test_one_message_per_device_reaches_the_listener(api: Api, listener: Listener) -> None:
    api.register("hook", HOOK)
    txid = api.async_aggregate(imei=[ACTIVE, UNOWNED, INACTIVE]).json()["txid"]
    wait_until(lambda: len(listener.messages) == 3)
    assert sorted(listener.imeis()) == sorted([ACTIVE, UNOWNED, INACTIVE])
    for _headers, payload in listener.messages:
        assert payload["txid"] == txid
        assert len(payload.get("usage", [])) + len(payload.get("errors", [])) == 1
    wait_until(lambda: job(api, txid)["state"] == "done")


def test_callback_usage_equals_the_sync_aggregate(api: Api, listener: Listener) -> None:
    api.register("hook", HOOK)
    api.async_aggregate(imei=[ACTIVE])
    wait_until(lambda: len(listener.messages) == 1)
    assert listener.messages[0][1]["usage"] == api.aggregate(imei=[ACTIVE]).json()["usage"]


def test_refused_devices_arrive_as_errors(api: Api, listener: Listener) -> None:
    api.register("hook", HOOK)
    api.async_aggregate(imei=[INACTIVE])
    wait_until(lambda: len(listener.messages) == 1)
    error = listener.messages[0][1]["errors"][0]
    assert error["imei"] == INACTIVE
    assert error["errorResponse"]["httpStatusCode"] == "404 NOT_FOUND"


def test_x_portal_initiated_is_sent_back_on_every_message(api: Api, listener: Listener) -> None:
    api.register("hook", HOOK)
    api.async_aggregate(headers={"X-Portal-Initiated": "false"}, imei=[ACTIVE, INACTIVE])
    wait_until(lambda: len(listener.messages) == 2)
    assert {headers["x-portal-initiated"] for headers, _ in listener.messages} == {"false"}


def test_x_portal_initiated_is_required(api: Api) -> None:
    api.register("hook", HOOK)
    body = {"accountNumber": api.account, "imei": [ACTIVE]}
    response = api.client.post(ASYNC_AGGREGATE, json=body, headers={**api.credentials, **report_headers(body, True)})
    assert_error(response, 400, says="X-Portal-Initiated")


def test_every_registered_listener_gets_every_message(api: Api, listener: Listener) -> None:
    api.register("first", HOOK + "/1")
    api.register("second", HOOK + "/2")
    api.async_aggregate(imei=[ACTIVE, INACTIVE])
    wait_until(lambda: len(listener.messages) == 4)
    assert sorted(listener.imeis()) == sorted([ACTIVE, ACTIVE, INACTIVE, INACTIVE])


def test_a_failing_listener_is_retried_until_it_acknowledges(
    make_client: Callable[..., TestClient], listener: Listener
) -> None:
    listener.failures = 2
    client = make_client(callback_max_attempts=5, callback_backoff=0.01)
    api = Api(client, login(client), ACCOUNT_1)
    api.register("hook", HOOK)
    txid = api.async_aggregate(imei=[ACTIVE]).json()["txid"]
    wait_until(lambda: settled(api, txid))
    [row] = deliveries(api, txid)
    assert (row["state"], row["attempts"]) == ("delivered", 3)
    assert len(listener.messages) == 1


def test_a_message_that_cannot_be_delivered_stays_visible_as_undelivered(
    make_client: Callable[..., TestClient], listener: Listener
) -> None:
    listener.failures = 100
    client = make_client(callback_max_attempts=3, callback_backoff=0.01)
    api = Api(client, login(client), ACCOUNT_1)
    api.register("hook", HOOK)
    txid = api.async_aggregate(imei=[ACTIVE]).json()["txid"]
    wait_until(lambda: settled(api, txid))
    [row] = deliveries(api, txid)
    assert (row["state"], row["attempts"]) == ("undelivered", 3)
    assert "500" in row["last_error"]
    assert row["payload"]["txid"] == txid
    assert job(api, txid)["undelivered"] == 1


def test_a_dead_listener_does_not_hold_up_a_live_one(
    make_client: Callable[..., TestClient], listener: Listener
) -> None:
    client = make_client(callback_max_attempts=2, callback_backoff=0.01)
    api = Api(client, login(client), ACCOUNT_1)
    api.register("dead", "http://listener.test/dead")
    api.register("live", HOOK)
    txid = api.async_aggregate(imei=[ACTIVE, INACTIVE]).json()["txid"]
    wait_until(lambda: settled(api, txid))
    states = {(row["url"], row["imei"]): row["state"] for row in deliveries(api, txid)}
    assert states == {
        ("http://listener.test/dead", ACTIVE): "undelivered",
        ("http://listener.test/dead", INACTIVE): "undelivered",
        (HOOK, ACTIVE): "delivered",
        (HOOK, INACTIVE): "delivered",
    }


def test_backoff_grows_between_attempts(make_client: Callable[..., TestClient], listener: Listener) -> None:
    listener.failures = 100
    client = make_client(callback_max_attempts=4, callback_backoff=0.2)
    api = Api(client, login(client), ACCOUNT_1)
    api.register("hook", HOOK)
    txid = api.async_aggregate(imei=[ACTIVE]).json()["txid"]
    # Waits of 0.2, 0.4 and 0.8 s: once the second attempt is in, 1.2 s of backoff remain.
    wait_until(lambda: listener.calls >= 2)
    assert not settled(api, txid)
    wait_until(lambda: settled(api, txid), timeout=10)
    assert listener.calls == 4


def test_ten_thousand_devices_in_one_request_are_all_reported(api: Api, listener: Listener) -> None:
    seeded = api.client.post("/_sandbox/seed", json={"devices": 10_000, "days": 3, "seed": 7})
    assert seeded.status_code == 200
    api.register("hook", HOOK)
    imeis = [str(709312035000000 + i) for i in range(10_000)]
    response = api.async_aggregate(imei=imeis)
    assert response.json()["status"] == "QUEUED"
    txid = response.json()["txid"]
    wait_until(lambda: job(api, txid)["state"] == "done", timeout=60)
    assert job(api, txid)["delivered"] == 10_000
    assert len(set(listener.imeis())) == 10_000


def test_more_than_ten_thousand_devices_are_refused(api: Api) -> None:
    api.register("hook", HOOK)
    imeis = [str(709312035000000 + i) for i in range(10_001)]
    # The schema's maxItems refuses it before the rule does; either way a 400 naming the limit.
    assert_error(api.async_aggregate(imei=imeis), 400, says="10000")


def test_a_job_whose_listeners_are_gone_keeps_its_messages_as_undelivered(listener: Listener) -> None:
    # Without its lifespan the app answers but its worker does not run: the job waits, queued.
    client = TestClient(create_app(SandboxConfig(callback_transport=httpx.ASGITransport(app=listener))))
    api = Api(client, login(client), ACCOUNT_1)
    api.register("hook", HOOK)
    txid = api.async_aggregate(imei=[ACTIVE]).json()["txid"]
    assert job(api, txid)["state"] == "queued"
    params = {"accountNumber": ACCOUNT_1, "service": "hook"}
    assert client.delete(CALLBACKS, params=params, headers=api.credentials).status_code == 200
    with client:
        wait_until(lambda: job(api, txid)["state"] == "done")
        [row] = deliveries(api, txid)
    assert (row["state"], row["url"]) == ("undelivered", None)
    assert "no callback listener" in row["last_error"]
    assert listener.messages == []
