"""The sandbox's own HTTP/1.1 callback sender against listeners that answer in every way HTTP
allows: keep-alive or not, sized, chunked or to the end of the connection, slowly, never, or by
closing an idle connection under it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.delivery import CallbackSender, Target, plain_http_target
from hpl_sandbox.jobs import JobRunner
from hpl_sandbox.store import Store

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]

HEADERS = {"Content-Type": "application/json", "X-Portal-Initiated": "false"}


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return head[0], headers, body


class Listener:
    """A loopback server that runs `answer` for every request; `answer` says whether to keep the
    connection open for the next one."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Target:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        target = plain_http_target(f"http://127.0.0.1:{port}/hook?x=1")
        assert target is not None
        return target

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                self.requests.append(await read_request(reader))
                if not await self.answer(reader, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def respond(raw: bytes, keep: bool = True) -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(raw)
        await writer.drain()
        return keep

    return answer


def run(coroutine: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(coroutine, 20))


def test_posts_reuse_one_keep_alive_connection() -> None:
    async def go() -> None:
        listener = Listener(respond(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        async with listener as target:
            sender = CallbackSender(timeout=5, limit=4)
            statuses = [await sender.post(target, b'{"n": %d}' % i, HEADERS) for i in range(5)]
            await sender.aclose()
        assert statuses == [200] * 5
        assert listener.connections == 1
        line, headers, body = listener.requests[0]
        assert line == "POST /hook?x=1 HTTP/1.1"
        assert headers["host"] == target.host_header
        assert headers["content-type"] == "application/json"
        assert headers["x-portal-initiated"] == "false"
        assert body == b'{"n": 0}'

    run(go())


@pytest.mark.parametrize(
    "raw, keep",
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n", True),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 204 No Content\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", True),
        (b"HTTP/1.1 200 OK\r\n\r\nthe body runs to the end", False),
    ],
)
def test_every_way_of_framing_an_answer_is_read_whole(raw: bytes, keep: bool) -> None:
    async def go() -> None:
        listener = Listener(respond(raw, keep))
        async with listener as target:
            sender = CallbackSender(timeout=5, limit=4)
            statuses = [await sender.post(target, b"{}", HEADERS) for _ in range(3)]
            await sender.aclose()
        assert all(200 <= status < 300 for status in statuses)
        assert len(listener.requests) == 3
        assert listener.connections == (1 if keep else 3)

    run(go())


def test_an_error_status_is_reported_and_the_connection_kept() -> None:
    async def go() -> None:
        listener = Listener(respond(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops"))
        async with listener as target:
            sender = CallbackSender(timeout=5, limit=4)
            assert [await sender.post(target, b"{}", HEADERS) for _ in range(2)] == [500, 500]
            await sender.aclose()
        assert listener.connections == 1

    run(go())


def test_an_idle_connection_the_listener_closed_is_replaced() -> None:
    async def go() -> None:
        answered = 0

        async def answer_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
            nonlocal answered
            answered += 1
            # Claims keep-alive, then closes the idle connection: the next POST must not be lost.
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return False

        listener = Listener(answer_then_hang_up)
        async with listener as target:
            sender = CallbackSender(timeout=5, limit=4)
            for _ in range(3):
                assert await sender.post(target, b"{}", HEADERS) == 200
                await asyncio.sleep(0.05)
            await sender.aclose()
        assert answered == 3
        assert listener.connections == 3

    run(go())


def test_a_connection_closed_as_it_is_reused_is_retried_once_on_a_fresh_one() -> None:
    async def go() -> None:
        calls = 0

        async def close_the_second_without_answering(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> bool:
            nonlocal calls
            calls += 1
            if calls == 2:
                return False
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return True

        listener = Listener(close_the_second_without_answering)
        async with listener as target:
            sender = CallbackSender(timeout=5, limit=4)
            assert await sender.post(target, b"{}", HEADERS) == 200
            assert await sender.post(target, b"{}", HEADERS) == 200
            await sender.aclose()
        assert calls == 3

    run(go())


def test_a_listener_that_never_answers_is_a_read_timeout() -> None:
    async def go() -> None:
        async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
            await asyncio.sleep(10)
            return False

        async with Listener(never) as target:
            sender = CallbackSender(timeout=0.2, limit=4)
            with pytest.raises(httpx.ReadTimeout):
                await sender.post(target, b"{}", HEADERS)
            await sender.aclose()

    run(go())


def test_a_refused_connection_is_a_connect_error() -> None:
    async def go() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        target = plain_http_target(f"http://127.0.0.1:{port}/hook")
        assert target is not None
        with pytest.raises(httpx.ConnectError):
            await CallbackSender(timeout=5, limit=4).post(target, b"{}", HEADERS)

    run(go())


@pytest.mark.parametrize(
    "raw",
    [
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    ],
)
def test_a_garbled_answer_is_a_protocol_error(raw: bytes) -> None:
    async def go() -> None:
        async with Listener(respond(raw, keep=False)) as target:
            sender = CallbackSender(timeout=5, limit=4)
            with pytest.raises(httpx.RemoteProtocolError):
                await sender.post(target, b"{}", HEADERS)
            await sender.aclose()

    run(go())


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "http://user:secret@127.0.0.1/hook",
        "http://[::1]:8080/hook",
        "http://127.0.0.1:99999/hook",
        "http://bücher.example/hook",
        "ftp://127.0.0.1/hook",
    ],
)
def test_urls_other_than_plain_http_are_left_to_httpx(url: str) -> None:
    assert plain_http_target(url) is None


def test_a_plain_http_url_keeps_its_path_query_and_port() -> None:
    assert plain_http_target("http://Listener.example:8081/a/b?c=d") == Target(
        "listener.example", 8081, "listener.example:8081", "/a/b?c=d"
    )
    assert plain_http_target("http://listener.example") == Target("listener.example", 80, "listener.example", "/")
    assert plain_http_target("http://listener.example:80/x") == Target("listener.example", 80, "listener.example", "/x")


@pytest.mark.parametrize(
    ("environment", "own_sender"),
    [
        ({}, True),
        ({"HTTP_PROXY": "http://proxy.example:3128"}, False),
        ({"all_proxy": "http://proxy.example:3128"}, False),
    ],
)
def test_httpx_delivers_wherever_the_environment_names_a_proxy(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], own_sender: bool
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    async def go() -> None:
        runner = JobRunner(SandboxConfig(), Store(":memory:"), None)
        runner.start()
        try:
            assert (runner._sender is not None) == own_sender
        finally:
            await runner.stop()

    run(go())
