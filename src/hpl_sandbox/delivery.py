"""Callback POSTs over plain keep-alive HTTP/1.1 connections on asyncio streams.

httpx's async pool costs about a millisecond of CPU per request once a dozen are in flight, which
made delivery, not the job, the time of a large async aggregate. A callback is always the same
small request to a handful of listeners, so the sandbox writes it itself: one request per
connection at a time, connections kept per origin and reused, at most `limit` of them open.

Only `http://` URLs with a plain host are handled here; anything else (https, user info, IPv6
literals, odd ports) goes to httpx, which the worker keeps for that. Failures raise httpx's
exception types, so a delivery's `last_error` reads as it did when httpx sent everything, and each
of connect, write and every read is bounded by the timeout, as httpx's `timeout=` bounds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

_HOST = re.compile(r"^[A-Za-z0-9.-]+$")
_NO_BODY = frozenset({204, 304})
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    host_header: str
    path: str


def plain_http_target(url: str) -> Target | None:
    """Where a plain `http://host[:port]/path?query` URL points, or None for httpx to handle."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme != "http" or parts.username is not None or parts.password is not None:
        return None
    if not _HOST.match(host) or not parts.netloc.lower().startswith(host.lower()):
        return None
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in url):
        return None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # As httpx writes it: the port only when it is not the scheme's default.
    host_header = host if port in (None, 80) else f"{host}:{port}"
    return Target(host, 80 if port is None else port, host_header, path)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def usable(self) -> bool:
        # An idle connection the listener has closed shows EOF (or a closing transport).
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class CallbackSender:
    def __init__(self, timeout: float, limit: int) -> None:
        self._timeout = timeout
        self._limit = max(1, limit)
        self._idle: defaultdict[tuple[str, int], list[_Connection]] = defaultdict(list)
        self._idle_count = 0

    async def post(self, target: Target, payload: bytes, headers: dict[str, str]) -> int:
        """The listener's status code, or an httpx.TransportError."""
        head = [f"POST {target.path} HTTP/1.1", f"Host: {target.host_header}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head += ["Accept: */*", "User-Agent: hpl-sandbox", f"Content-Length: {len(payload)}", "", ""]
        request = "\r\n".join(head).encode("latin-1") + payload
        connection, reused = await self._checkout(target)
        try:
            try:
                status, keep = await self._exchange(connection, request)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                if not reused:
                    raise
                # The listener closed an idle connection as we used it; one fresh attempt, as an
                # HTTP client does for a request that a stale connection never carried.
                connection.close()
                connection, reused = await self._connect(target), False
                status, keep = await self._exchange(connection, request)
        except BaseException:
            connection.close()
            raise
        if keep:
            self._checkin(target, connection)
        else:
            connection.close()
        return status

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        self._idle_count = 0

    async def _checkout(self, target: Target) -> tuple[_Connection, bool]:
        idle = self._idle.get((target.host, target.port))
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.usable():
                return connection, True
            connection.close()
        return await self._connect(target), False

    def _checkin(self, target: Target, connection: _Connection) -> None:
        if self._idle_count >= self._limit:
            # Keep no more idle connections than can be in use at once; drop the oldest.
            for connections in self._idle.values():
                if connections:
                    connections.pop(0).close()
                    self._idle_count -= 1
                    break
        self._idle[(target.host, target.port)].append(connection)
        self._idle_count += 1

    async def _connect(self, target: Target) -> _Connection:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(target.host, target.port, limit=_MAX_HEAD), self._timeout
            )
        except TimeoutError as error:
            raise httpx.ConnectTimeout(f"connecting to {target.host}:{target.port} timed out") from error
        except OSError as error:
            raise httpx.ConnectError(str(error)) from error
        return _Connection(reader, writer)

    async def _exchange(self, connection: _Connection, request: bytes) -> tuple[int, bool]:
        """Sends the request, reads the whole answer; (status, whether the connection can be reused)."""
        writer = connection.writer
        try:
            writer.write(request)
            await asyncio.wait_for(writer.drain(), self._timeout)
        except TimeoutError as error:
            raise httpx.WriteTimeout("writing the callback timed out") from error
        except OSError as error:
            raise httpx.WriteError(str(error)) from error
        while True:
            status, version, headers = await self._read_head(connection.reader)
            # An interim 1xx answer is followed by the real one.
            if not 100 <= status < 200:
                break
        keep = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        if version == "HTTP/1.0" and "keep-alive" in headers.get("connection", "").lower():
            keep = True
        if status in _NO_BODY:
            return status, keep
        if "chunked" in headers.get("transfer-encoding", "").lower():
            await self._skip_chunked(connection.reader)
        elif "content-length" in headers:
            length = headers["content-length"].strip()
            if not length.isdigit():
                raise httpx.RemoteProtocolError(f"bad Content-Length {length!r}")
            await self._skip(connection.reader, int(length))
        else:
            # The body runs to the end of the connection.
            while await self._read(connection.reader.read(_MAX_HEAD)):
                pass
            keep = False
        return status, keep

    async def _read(self, operation: Awaitable[bytes]) -> bytes:
        try:
            return await asyncio.wait_for(operation, self._timeout)
        except TimeoutError as error:
            raise httpx.ReadTimeout("reading the listener's answer timed out") from error
        except asyncio.IncompleteReadError as error:
            raise httpx.RemoteProtocolError("the listener closed the connection mid-answer") from error
        except asyncio.LimitOverrunError as error:
            raise httpx.RemoteProtocolError("the listener's answer has an oversized header") from error
        except OSError as error:
            raise httpx.ReadError(str(error)) from error

    async def _read_head(self, reader: asyncio.StreamReader) -> tuple[int, str, dict[str, str]]:
        raw = await self._read(reader.readuntil(b"\r\n\r\n"))
        lines = raw.decode("latin-1").split("\r\n")
        status_line = lines[0].split(" ", 2)
        if len(status_line) < 2 or not status_line[0].startswith("HTTP/1.") or not status_line[1].isdigit():
            raise httpx.RemoteProtocolError(f"not an HTTP/1 answer: {lines[0][:100]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise httpx.RemoteProtocolError(f"bad header line {line[:100]!r}")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        return int(status_line[1]), status_line[0], headers

    async def _skip(self, reader: asyncio.StreamReader, length: int) -> None:
        while length > 0:
            chunk = await self._read(reader.readexactly(min(length, _MAX_HEAD)))
            length -= len(chunk)

    async def _skip_chunked(self, reader: asyncio.StreamReader) -> None:
        while True:
            size_line = (await self._read(reader.readuntil(b"\r\n"))).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError as error:
                raise httpx.RemoteProtocolError(f"bad chunk size {size_line[:20]!r}") from error
            if size == 0:
                # Trailers, if any, end with an empty line.
                while (await self._read(reader.readuntil(b"\r\n"))) != b"\r\n":
                    pass
                return
            await self._skip(reader, size + 2)
