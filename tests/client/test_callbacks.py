"""Asynchronous reports end to end: listener management, the receiver (an ASGI app), the built-in
listener, and waiting for every device's message with typed results."""

from __future__ import annotations

import asyncio
import io
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

import hpl
from hpl.progress import ProgressBar, render
from hpl_client.models import AggregateReportCallbackMessage, AggregateUsageItem
from hpl_client.types import UNSET, UnknownEnumValue
from hpl_sandbox.testing import SandboxControl
from tests.client.conftest import ACCOUNT, DEVICE, INACTIVE, NOT_OWNED, present
from tests.serving import serve

TXID = "60c07fff-470b-4d6d-afcc-75e6a7c238f6"


def usage_message(imei: str, txid: str = TXID, sessions: int = 1) -> dict[str, object]:
    return {"txid": txid, "usage": [{"imei": imei, "numberOfSessions": sessions, "bytesTransferred": 10}]}


async def post(receiver: hpl.CallbackReceiver, body: object, method: str = "POST") -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver), base_url="http://listener") as http:
        return await http.request(method, "/hpl/callbacks", json=body)


def test_listeners_can_be_added_listed_and_removed(client: hpl.Client) -> None:
    registered = client.register_callback(account_number=ACCOUNT, name="reports", url="https://example.com/hook")
    assert (registered.account_name, registered.name) == (ACCOUNT, "reports")
    listed = client.list_callbacks(account_number=ACCOUNT)
    assert [(item.name, item.url) for item in listed] == [("reports", "https://example.com/hook")]
    client.deregister_callback(account_number=ACCOUNT, name="reports")
    assert client.list_callbacks(account_number=ACCOUNT) == []


def test_removing_a_listener_that_is_not_registered_raises_not_found(client: hpl.Client) -> None:
    with pytest.raises(hpl.NotFoundError):
        client.deregister_callback(account_number=ACCOUNT, name="never-registered")


def test_an_async_report_without_a_listener_raises_conflict(client: hpl.Client) -> None:
    with pytest.raises(hpl.ConflictError, match="listener"):
        client.start_async_aggregate(account_number=ACCOUNT, imeis=[DEVICE])


def test_the_receiver_stores_a_message_and_answers_200() -> None:
    receiver = hpl.CallbackReceiver()
    response = asyncio.run(post(receiver, usage_message(DEVICE)))
    assert response.status_code == 200
    [message] = receiver.messages(TXID)
    assert isinstance(message, AggregateReportCallbackMessage)
    assert message.usage and isinstance(message.usage[0], AggregateUsageItem)


def test_the_receiver_keeps_a_redelivered_message_once() -> None:
    receiver = hpl.CallbackReceiver()
    asyncio.run(post(receiver, usage_message(DEVICE, sessions=1)))
    asyncio.run(post(receiver, usage_message(DEVICE, sessions=1)))
    assert len(receiver.messages(TXID)) == 1


@pytest.mark.parametrize("body", [[1, 2], {"usage": []}, {"txid": 5}, {"txid": TXID, "usage": "x"}])
def test_the_receiver_refuses_a_body_that_is_not_a_callback_message(body: object) -> None:
    receiver = hpl.CallbackReceiver()
    response = asyncio.run(post(receiver, body))
    assert response.status_code == 400
    assert receiver.rejected == 1


def test_the_receiver_refuses_invalid_json() -> None:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=hpl.CallbackReceiver())
        async with httpx.AsyncClient(transport=transport, base_url="http://listener") as http:
            return await http.post("/", content=b"{not json")

    assert asyncio.run(send()).status_code == 400


def test_the_receiver_answers_405_to_a_get() -> None:
    assert asyncio.run(post(hpl.CallbackReceiver(), None, method="GET")).status_code == 405


def test_the_receiver_refuses_a_body_over_its_limit() -> None:
    receiver = hpl.CallbackReceiver(max_body_bytes=100)
    response = asyncio.run(post(receiver, {"txid": TXID, "pad": "x" * 200}))
    assert response.status_code == 413


def test_the_receiver_can_be_mounted_in_a_starlette_app() -> None:
    receiver = hpl.CallbackReceiver()
    app = Starlette(routes=[Mount("/hooks/hpl", app=receiver)])

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http:
            return await http.post("/hooks/hpl/", json=usage_message(DEVICE))

    assert asyncio.run(send()).status_code == 200
    assert receiver.wait_for(TXID, [DEVICE], timeout=1).complete


def test_wait_for_times_out_with_what_arrived() -> None:
    receiver = hpl.CallbackReceiver()
    asyncio.run(post(receiver, usage_message(DEVICE)))
    with pytest.raises(hpl.CallbackTimeoutError) as raised:
        receiver.wait_for(TXID, [DEVICE, INACTIVE], timeout=0.2)
    result = raised.value.result
    assert isinstance(result, hpl.AsyncReportResult)
    assert result.missing == [INACTIVE] and not result.complete
    assert "1 of 2 devices" in str(raised.value)


def test_wait_for_an_unknown_count_ends_once_messages_stop() -> None:
    receiver = hpl.CallbackReceiver()
    asyncio.run(post(receiver, usage_message(DEVICE)))
    started = time.monotonic()
    result = receiver.wait_for(TXID, None, timeout=5, settle=0.2)
    assert result.complete and len(result.messages) == 1
    assert time.monotonic() - started < 2


def test_wait_for_reports_progress() -> None:
    receiver = hpl.CallbackReceiver()
    asyncio.run(post(receiver, usage_message(DEVICE)))
    seen: list[tuple[int, int | None]] = []
    receiver.wait_for(TXID, 1, timeout=1, on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (1, 1)


def test_an_async_report_is_collected_by_the_built_in_listener(client: hpl.Client) -> None:
    imeis = [DEVICE, INACTIVE, NOT_OWNED]
    with hpl.CallbackListener("127.0.0.1", 0) as listener:
        client.register_callback(account_number=ACCOUNT, name="test", url=listener.url)
        result = hpl.run_async_report(client, listener, account_number=ACCOUNT, imeis=imeis, timeout=30)
    assert result.complete
    report = result.report()
    assert report.txid == result.txid
    assert {u.imei for u in present(report.usage)} == {DEVICE}
    assert {e.imei: present(e.error_response).http_status_code for e in present(report.errors)} == {
        INACTIVE: "404 NOT_FOUND",
        NOT_OWNED: "400 BAD_REQUEST",
    }
    synchronous = client.aggregate(account_number=ACCOUNT, imeis=[DEVICE])
    assert [u.to_dict() for u in present(report.usage)] == [u.to_dict() for u in present(synchronous.usage)]


def test_the_async_client_and_a_mounted_receiver_collect_a_report(sandbox: SandboxControl) -> None:
    receiver = hpl.CallbackReceiver()
    imeis = sandbox.imeis()[:5]

    async def run(origin: str) -> hpl.AsyncReportResult:
        async with hpl.AsyncClient(sandbox=sandbox.origin) as client:
            await client.register_callback(account_number=ACCOUNT, name="mounted", url=origin + "/hooks/")
            started = await client.start_async_aggregate(account_number=ACCOUNT, imeis=imeis)
            assert isinstance(started.txid, str)
            return await receiver.wait_for_async(started.txid, imeis, timeout=30)

    app = Starlette(routes=[Mount("/hooks", app=receiver)])
    with serve(app) as origin:
        result = asyncio.run(run(origin))
    assert result.complete and len(result.messages) == 5


@pytest.mark.slow
def test_a_10000_device_async_report_is_collected_by_the_receiver(sandbox: SandboxControl) -> None:
    sandbox.seed(devices=10_000, days=7, seed=7)
    imeis = sandbox.imeis()
    assert len(imeis) >= 10_000
    imeis = imeis[:10_000]
    progress: list[int] = []
    try:
        with hpl.Client(sandbox=sandbox.origin) as client, hpl.CallbackListener() as listener:
            client.register_callback(account_number=ACCOUNT, name="bulk", url=listener.url)
            result = hpl.run_async_report(
                client,
                listener,
                account_number=ACCOUNT,
                imeis=imeis,
                timeout=120,
                on_progress=lambda done, total: progress.append(done),
            )
    finally:
        sandbox.reset()
    assert result.complete and len(result.messages) == 10_000
    report = result.report()
    assert len(present(report.usage)) + len(present(report.errors)) == 10_000
    assert progress[-1] == 10_000


def test_the_progress_bar_draws_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar("callbacks", stream=stream)
        bar.update(5, 10)
        bar.update(10, 10)
        bar.close()
    assert pipe.getvalue() == ""
    assert terminal.getvalue().endswith("\r" + render("callbacks", 10, 10) + "\n")


def test_the_progress_bar_fills_in_proportion() -> None:
    assert "[" + "#" * 15 + "." * 15 + "]" in render("x", 5, 10)
    assert render("x", 7, None) == "x 7 received"


# -- hostile or odd callback bodies (issue 13) ----------------------------------------------------

OTHER = "709312034493373"


def two_device_message(txid: str = TXID) -> dict[str, object]:
    return {
        "txid": txid,
        "usage": [{"imei": DEVICE, "numberOfSessions": 1, "bytesTransferred": 10}],
        "errors": [{"imei": OTHER, "errorMessage": "Device inactive"}],
    }


def test_a_message_carrying_two_devices_completes_both() -> None:
    receiver = hpl.CallbackReceiver()
    asyncio.run(post(receiver, two_device_message()))
    result = receiver.wait_for(TXID, [DEVICE, OTHER], timeout=0.5)
    assert result.complete and sorted(result.devices) == sorted([DEVICE, OTHER])


def test_a_message_carrying_two_devices_reports_each_once() -> None:
    receiver = hpl.CallbackReceiver()
    for _ in range(2):
        asyncio.run(post(receiver, two_device_message()))
    report = receiver.wait_for(TXID, 2, timeout=0.5).report()
    assert [u.imei for u in present(report.usage)] == [DEVICE]
    assert [e.imei for e in present(report.errors)] == [OTHER]


def test_messages_naming_no_device_do_not_count_toward_completion() -> None:
    receiver = hpl.CallbackReceiver()
    for _ in range(3):
        assert asyncio.run(post(receiver, {"txid": TXID, "usage": [{"numberOfSessions": 1}]})).status_code == 200
    with pytest.raises(hpl.CallbackTimeoutError):
        receiver.wait_for(TXID, 1, timeout=0.2)
    assert receiver.deviceless == 3


def test_messages_for_txids_nobody_waits_for_are_bounded_oldest_dropped_first() -> None:
    receiver = hpl.CallbackReceiver(max_unclaimed=5)
    txids = [f"txid-{n}" for n in range(8)]
    for txid in txids:
        asyncio.run(post(receiver, usage_message(DEVICE, txid=txid)))
    assert receiver.dropped == 3
    assert [txid for txid in txids if receiver.messages(txid)] == txids[3:]


def test_messages_of_an_expected_txid_are_kept_beyond_the_bound() -> None:
    receiver = hpl.CallbackReceiver(max_unclaimed=2)
    receiver.expect(TXID)
    for n in range(6):
        asyncio.run(post(receiver, usage_message(f"7093120344933{n:02d}")))
    assert len(receiver.messages(TXID)) == 6 and receiver.dropped == 0


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"txid": "' + b"\xff\xfe" + b'"}', b'{"txid": "t", "usage": [' + b"[" * 100_000 + b"]}"],
    ids=["deep JSON", "not UTF-8", "deep JSON inside a message"],
)
def test_any_body_is_answered_with_a_4xx_never_a_500(body: bytes) -> None:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=hpl.CallbackReceiver())
        async with httpx.AsyncClient(transport=transport, base_url="http://listener") as http:
            return await http.post("/", content=body)

    assert asyncio.run(send()).status_code == 400


def test_an_unknown_enum_value_in_a_message_keeps_the_devices_result() -> None:
    receiver = hpl.CallbackReceiver()
    body = {
        "txid": TXID,
        "errors": [{"imei": DEVICE, "errorMessage": "Busy", "errorResponse": {"httpStatusCode": "499 CLIENT_CLOSED"}}],
    }
    assert asyncio.run(post(receiver, body)).status_code == 200
    [error] = present(receiver.wait_for(TXID, [DEVICE], timeout=0.5).report().errors)
    assert (error.imei, error.error_message) == (DEVICE, "Busy")
    status = present(present(error.error_response).http_status_code)
    assert isinstance(status, UnknownEnumValue) and status == "499 CLIENT_CLOSED"


def test_nulls_in_a_message_count_as_absent_and_keep_the_devices_result() -> None:
    receiver = hpl.CallbackReceiver()
    body = {"txid": TXID, "errors": None, "usage": [{"imei": DEVICE, "numberOfSessions": None, "bytesTransferred": 3}]}
    assert asyncio.run(post(receiver, body)).status_code == 200
    [usage] = present(receiver.wait_for(TXID, [DEVICE], timeout=0.5).report().usage)
    assert (usage.imei, usage.bytes_transferred, usage.number_of_sessions) == (DEVICE, 3, UNSET)
