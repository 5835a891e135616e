"""The sandbox over a real loopback socket: the `hpl-sandbox serve` command, bad input that only a
socket can carry, and asynchronous jobs that survive `kill -9` (issue items 1, 5, 7 and 8)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from hpl_sandbox.app import create_app
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from tests.sandbox.support import (
    ACTIVE,
    ASYNC_AGGREGATE,
    LOGIN,
    SESSIONS,
    TOKEN,
    raw_headers,
    report_headers,
)
from tests.serving import free_port, serve

pytestmark = pytest.mark.slow


def http_login(http: httpx.Client) -> dict[str, str]:
    token = http.post(TOKEN, data={"grant_type": "client_credentials"}, auth=("sandbox-client-1", "sandbox-secret-1"))
    access = token.json()["access_token"]
    session = http.post(
        LOGIN,
        json={"username": "sandbox-user-1", "password": "sandbox-password-1"},
        headers={"Authorization": f"Bearer {access}"},
    )
    return {"Authorization": f"Bearer {access}", "VZ-M2M-Token": session.json()["sessionToken"]}


class Sandbox:
    """`hpl-sandbox serve` in a subprocess, on a free port."""

    def __init__(self, db: str, log: Path) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "hpl_sandbox", "serve", "--port", str(self.port), "--db", db]
        with log.open("ab") as sink:
            self.process = subprocess.Popen([*command, "--log-level", "warning"], stdout=sink, stderr=sink)
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{self.origin}/_sandbox/clock", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"hpl-sandbox did not start: {log.read_text()}")
            time.sleep(0.05)

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no shutdown, no cleanup
        self.process.wait(timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    log = tmp_path_factory.mktemp("sandbox") / "serve.log"
    sandbox = Sandbox(":memory:", log)
    yield sandbox
    sandbox.stop()


def test_serve_prints_the_development_credentials(served: Sandbox) -> None:
    banner = served.log.read_text()
    for secret in ("sandbox-client-1", "sandbox-secret-1", "sandbox-user-1", "sandbox-password-1", "sandbox-user-2"):
        assert secret in banner


def test_a_report_is_served_over_the_socket(served: Sandbox) -> None:
    with httpx.Client(base_url=served.origin, timeout=10) as http:
        body = {"accountNumber": ACCOUNT_1, "imei": ACTIVE}
        response = http.post(SESSIONS, json=body, headers={**http_login(http), **report_headers(body, False)})
    assert response.status_code == 200
    assert response.json()["id"] == ACTIVE


def test_trace_over_the_socket_is_405_with_allow(served: Sandbox) -> None:
    response = httpx.request("TRACE", f"{served.origin}{SESSIONS}", timeout=10)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert set(response.json()) == {"errorCode", "errorMessage"}


def test_huge_headers_over_the_socket_get_the_json_error_body(served: Sandbox) -> None:
    response = httpx.post(f"{served.origin}{SESSIONS}", headers={"X-Padding": "x" * 100_000}, timeout=10)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_PARAMETER"


def test_raw_non_ascii_header_bytes_over_the_socket_are_a_4xx_with_the_error_body(served: Sandbox) -> None:
    with httpx.Client(base_url=served.origin, timeout=10) as http:
        body = {"accountNumber": ACCOUNT_1, "imei": ACTIVE}
        headers: dict[str, str | bytes] = {
            **http_login(http),
            **report_headers(body, False),
            "startDate": "2026-01-01T00:00:00Zé".encode(),
        }
        response = http.post(SESSIONS, json=body, headers=raw_headers(headers))
    assert response.status_code == 400
    assert "startDate" in response.json()["errorMessage"]


def test_an_in_thread_server_answers_like_the_command(served: Sandbox) -> None:
    with serve(create_app(SandboxConfig())) as origin:
        response = httpx.get(f"{origin}/nothing/here", timeout=10)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "INVALID_PARAMETER"


class SlowListener:
    """A loopback HTTP listener that takes its time, so a job can be killed half-way."""

    def __init__(self, delay: float) -> None:
        self.received: list[dict[str, Any]] = []
        lock = threading.Lock()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(delay)
                with lock:
                    received.append(payload)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def imeis(self) -> set[str]:
        return {(p.get("usage") or p["errors"])[0]["imei"] for p in list(self.received)}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(0.05)


def test_every_callback_is_delivered_after_a_kill_during_the_job(tmp_path: Path) -> None:
    listener = SlowListener(delay=0.2)
    db = str(tmp_path / "sandbox.db")
    log = tmp_path / "serve.log"
    sandbox = Sandbox(db, log)
    try:
        with httpx.Client(base_url=sandbox.origin, timeout=10) as http:
            http.post("/_sandbox/seed", json={"devices": 200, "days": 5}).raise_for_status()
            credentials = http_login(http)
            http.post(
                "/api/hyper-precise/v1/callbacks",
                params={"accountNumber": ACCOUNT_1},
                json={"name": "slow", "url": listener.url},
                headers=credentials,
            ).raise_for_status()
            body = {"accountNumber": ACCOUNT_1, "imei": []}
            headers = {**credentials, **report_headers(body, True), "X-Portal-Initiated": "true"}
            queued = http.post(ASYNC_AGGREGATE, json=body, headers=headers).json()
        assert queued["status"] == "QUEUED"
        wait_for(lambda: len(listener.received) >= 5, timeout=20)
        sandbox.kill()
        before_restart = listener.imeis()
        assert len(before_restart) < 200, "the job finished before the kill; the test proves nothing"

        sandbox = Sandbox(db, log)
        with httpx.Client(base_url=sandbox.origin, timeout=10) as http:
            devices = {d["imei"] for d in http.get("/_sandbox/devices", params={"accountNumber": ACCOUNT_1}).json()}

            def done() -> bool:
                jobs = http.get("/_sandbox/jobs", params={"txid": queued["txid"]}).json()
                return bool(jobs) and jobs[0]["state"] == "done"

            wait_for(done, timeout=40)
            rows = http.get("/_sandbox/deliveries", params={"txid": queued["txid"]}).json()
        assert {r["state"] for r in rows} == {"delivered"}
        assert listener.imeis() == devices
        assert all(p["txid"] == queued["txid"] for p in listener.received)
    finally:
        sandbox.stop()
        listener.close()
