"""A callback receiver on 127.0.0.1 that records every message the target delivers to it."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx

from hpl_contract.target import Target, TargetError


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: Any


class Listener:
    """Answers 200 to every POST and keeps what it received, for `wait_for` to inspect."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._lock = threading.Condition()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with listener._lock:
                    listener.deliveries.append(Delivery(self.path, dict(self.headers.items()), body))
                    listener._lock.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def url(self, path: str = "/hpl") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _matching(self, txid: str, path: str | None) -> list[Delivery]:
        return [
            d
            for d in self.deliveries
            if isinstance(d.body, dict) and d.body.get("txid") == txid and (path is None or d.path == path)
        ]

    def messages(self, txid: str, path: str | None = None) -> list[Delivery]:
        with self._lock:
            return self._matching(txid, path)

    def wait_for(self, txid: str, count: int, timeout: float, path: str | None = None) -> list[Delivery]:
        """The messages of `txid` (sent to `path`), once `count` arrived or `timeout` seconds passed."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = self._matching(txid, path)
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._lock.wait(remaining)

    def settle(self, txid: str, quiet: float, timeout: float, path: str | None = None) -> list[Delivery]:
        """The messages of `txid` once none arrived for `quiet` seconds (late duplicates show up here)."""
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            found = self.messages(txid, path)
            if len(found) == seen:
                return found
            seen = len(found)
            time.sleep(quiet)
        return self.messages(txid, path)


LISTENER_NAME = "contract-suite"
_SHARED: list[Listener] = []


def shared_listener() -> Listener:
    """The run's one listener, started on first use (schemathesis needs its URL while collecting)."""
    if not _SHARED:
        receiver = Listener()
        receiver.start()
        _SHARED.append(receiver)
    return _SHARED[0]


def release_shared_listener() -> None:
    while _SHARED:
        _SHARED.pop().stop()


def reaches_loopback(target: Target) -> bool:
    """Whether the target runs on this machine, so that it can deliver to a listener on loopback."""
    return urlsplit(target.origin).hostname in ("127.0.0.1", "localhost", "::1")


def suite_callback_url(target: Target) -> str | None:
    """Where the target should deliver callbacks: the suite's loopback listener when the target runs
    on this machine, else the listener the user names in HPL_CALLBACK_URL."""
    if reaches_loopback(target):
        return shared_listener().url(f"/{LISTENER_NAME}")
    return os.environ.get("HPL_CALLBACK_URL")


def register_listener(api: httpx.Client, target: Target, name: str, url: str, account: str | None = None) -> None:
    """Register `url` as the account's listener `name` (registering a name again replaces its URL)."""
    response = api.post(
        "/callbacks",
        params={"accountNumber": account or target.account},
        json={"name": name, "url": url},
        headers=target.auth_headers(account),
    )
    assert response.status_code == 200, f"registering listener {name!r} failed: {response.status_code} {response.text}"


# --- Leaving the target's listeners as the run found them -------------------------------------------------

_BEFORE: dict[str, dict[str, str]] = {}
"""The listeners (name → URL) of the run's account before the run; empty until `remember_listeners`.
Only the first login's account: the suite registers for no other, and fetching another account's
tokens up front would change which token a server saw last (mutants `bearer_ignored` and
`m2m_token_ignored` replay exactly that one)."""


def _listed(http: httpx.Client, target: Target, account: str, headers: dict[str, str]) -> dict[str, str]:
    answer = http.get(target.url("/callbacks"), params={"accountNumber": account}, headers=headers)
    answer.raise_for_status()
    listed = answer.json()
    return {str(item["name"]): str(item.get("url", "")) for item in listed if isinstance(item, dict) and "name" in item}


def remember_listeners(target: Target) -> None:
    """Note the account's listeners before any test registers or removes one (once per run)."""
    if _BEFORE:
        return
    with httpx.Client(timeout=15.0) as http:
        _BEFORE[target.account] = _listed(http, target, target.account, target.auth_headers())


def restore_listeners(target: Target) -> list[str]:
    """Remove every listener the run registered and put back any it removed or re-aimed; returns what
    could not be restored (one line each). Idempotent: a second call does nothing."""
    problems: list[str] = []
    before = dict(_BEFORE)
    _BEFORE.clear()
    with httpx.Client(timeout=15.0) as http:
        for account, kept in before.items():
            try:
                # Fresh tokens: tests may have expired the cached ones (the sandbox's clock moves).
                headers = target.tokens(account, fresh=True).headers()
                now = _listed(http, target, account, headers)
                for name in sorted(set(now) - set(kept)):
                    answer = http.delete(
                        target.url("/callbacks"),
                        params={"accountNumber": account, "service": name},
                        headers=headers,
                    )
                    if answer.status_code not in (200, 204, 404):
                        problems.append(f"listener {name!r} of {account} not removed: {answer.status_code}")
                for name, url in sorted(kept.items()):
                    if now.get(name) != url:
                        answer = http.post(
                            target.url("/callbacks"),
                            params={"accountNumber": account},
                            json={"name": name, "url": url},
                            headers=headers,
                        )
                        if answer.status_code != 200:
                            problems.append(f"listener {name!r} of {account} not restored: {answer.status_code}")
            except (httpx.HTTPError, ValueError, TypeError, TargetError) as error:
                problems.append(f"listeners of {account} not restored: {type(error).__name__}: {error}")
    return problems
