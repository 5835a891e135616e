"""One fake HPL service on a loopback socket that answers exactly the bytes a case tells it to.

It is a raw HTTP/1.1 server, not an ASGI app, because the hostile answers of the catalogue are
mostly what ASGI servers refuse to send: a connection reset in the middle of a body, a body
dripped a few bytes at a time, a keep-alive connection closed without notice, a `Content-Length`
or `Content-Encoding` that lies, hand-made chunked framing. Both token services (OAuth2 and the
M2M login) live on the same origin, as they do at Verizon, and answer as the case says too.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

API_PATH = "/api/hyper-precise/v1"
TOKEN_PATH = "/api/ts/v1/oauth2/token"
LOGIN_PATH = "/api/m2m/v1/session/login"
# What the token services issue unless a case says otherwise; the catalogue checks that neither
# ever shows up in an exception.
ACCESS_TOKEN = "ACCESS-SECRET-1"
SESSION_TOKEN = "SESSION-SECRET-1"

Framing = Literal["length", "chunked", "close"]


@dataclass(frozen=True)
class Answer:
    """What the server writes back, byte for byte.

    `framing` says how the end of the body is marked: a `Content-Length` (`length`, the default),
    `Transfer-Encoding: chunked` in chunks of `chunk` bytes (`chunked`), or nothing but closing the
    connection (`close`). `content_length` sends that number instead of the body's real length.
    `drip` seconds pass before each `chunk` bytes of the body. `reset_after` resets the connection
    (TCP RST) after that many body bytes. `close` closes the connection after the answer without a
    `Connection: close` header, as a keep-alive timeout on the server's side does.
    """

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    reason: str = "Whatever"
    framing: Framing = "length"
    content_length: int | None = None
    chunk: int = 7
    drip: float = 0.0
    reset_after: int | None = None
    close: bool = False

    def head(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {self.reason}", *(f"{name}: {value}" for name, value in self.headers)]
        if self.framing == "length":
            lines.append(f"Content-Length: {len(self.body) if self.content_length is None else self.content_length}")
        elif self.framing == "chunked":
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append("Connection: close")
        # UTF-8, so that a case can send the non-ASCII header values hostile servers send.
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def pieces(self) -> list[bytes]:
        """The body as it goes on the wire, in the pieces it is written in."""
        if self.framing == "chunked":
            chunks = [self.body[i : i + self.chunk] for i in range(0, len(self.body), self.chunk)]
            return [b"%x\r\n%s\r\n" % (len(piece), piece) for piece in chunks] + [b"0\r\n\r\n"]
        return [self.body[i : i + self.chunk] for i in range(0, len(self.body), self.chunk)]

    @property
    def ends_connection(self) -> bool:
        return self.close or self.framing == "close" or self.reset_after is not None


def json_answer(status: int, document: Any, *extra: tuple[str, str], **options: Any) -> Answer:
    """A JSON answer with the header a real API sends with it."""
    body = json.dumps(document).encode()
    return Answer(status, body, (("Content-Type", "application/json"), *extra), **options)


def raw_answer(status: int, body: bytes, content_type: str = "application/json", **options: Any) -> Answer:
    headers: tuple[tuple[str, str], ...] = options.pop("headers", ())
    return Answer(status, body, (("Content-Type", content_type), *headers), **options)


DEFAULT_TOKEN = json_answer(200, {"access_token": ACCESS_TOKEN, "token_type": "bearer", "expires_in": 3600})
DEFAULT_LOGIN = json_answer(200, {"sessionToken": SESSION_TOKEN})


@dataclass(frozen=True)
class Seen:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """The answers of one test: API calls take `api` in turn, the last one again and again."""

    api: list[Answer]
    token: Answer = DEFAULT_TOKEN
    login: Answer = DEFAULT_LOGIN
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0


class FakeServer:
    """A threaded loopback server; `stage()` sets what it answers next and forgets what it saw."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.origin = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.base_url = self.origin + API_PATH
        self._lock = threading.Lock()
        # Connections whose answer ends them and which the server has not closed yet.
        self._ending = 0
        self._ended = threading.Condition(self._lock)
        self._script = Script([Answer(404)])
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="hostile-server", daemon=True)
        self._thread.start()

    def stage(self, api: list[Answer], *, token: Answer | None = None, login: Answer | None = None) -> Script:
        script = Script(list(api), token or DEFAULT_TOKEN, login or DEFAULT_LOGIN)
        with self._lock:
            self._script = script
        return script

    def api_requests(self) -> list[Seen]:
        with self._lock:
            return [seen for seen in self._script.seen if seen.path.startswith(API_PATH)]

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until every connection the server means to end is closed on its side.

        A keep-alive timeout closes a connection while the client is idle, so the client's next call
        finds the close already there. Without this wait the close could instead cross the next
        request on the wire: a different race, which httpx does not retry.
        """
        with self._ended:
            if not self._ended.wait_for(lambda: self._ending == 0, timeout):
                raise TimeoutError(f"{self._ending} connection(s) still open after {timeout} s")

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    # -- serving ----------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._script.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        buffer = b""
        ending = False
        try:
            while True:
                request, buffer = _read_request(conn, buffer)
                if request is None:
                    return
                answer = self._answer_for(request)
                if answer.ends_connection:
                    ending = True
                    with self._lock:
                        self._ending += 1
                if not self._write(conn, answer) or answer.ends_connection:
                    return
                if request.headers.get("connection", "").lower() == "close":
                    return
        except OSError:
            return
        finally:
            conn.close()
            if ending:
                with self._ended:
                    self._ending -= 1
                    self._ended.notify_all()

    def _answer_for(self, request: Seen) -> Answer:
        with self._lock:
            script = self._script
            script.seen.append(request)
            if request.path == TOKEN_PATH:
                return script.token
            if request.path == LOGIN_PATH:
                return script.login
            return script.api.pop(0) if len(script.api) > 1 else script.api[0]

    @staticmethod
    def _write(conn: socket.socket, answer: Answer) -> bool:
        """Write `answer`; False when the connection is gone (reset on purpose, or the client left)."""
        try:
            conn.sendall(answer.head())
            sent = 0
            for piece in answer.pieces():
                if answer.drip:
                    time.sleep(answer.drip)
                if answer.reset_after is not None and sent + len(piece) >= answer.reset_after:
                    conn.sendall(piece[: answer.reset_after - sent])
                    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return False
                conn.sendall(piece)
                sent += len(piece)
            if answer.ends_connection:
                # The FIN leaves right behind the answer, as a server's keep-alive close does; that the
                # client sees it before its next call is settle()'s job, not a matter of timing.
                conn.shutdown(socket.SHUT_WR)
            return True
        except OSError:
            return False


def _read_request(conn: socket.socket, buffer: bytes) -> tuple[Seen | None, bytes]:
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(65536)
        if not data:
            return None, b""
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, b""
        rest += data
    body, buffer = rest[:length], rest[length:]
    return Seen(method, target.split("?", 1)[0], headers, body), buffer
