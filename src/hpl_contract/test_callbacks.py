"""Asynchronous reports over the wire: an asynchronous aggregate answers QUEUED at once (documented,
seed 003), then delivers one valid message per device, all with the request's txid, to a listener the
test runs on loopback (decision D7: no source documents the callback message or its delivery)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpl_contract import strategies as gen
from hpl_contract.listener import Listener, reaches_loopback, register_listener
from hpl_contract.rules import checking, rule
from hpl_contract.target import Target
from hpl_contract.wire import (
    ASYNC_AGGREGATE,
    SYNC_AGGREGATE,
    UUID,
    assert_error,
    assert_success,
    post_report,
    schema_errors,
)
from hpl_sandbox.testing import SandboxControl

# How long a test waits for callback messages; the mutant runner shortens it for mutants that lose them.
# Patient by default: after the conformance run the sandbox still works through its queued reports.
DELIVERY_TIMEOUT = float(os.environ.get("HPL_CONTRACT_DELIVERY_TIMEOUT", "30"))
# Each example waits for its deliveries; a handful of examples shows the rule without a long run.
EXAMPLES = max(3, gen.profile().max_examples // 8)
TEST_LISTENER = "contract-callbacks"
TEST_PATH = f"/{TEST_LISTENER}"


@pytest.fixture(scope="module")
def own_listener(target: Target, api: httpx.Client, listener: Listener) -> Iterator[str]:
    """A listener of this module's own, so that messages for other listeners do not count here."""
    if not reaches_loopback(target):
        pytest.skip("the listener runs on this machine's loopback, which a remote target cannot reach")
    register_listener(api, target, TEST_LISTENER, listener.url(TEST_PATH))
    yield TEST_PATH
    api.delete(
        "/callbacks",
        params={"accountNumber": target.account, "service": TEST_LISTENER},
        headers=target.auth_headers(),
    )


@rule("doc.async-queued", "D5.report-identity", "D7.delivery")
@settings(max_examples=EXAMPLES)
@given(data=st.data(), portal=st.booleans())
def test_async_report_delivers_one_message_per_device_with_the_request_txid(
    api: httpx.Client, target: Target, listener: Listener, own_listener: str, data: st.DataObject, portal: bool
) -> None:
    """QUEUED with a txid at once (documented, seed 003; a UUID, D5); then exactly one valid message per
    requested device, each with that txid, holding that one device in `usage` (agreeing with the
    synchronous report) or in `errors` (a device the account does not own), with `X-Portal-Initiated`
    sent back (D7)."""
    owned = data.draw(st.lists(st.sampled_from(target.imeis), min_size=1, max_size=4, unique=True), label="owned")
    foreign = data.draw(st.lists(gen.unknown_imeis(target.imeis), max_size=1), label="foreign")
    body: dict[str, Any] = {"accountNumber": target.account, "imei": owned + foreign}
    body.update(data.draw(gen.optional_dates(), label="dates"))
    response = post_report(
        api, ASYNC_AGGREGATE, body, target.auth_headers(), {"X-Portal-Initiated": str(portal).lower()}
    )
    with checking("doc.async-queued"):
        queued = assert_success(ASYNC_AGGREGATE, response)
        assert queued["status"] == "QUEUED", queued
    with checking("D5.report-identity"):
        assert UUID.match(queued["txid"]), queued
    txid = queued["txid"]
    with checking("D7.delivery"):
        _check_delivery(api, target, listener, own_listener, body, owned, foreign, txid, portal)


def _check_delivery(
    api: httpx.Client,
    target: Target,
    listener: Listener,
    own_listener: str,
    body: dict[str, Any],
    owned: list[str],
    foreign: list[str],
    txid: str,
    portal: bool,
) -> None:
    listener.wait_for(txid, len(body["imei"]), DELIVERY_TIMEOUT, own_listener)
    messages = listener.settle(txid, quiet=0.3, timeout=DELIVERY_TIMEOUT, path=own_listener)
    devices = []
    for message in messages:
        errors = schema_errors("AggregateReportCallbackMessage", message.body)
        assert not errors, f"callback message violates the spec: {errors}: {message.body}"
        entries = message.body.get("usage", []) + message.body.get("errors", [])
        assert len(entries) == 1, f"a message carries exactly one device: {message.body}"
        devices.append(entries[0]["imei"])
        headers = {k.lower(): v for k, v in message.headers.items()}
        assert headers.get("x-portal-initiated") == str(portal).lower(), message.headers
    assert sorted(devices) == sorted(body["imei"]), f"one message per device expected, got {sorted(devices)}"
    by_device = {
        entry["imei"]: (kind, entry)
        for message in messages
        for kind in ("usage", "errors")
        for entry in message.body.get(kind, [])
    }
    for imei in foreign:
        assert by_device[imei][0] == "errors", f"{imei} is not the account's, yet it got usage"
    sync_body = {**body, "imei": owned}
    report = assert_success(SYNC_AGGREGATE, post_report(api, SYNC_AGGREGATE, sync_body, target.auth_headers()))
    for usage in report.get("usage", []):
        kind, entry = by_device[usage["imei"]]
        assert kind == "usage" and entry == usage, f"callback {entry} disagrees with the synchronous {usage}"


@rule("D7.listener-operations")
def test_a_listener_can_be_registered_listed_and_removed(api: httpx.Client, target: Target) -> None:
    """Decision D7: a registered listener is listed with its URL; removing it unlists it; removing it
    again gets 404."""
    name, url = "contract-roundtrip", "https://listener.example.com/hpl/roundtrip"
    params = {"accountNumber": target.account}
    answer = api.post("/callbacks", params=params, json={"name": name, "url": url}, headers=target.auth_headers())
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accountName": target.account, "name": name}
    listed = api.get("/callbacks", params=params, headers=target.auth_headers())
    # D8: the account is `accountName` (current SDKs) or `aname` (doc pages).
    assert any(
        e.get("name") == name and e.get("url") == url and target.account in (e.get("accountName"), e.get("aname"))
        for e in listed.json()
    ), listed.text
    removal = {**params, "service": name}
    assert api.delete("/callbacks", params=removal, headers=target.auth_headers()).status_code == 200
    listed = api.get("/callbacks", params=params, headers=target.auth_headers())
    assert name not in [entry["name"] for entry in listed.json()]
    assert_error(api.delete("/callbacks", params=removal, headers=target.auth_headers()), 404)


@rule("D7.no-listener-409")
@pytest.mark.sandbox_only
def test_async_report_without_a_listener_is_refused(api: httpx.Client, target: Target, sandbox: SandboxControl) -> None:
    """Decision D7: with no listener registered for the account, the asynchronous aggregate gets 409."""
    other = target.logins[1].account
    listed = api.get("/callbacks", params={"accountNumber": other}, headers=target.auth_headers(other))
    assert listed.status_code == 200 and listed.json() == [], "the second account should have no listener"
    device = next(d["imei"] for d in sandbox.devices(other) if d["state"] == "active")
    body = {"accountNumber": other, "imei": [device]}
    assert_error(post_report(api, ASYNC_AGGREGATE, body, target.auth_headers(other)), 409, "No callback listener")


@rule("D7.retry-undelivered")
@pytest.mark.sandbox_only
def test_undeliverable_messages_are_retried_then_kept_as_undelivered(
    api: httpx.Client, target: Target, sandbox: SandboxControl
) -> None:
    """Decision D7: a listener that never answers is retried; the message is then kept, visibly undelivered."""
    other = target.logins[1].account
    # Port 9 (discard) on loopback refuses the connection at once.
    register_listener(api, target, "contract-dead", "http://127.0.0.1:9/dead", account=other)
    try:
        device = next(d["imei"] for d in sandbox.devices(other) if d["state"] == "active")
        body = {"accountNumber": other, "imei": [device]}
        txid = assert_success(ASYNC_AGGREGATE, post_report(api, ASYNC_AGGREGATE, body, target.auth_headers(other)))[
            "txid"
        ]
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        deliveries = sandbox.deliveries(txid)
        while time.monotonic() < deadline and not any(d["state"] == "undelivered" for d in deliveries):
            time.sleep(0.1)
            deliveries = sandbox.deliveries(txid)
        assert [d["state"] for d in deliveries] == ["undelivered"], deliveries
        assert deliveries[0]["attempts"] > 1, f"the message was not retried: {deliveries}"
    finally:
        api.delete(
            "/callbacks",
            params={"accountNumber": other, "service": "contract-dead"},
            headers=target.auth_headers(other),
        )
