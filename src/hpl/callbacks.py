"""Receiving the results of an asynchronous aggregate: a receiver, a built-in listener, and waiting.

`CallbackReceiver` is an ASGI app: mount it in any ASGI server or framework, point a registered
listener at it, and `wait_for(txid, ...)` returns once every device has answered. For scripts,
`CallbackListener` serves a receiver with uvicorn on HOST:PORT in a background thread.

Delivery is at least once (decision D7), so messages are kept per device: a repeat replaces
the earlier copy instead of counting twice.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Generator, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from hpl.client import Client
from hpl.errors import CallbackTimeoutError, HplError
from hpl.reports import NotAMessage, message_imeis, parse_message, report_for_devices
from hpl_client.models import AggregatedReportCallbackResult, AggregateReportCallbackMessage, AggregateSessionReport

if TYPE_CHECKING:
    import uvicorn

ProgressCallback = Callable[[int, int | None], None]
Expected = int | Collection[str] | None

MAX_BODY_BYTES = 1_000_000
# Devices kept for txids nobody waits for yet: one whole asynchronous report (10,000 devices).
MAX_UNCLAIMED = 10_000
# With an unknown device count, a report counts as complete once messages stop for this long.
DEFAULT_SETTLE = 2.0
_POLL = 0.1

# The ASGI callables, spelled as Starlette and httpx spell them so that mounting type-checks.
ASGIScope = MutableMapping[str, Any]
ASGIReceive = Callable[[], Awaitable[MutableMapping[str, Any]]]
ASGISend = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class AsyncReportResult:
    """The callback messages of one asynchronous report.

    `devices` holds, for every device that answered, the latest message that carried it (one
    message may carry several devices); `messages` is each of those messages once.
    """

    txid: str
    messages: list[AggregateReportCallbackMessage]
    expected: int | None
    missing: list[str] = field(default_factory=list)
    devices: dict[str, AggregateReportCallbackMessage] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing and (self.expected is None or len(self.devices) >= self.expected)

    def report(self) -> AggregateSessionReport:
        """Every device's usage and error as one aggregate report with this `txid`."""
        return report_for_devices(self.txid, self.devices)


class _Store:
    """Messages by txid and device.

    Waiters poll instead of being notified: a wake-up per message would make collecting
    10,000 messages quadratic. Devices of a txid nobody waits for yet ("unclaimed": the first
    messages may arrive before the call that started the report has returned) are kept up to a
    bound, oldest dropped first, so that stray or hostile posts cannot fill the memory.
    """

    def __init__(self, max_unclaimed: int) -> None:
        self.lock = threading.Lock()
        self.by_txid: dict[str, dict[str, AggregateReportCallbackMessage]] = {}
        self.last_arrival: dict[str, float] = {}
        self.claimed: set[str] = set()
        self.unclaimed: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.max_unclaimed = max_unclaimed
        self.dropped = 0

    def add(self, message: AggregateReportCallbackMessage, now: float) -> int:
        """Store `message` under every device it carries; returns how many devices that is."""
        imeis = message_imeis(message)
        if not imeis:
            return 0
        txid = message.txid
        with self.lock:
            devices = self.by_txid.setdefault(txid, {})
            for imei in imeis:
                devices[imei] = message
                if txid not in self.claimed:
                    self.unclaimed[(txid, imei)] = None
                    self.unclaimed.move_to_end((txid, imei))
            self.last_arrival[txid] = now
            while len(self.unclaimed) > self.max_unclaimed:
                (old_txid, old_imei), _ = self.unclaimed.popitem(last=False)
                self.dropped += 1
                old = self.by_txid.get(old_txid)
                if old is not None:
                    old.pop(old_imei, None)
                    if not old:
                        del self.by_txid[old_txid]
                        self.last_arrival.pop(old_txid, None)
        return len(imeis)

    def claim(self, txid: str) -> None:
        with self.lock:
            self.claimed.add(txid)
            for imei in self.by_txid.get(txid, {}):
                self.unclaimed.pop((txid, imei), None)

    def forget(self, txid: str) -> None:
        with self.lock:
            for imei in self.by_txid.pop(txid, {}):
                self.unclaimed.pop((txid, imei), None)
            self.last_arrival.pop(txid, None)
            self.claimed.discard(txid)

    def snapshot(self, txid: str) -> tuple[dict[str, AggregateReportCallbackMessage], float | None]:
        with self.lock:
            return dict(self.by_txid.get(txid, {})), self.last_arrival.get(txid)


def _distinct(messages: Collection[AggregateReportCallbackMessage]) -> list[AggregateReportCallbackMessage]:
    return list({id(message): message for message in messages}.values())


class CallbackReceiver:
    """An ASGI app that accepts `AggregateReportCallbackMessage` POSTs on any path.

    It answers 200 to a message it stored, 400 to a body that is not one (the sender keeps it as
    undelivered rather than losing it silently), 413 to a body over `max_body_bytes` and 405 to
    anything but POST: never a 500, whatever arrives. A message is read as a tolerant reader
    (decision D8): a `null` counts as absent and a field whose value this client cannot type
    (an enum value it does not know) is kept raw in the item's `additional_properties`, so the
    device's result is never lost. `rejected` counts refused bodies, `deviceless` accepted
    messages that name no device (they count toward nothing), `dropped` devices of unclaimed
    txids dropped beyond `max_unclaimed`.
    """

    def __init__(
        self,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_unclaimed: int = MAX_UNCLAIMED,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_body_bytes = max_body_bytes
        self._clock = clock
        self._store = _Store(max_unclaimed)
        self.rejected = 0
        self.deviceless = 0

    @property
    def dropped(self) -> int:
        return self._store.dropped

    def __repr__(self) -> str:
        return f"CallbackReceiver(txids={len(self._store.by_txid)})"

    async def __call__(self, scope: ASGIScope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            await _respond(send, 405, {"error": "only POST is accepted"}, extra=[(b"allow", b"POST")])
            return
        body = await _read_body(receive, self.max_body_bytes)
        if body is None:
            self.rejected += 1
            await _respond(send, 413, {"error": f"body over {self.max_body_bytes} bytes"})
            return
        try:
            message = parse_message(json.loads(body))
        except NotAMessage as exc:
            self.rejected += 1
            await _respond(send, 400, {"error": f"not an aggregate report callback message: {exc}"})
            return
        except Exception as exc:  # RecursionError on deep JSON, bad UTF-8, ...: the sender's fault
            self.rejected += 1
            await _respond(send, 400, {"error": f"not a JSON callback message ({type(exc).__name__})"})
            return
        self.add(message)
        await _respond(send, 200, {"ok": True})

    def add(self, message: AggregateReportCallbackMessage) -> None:
        """Store a message received by other means (another framework's route, a queue)."""
        if self._store.add(message, self._clock()) == 0:
            self.deviceless += 1

    def expect(self, txid: str) -> None:
        """Keep every message of `txid` from now on, beyond the bound on unclaimed txids.

        `wait_for` does this itself; call it early when messages may pile up before you wait.
        """
        self._store.claim(txid)

    def messages(self, txid: str) -> list[AggregateReportCallbackMessage]:
        return _distinct(self._store.snapshot(txid)[0].values())

    def forget(self, txid: str) -> None:
        """Drop what was collected for `txid`, once it is no longer needed."""
        self._store.forget(txid)

    def _state(self, txid: str, expected: Expected, settle: float) -> tuple[AsyncReportResult, bool]:
        """The result so far and whether waiting is over."""
        collected, last = self._store.snapshot(txid)
        messages = _distinct(collected.values())
        if expected is None:
            settled = last is not None and self._clock() - last >= settle
            return AsyncReportResult(txid, messages, None, devices=collected), settled
        if isinstance(expected, int):
            result = AsyncReportResult(txid, messages, expected, devices=collected)
            return result, len(collected) >= expected
        wanted = list(dict.fromkeys(expected))
        missing = [imei for imei in wanted if imei not in collected]
        return AsyncReportResult(txid, messages, len(wanted), missing, devices=collected), not missing

    def _waiting(
        self,
        txid: str,
        expected_devices: Expected,
        timeout: float,
        on_progress: ProgressCallback | None,
        settle: float,
    ) -> Generator[float, None, AsyncReportResult]:
        """The waiting of `wait_for`, written once: yields how long to sleep before looking again."""
        self.expect(txid)
        deadline = self._clock() + timeout
        total = _total(expected_devices)
        while True:
            result, done = self._state(txid, expected_devices, settle)
            if on_progress is not None:
                on_progress(len(result.devices), total)
            if done:
                return result
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise _timeout_error(result, timeout)
            yield min(remaining, _POLL)

    def wait_for(
        self,
        txid: str,
        expected_devices: Expected,
        timeout: float,
        *,
        on_progress: ProgressCallback | None = None,
        settle: float = DEFAULT_SETTLE,
    ) -> AsyncReportResult:
        """Block until every expected device has answered for `txid`, or raise at `timeout`.

        `expected_devices` is the IMEIs of the request, or their number, or None when it is
        unknown (an empty IMEI list means every device of the account): then the report is
        complete once no message has arrived for `settle` seconds. On timeout,
        `CallbackTimeoutError.result` holds what did arrive.
        """
        waiting = self._waiting(txid, expected_devices, timeout, on_progress, settle)
        try:
            while True:
                time.sleep(next(waiting))
        except StopIteration as done:
            result: AsyncReportResult = done.value
            return result

    async def wait_for_async(
        self,
        txid: str,
        expected_devices: Expected,
        timeout: float,
        *,
        on_progress: ProgressCallback | None = None,
        settle: float = DEFAULT_SETTLE,
    ) -> AsyncReportResult:
        """`wait_for` for a caller on an event loop (such as the one serving this receiver)."""
        waiting = self._waiting(txid, expected_devices, timeout, on_progress, settle)
        try:
            while True:
                await asyncio.sleep(next(waiting))
        except StopIteration as done:
            result: AsyncReportResult = done.value
            return result


def _total(expected: Expected) -> int | None:
    if expected is None:
        return None
    return expected if isinstance(expected, int) else len(set(expected))


def _timeout_error(result: AsyncReportResult, timeout: float) -> CallbackTimeoutError:
    want = "an unknown number of" if result.expected is None else f"{result.expected:,}"
    return CallbackTimeoutError(
        f"after {timeout:g} s, {len(result.devices):,} of {want} devices had answered for txid {result.txid}",
        result=result,
    )


async def _lifespan(receive: ASGIReceive, send: ASGISend) -> None:
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: ASGIReceive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            break
        chunk = event.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not event.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(
    send: ASGISend, status: int, body: dict[str, Any], *, extra: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class CallbackListener:
    """A `CallbackReceiver` served by uvicorn on HOST:PORT in a background thread.

    Port 0 picks a free port. `url` is what to register with `Client.register_callback`; pass
    `public_url` when the service reaches this machine under another address.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        receiver: CallbackReceiver | None = None,
        path: str = "/hpl/callbacks",
        public_url: str | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.path = path if path.startswith("/") else "/" + path
        self.receiver = receiver if receiver is not None else CallbackReceiver()
        self.public_url = public_url
        self.startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def __repr__(self) -> str:
        return f"CallbackListener({self.host!r}, {self.port})"

    @property
    def url(self) -> str:
        if self.public_url is not None:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(2048)
        self.port = sock.getsockname()[1]
        # Only a listener needs a server; `import hpl` stays free of uvicorn (issue 15).
        import uvicorn

        config = uvicorn.Config(self.receiver, log_level="warning", access_log=False, lifespan="off", backlog=2048)
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"hpl-listener-{self.port}", daemon=True
        )
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the callback listener on {self.host}:{self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout)
        if sock is not None:
            sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_for(
        self,
        txid: str,
        expected_devices: Expected,
        timeout: float,
        *,
        on_progress: ProgressCallback | None = None,
        settle: float = DEFAULT_SETTLE,
    ) -> AsyncReportResult:
        """See `CallbackReceiver.wait_for`."""
        return self.receiver.wait_for(txid, expected_devices, timeout, on_progress=on_progress, settle=settle)


def run_async_report(
    client: Client,
    receiver: CallbackReceiver | CallbackListener,
    *,
    account_number: str,
    imeis: Sequence[str] = (),
    timeout: float = 600.0,
    on_progress: ProgressCallback | None = None,
    settle: float = DEFAULT_SETTLE,
    **filters: Any,
) -> AsyncReportResult:
    """Start an asynchronous aggregate and wait for every device's callback message.

    The account must have a listener registered that reaches `receiver`. `filters` are the
    other keyword arguments of `Client.start_async_aggregate`.
    """
    txid = txid_of(client.start_async_aggregate(account_number=account_number, imeis=imeis, **filters))
    (receiver.receiver if isinstance(receiver, CallbackListener) else receiver).expect(txid)
    expected: Expected = list(dict.fromkeys(imeis)) or None
    return receiver.wait_for(txid, expected, timeout, on_progress=on_progress, settle=settle)


def txid_of(started: AggregatedReportCallbackResult) -> str:
    """The `txid` the callback messages will carry. D8 makes it optional in the answer, as the
    vendor's current SDKs do; the client already refuses an answer without one (InvalidResponseError),
    so this only narrows the type."""
    if isinstance(started.txid, str):
        return started.txid
    raise HplError("the asynchronous aggregate was queued without a txid")
