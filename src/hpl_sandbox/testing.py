"""Testing your own code against the sandbox from Python.

* `SandboxControl` — a typed client of the control plane (`/_sandbox/`): reset, seed, devices,
  journal, jobs, deliveries, clock and forced answers.
* `start_sandbox(mode)` — a running sandbox with `.client` (an `hpl.Client` aimed at it),
  `.base_url`, `.origin` and `.control`: in this process without a socket (`"inprocess"`, the
  default), on a loopback socket (`"socket"`), or the one at `$HPL_SANDBOX_URL` (`"external"`).
* `ThreadedServer` / `serve` — any ASGI app on a free loopback port in a background thread.

The `hpl_sandbox` pytest fixture (`hpl_sandbox.pytest_plugin`) hands tests a `RunningSandbox`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, Self, TypedDict, TypeVar
from urllib.parse import urlsplit

import httpx

from hpl.paths import API_PATH
from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.facts import ACCOUNT_1

if TYPE_CHECKING:
    import hpl

T = TypeVar("T")

Mode = Literal["inprocess", "socket", "external"]
MODES: tuple[Mode, ...] = ("inprocess", "socket", "external")
ENV_SANDBOX_URL = "HPL_SANDBOX_URL"
# The in-process sandbox has no address; requests name this origin and never leave the process.
INPROCESS_ORIGIN = "http://hpl-sandbox.invalid"


class Device(TypedDict):
    imei: str
    accountNumber: str
    state: str
    deviceGroup: str
    dataPlan: str


class JournalEntry(TypedDict):
    time: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int


class Job(TypedDict):
    txid: str
    state: str
    devices: int
    delivered: int
    undelivered: int


class Delivery(TypedDict):
    txid: str
    imei: str
    url: str | None
    state: str
    attempts: int
    last_error: str | None
    payload: dict[str, Any]


class ClockReading(TypedDict):
    now: str
    offset_seconds: float


class Seeded(TypedDict):
    ok: bool
    devices: int
    days: int
    seed: int
    sessions: int


class SandboxControl:
    """The control plane of a sandbox at `origin` (`http://127.0.0.1:8080` by default).

    Every call raises `httpx.HTTPStatusError` when the sandbox refuses it. `SandboxControl.using`
    drives an `httpx.Client` you already have (a Starlette `TestClient`, say) instead of its own.
    """

    def __init__(
        self,
        origin: str = "http://127.0.0.1:8080",
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.origin = origin.rstrip("/")
        self._http = httpx.Client(base_url=self.origin, transport=transport, timeout=timeout)
        self._owned = True

    @classmethod
    def using(cls, http: httpx.Client) -> SandboxControl:
        """A helper on `http`, whose base URL is the sandbox's origin; closing it leaves `http` open."""
        control = cls.__new__(cls)
        control.origin = str(http.base_url).rstrip("/")
        control._http = http
        control._owned = False
        return control

    def __repr__(self) -> str:
        return f"SandboxControl({self.origin!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, f"/_sandbox/{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Forget tokens, listeners, jobs, deliveries, journal and forced answers; reseed the demo;
        put the clock back to real time."""
        self._call("POST", "reset")

    def seed(self, devices: int, *, days: int | None = None, seed: int | None = None) -> Seeded:
        """Replace account 1's devices and sessions with a seeded fleet of `devices` devices."""
        body: dict[str, int] = {"devices": devices}
        if days is not None:
            body["days"] = days
        if seed is not None:
            body["seed"] = seed
        seeded: Seeded = self._call("POST", "seed", json=body)
        return seeded

    def devices(self, account: str = ACCOUNT_1) -> list[Device]:
        found: list[Device] = self._call("GET", "devices", params={"accountNumber": account})
        return found

    def imeis(self, account: str = ACCOUNT_1, *, state: str | None = None) -> list[str]:
        """The IMEIs of the account's devices, of one state (`"active"`, …) when given."""
        return [d["imei"] for d in self.devices(account) if state is None or d["state"] == state]

    def journal(self, path: str = "", *, limit: int | None = None) -> list[JournalEntry]:
        """Received requests, oldest first; only those whose path ends with `path` when given."""
        entries: list[JournalEntry] = self._call("GET", "journal", params={} if limit is None else {"limit": limit})
        return [entry for entry in entries if entry["path"].endswith(path)]

    def clear_journal(self) -> None:
        self._call("DELETE", "journal")

    def jobs(self, txid: str | None = None) -> list[Job]:
        found: list[Job] = self._call("GET", "jobs", params={} if txid is None else {"txid": txid})
        return found

    def deliveries(self, txid: str | None = None) -> list[Delivery]:
        found: list[Delivery] = self._call("GET", "deliveries", params={} if txid is None else {"txid": txid})
        return found

    def clock(self) -> ClockReading:
        reading: ClockReading = self._call("GET", "clock")
        return reading

    def advance_clock(self, seconds: float) -> ClockReading:
        """Move the sandbox clock (token expiry, idle sessions, default dates) by `seconds`."""
        reading: ClockReading = self._call("POST", "clock", json={"advance_seconds": seconds})
        return reading

    def set_clock(self, now: dt.datetime) -> ClockReading:
        if now.tzinfo is None:
            raise ValueError("give the sandbox clock an aware datetime")
        reading: ClockReading = self._call("POST", "clock", json={"now": now.isoformat()})
        return reading

    def reset_clock(self) -> ClockReading:
        reading: ClockReading = self._call("POST", "clock", json={"reset": True})
        return reading

    def force(
        self,
        operation_id: str,
        status: int,
        *,
        times: int = 1,
        latency_ms: int = 0,
        gateway_html: bool = False,
        gateway_envelope: bool = False,
    ) -> None:
        """The next `times` calls of `operation_id` wait `latency_ms`, then answer `status` with the
        error body (an HTML gateway page with `gateway_html`, the API gateway's
        `{responseCode, message, fault}` with `gateway_envelope`, D8); a forced 200 only adds latency."""
        self._call(
            "POST",
            "force",
            json={
                "operationId": operation_id,
                "status": status,
                "times": times,
                "latency_ms": latency_ms,
                "gateway_html": gateway_html,
                "gateway_envelope": gateway_envelope,
            },
        )

    def forced(self) -> dict[str, list[dict[str, Any]]]:
        pending: dict[str, list[dict[str, Any]]] = self._call("GET", "force")
        return pending

    def clear_forced(self) -> None:
        self._call("DELETE", "force")


class ThreadedServer:
    """An ASGI app served by uvicorn on 127.0.0.1, with its lifespan, in a daemon thread.

    The socket is bound here and handed to uvicorn, so no other process can take the port between
    choosing it and serving on it.
    """

    def __init__(self, app: Any) -> None:
        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on {self.origin} within {timeout} s")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10.0)
        self._socket.close()


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run `app` until the block ends; yields its origin, e.g. http://127.0.0.1:41234."""
    server = ThreadedServer(app)
    server.start()
    try:
        yield server.origin
    finally:
        server.stop()


class _LoopThread:
    """An event loop in a daemon thread that runs an ASGI app's lifespan and its requests, so that a
    synchronous caller can use the app in-process, background tasks (the callback worker) included."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hpl-sandbox-inprocess", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10.0)
        self.loop.close()


class _Lifespan:
    """The ASGI lifespan protocol, driven by hand: startup before the first request, shutdown at the end."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._startup: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task: asyncio.Task[None] | None = None

    async def _receive(self) -> dict[str, Any]:
        return await self._events.get()

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            self._startup.set_result(None)
        elif message["type"] == "lifespan.startup.failed" and not self._startup.done():
            self._startup.set_exception(RuntimeError(f"the sandbox did not start: {message.get('message', '')}"))

    async def _serve(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        try:
            await self._app(scope, self._receive, self._send)
        except BaseException as error:
            if not self._startup.done():
                self._startup.set_exception(error)
            raise

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._serve())
        await self._events.put({"type": "lifespan.startup"})
        await self._startup

    async def stop(self) -> None:
        if self._task is None:
            return
        await self._events.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(self._task, timeout=10.0)


async def _forward(asgi: httpx.ASGITransport, method: str, url: httpx.URL, headers: Any, body: bytes) -> httpx.Response:
    response = await asgi.handle_async_request(httpx.Request(method, url, headers=headers, content=body))
    content = await response.aread()
    return httpx.Response(response.status_code, headers=response.headers, content=content)


class InProcessTransport(httpx.BaseTransport):
    """An `httpx` transport that hands each request to an ASGI app running on `_LoopThread`."""

    def __init__(self, app: Any, loop: _LoopThread) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        answer = self._loop.run(_forward(self._asgi, request.method, request.url, request.headers, body))
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content, request=request)


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    """`InProcessTransport` for an `hpl.AsyncClient` on another event loop (a test's own)."""

    def __init__(self, app: Any, loop: _LoopThread) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = loop

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        future = asyncio.run_coroutine_threadsafe(
            _forward(self._asgi, request.method, request.url, request.headers, body), self._loop.loop
        )
        answer = await asyncio.wrap_future(future)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content, request=request)


class RunningSandbox:
    """A sandbox to test against: `.client`, `.base_url`, `.origin`, `.control`, `.mode`."""

    def __init__(
        self,
        mode: Mode,
        origin: str,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.mode = mode
        self.origin = origin
        self.base_url = origin + API_PATH
        self._transport = transport
        self._async_transport = async_transport
        self.control = SandboxControl(origin, transport=transport)
        self._clients: list[hpl.Client] = []
        self._client: hpl.Client | None = None

    def __repr__(self) -> str:
        return f"RunningSandbox(mode={self.mode!r}, base_url={self.base_url!r})"

    @property
    def client(self) -> hpl.Client:
        """An `hpl.Client` with the development credentials of account 0844021539-00001."""
        if self._client is None:
            self._client = self.new_client()
        return self._client

    def new_client(self, **options: Any) -> hpl.Client:
        """Another `hpl.Client` aimed at this sandbox; `options` go to its constructor."""
        import hpl

        client = hpl.Client(sandbox=self.origin, transport=self._transport, **options)
        self._clients.append(client)
        return client

    def async_client(self, **options: Any) -> hpl.AsyncClient:
        """An `hpl.AsyncClient` aimed at this sandbox; close it (`async with`) yourself."""
        import hpl

        return hpl.AsyncClient(sandbox=self.origin, transport=self._async_transport, **options)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self.control.close()


def _external_origin() -> str:
    url = os.environ.get(ENV_SANDBOX_URL)
    if not url:
        raise RuntimeError(f"the external sandbox mode needs {ENV_SANDBOX_URL}, e.g. http://127.0.0.1:8080")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RuntimeError(f"{ENV_SANDBOX_URL}={url!r} is not an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}"


@contextmanager
def start_sandbox(mode: Mode = "inprocess", config: SandboxConfig | None = None) -> Iterator[RunningSandbox]:
    """A sandbox for the block: a fresh in-memory one (`config` tunes it) in this process or on a
    loopback socket, or the one at `$HPL_SANDBOX_URL`, reset first."""
    if mode not in MODES:
        raise ValueError(f"sandbox mode {mode!r} is none of {', '.join(MODES)}")
    if mode == "external":
        if config is not None:
            raise ValueError("an external sandbox keeps its own configuration; give no config")
        sandbox = RunningSandbox("external", _external_origin())
        try:
            sandbox.control.reset()
            yield sandbox
        finally:
            sandbox.close()
        return

    from hpl_sandbox.app import create_app

    app = create_app(config or SandboxConfig())
    if mode == "socket":
        with serve(app) as origin:
            sandbox = RunningSandbox("socket", origin)
            try:
                yield sandbox
            finally:
                sandbox.close()
        return

    loop = _LoopThread()
    try:
        lifespan: _Lifespan = loop.run(_make_lifespan(app))
        loop.run(lifespan.start(), timeout=30.0)
        sandbox = RunningSandbox(
            "inprocess",
            INPROCESS_ORIGIN,
            transport=InProcessTransport(app, loop),
            async_transport=AsyncInProcessTransport(app, loop),
        )
        try:
            yield sandbox
        finally:
            sandbox.close()
            loop.run(lifespan.stop(), timeout=30.0)
    finally:
        loop.stop()


async def _make_lifespan(app: Any) -> _Lifespan:
    # Built on the loop that will run it: its queue and future belong to that loop.
    return _Lifespan(app)
