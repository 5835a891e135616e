"""Several processes on one database file (`hpl-sandbox serve --workers N`): exactly one of them
computes jobs and delivers callbacks, the role passes on when its holder stops, and every device's
callback arrives once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hpl_sandbox.app import SandboxApp, create_app
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from hpl_sandbox.jobs import IDLE_POLL_S, JobRunner
from hpl_sandbox.reports import AggregateQuery, run_aggregate
from hpl_sandbox.runtime import Sandbox
from hpl_sandbox.store import Store
from tests.sandbox.support import (
    ACTIVE,
    ASYNC_AGGREGATE,
    CALLBACKS,
    LOGIN,
    SESSIONS,
    TOKEN,
    Api,
    Listener,
    TestClient,
    login,
    report_headers,
    wait_until,
)
from tests.serving import ThreadedServer, free_port

HOOK = "http://listener.test/hpl"
GENERATED = 709312035000000
TXID = "0b7d2c4e-5f6a-4b1c-9d8e-7f6a5b4c3d2e"


def generated_imeis(count: int) -> list[str]:
    return [str(GENERATED + index) for index in range(count)]


@dataclass
class SlowListener:
    """A `Listener` that takes `delay` seconds per message, so that delivering a job's messages
    outlasts a poll interval and a second worker, were there one, would find them still pending."""

    listener: Listener
    delay: float

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # served over a socket, with nothing to start or stop
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await asyncio.sleep(self.delay)
        await self.listener(scope, receive, send)


def runner(app: SandboxApp) -> JobRunner:
    return app.sandbox.jobs


def job_state(client: TestClient, txid: str) -> str:
    jobs: list[dict[str, Any]] = client.get("/_sandbox/jobs", params={"txid": txid}).json()
    return str(jobs[0]["state"]) if jobs else "missing"


def assert_each_once(listener: Listener, imeis: list[str]) -> None:
    found = listener.imeis()
    duplicates = sorted({imei for imei in found if found.count(imei) > 1})
    assert not duplicates, f"{len(found) - len(set(found))} duplicate callbacks, e.g. for {duplicates[:3]}"
    assert sorted(found) == sorted(imeis)


class TwoApps:
    """Two in-process apps (lifespans running) serving one database file, like two worker
    processes; callbacks go to one slow in-process listener."""

    def __init__(self, db: Path, listener: Listener, delay: float = 0.04) -> None:
        self.stack = ExitStack()
        self.apps: list[SandboxApp] = []
        self.clients: list[TestClient] = []
        for _ in range(2):
            config = SandboxConfig(
                db=str(db),
                demo_devices=85,
                demo_days=3,
                callback_backoff=0.01,
                callback_concurrency=4,
                callback_transport=httpx.ASGITransport(app=SlowListener(listener, delay)),
            )
            self.apps.append(create_app(config))
            self.clients.append(self.stack.enter_context(TestClient(self.apps[-1])))

    def workers(self) -> list[bool]:
        return [runner(app).is_worker for app in self.apps]

    def holder(self) -> int:
        """The index of the app whose runner took the worker role (waits for the first poll)."""
        wait_until(lambda: any(self.workers()), timeout=5)
        return self.workers().index(True)


@pytest.fixture
def two_apps(tmp_path: Path, listener: Listener) -> Iterator[TwoApps]:
    apps = TwoApps(tmp_path / "shared.db", listener)
    with apps.stack:
        yield apps


def test_two_apps_on_one_file_deliver_every_callback_exactly_once(two_apps: TwoApps, listener: Listener) -> None:
    holder = two_apps.holder()
    # Submitted through the app that is not the worker: it only stores the job, the holder's poll
    # computes and delivers it.
    other = two_apps.clients[1 - holder]
    api = Api(other, login(other), ACCOUNT_1)
    api.register("hook", HOOK)
    imeis = generated_imeis(80)
    txid = api.async_aggregate(imei=imeis).json()["txid"]
    wait_until(lambda: job_state(other, txid) == "done", timeout=20)
    # A second worker's deliveries of the same rows would still be arriving now.
    time.sleep(2 * IDLE_POLL_S)
    assert_each_once(listener, imeis)
    assert two_apps.workers().count(True) == 1


def test_the_worker_role_passes_on_when_its_holder_stops(two_apps: TwoApps, listener: Listener) -> None:
    holder = two_apps.holder()
    survivor = two_apps.clients[1 - holder]
    assert not runner(two_apps.apps[1 - holder]).is_worker
    two_apps.clients[holder].__exit__(None, None, None)  # its lifespan ends: the lock is released
    wait_until(lambda: runner(two_apps.apps[1 - holder]).is_worker, timeout=5)
    api = Api(survivor, login(survivor), ACCOUNT_1)
    api.register("hook", HOOK)
    imeis = generated_imeis(5)
    txid = api.async_aggregate(imei=imeis).json()["txid"]
    wait_until(lambda: job_state(survivor, txid) == "done", timeout=10)
    assert_each_once(listener, imeis)


def test_a_runner_that_is_not_the_worker_leaves_queued_jobs_alone(tmp_path: Path, listener: Listener) -> None:
    config = SandboxConfig(
        db=str(tmp_path / "one.db"), demo_days=1, callback_transport=httpx.ASGITransport(app=listener)
    )
    # Another runner on the file, with its own open of the lock file, holds the role first, as
    # another process would.
    holder = JobRunner(config, Store(config.db), None)
    assert holder._try_to_become_worker()
    app = create_app(config)
    with TestClient(app) as client:
        try:
            api = Api(client, login(client), ACCOUNT_1)
            api.register("hook", HOOK)
            txid = api.async_aggregate(imei=[ACTIVE]).json()["txid"]
            time.sleep(3 * IDLE_POLL_S)
            assert job_state(client, txid) == "queued"
            assert not runner(app).is_worker
        finally:
            holder._release_worker_role()
        # Freed, the lock is taken by the app's runner on its next poll, and the job runs.
        wait_until(lambda: job_state(client, txid) == "done", timeout=10)
        assert listener.imeis() == [ACTIVE]
    assert (tmp_path / "one.db.worker-lock").exists()


def test_in_memory_sandboxes_are_each_their_own_worker(listener: Listener) -> None:
    apps = [create_app(SandboxConfig(callback_transport=httpx.ASGITransport(app=listener))) for _ in range(2)]
    with ExitStack() as stack:
        for app in apps:
            stack.enter_context(TestClient(app))
        wait_until(lambda: all(runner(app).is_worker for app in apps), timeout=5)


def test_a_job_claimed_by_another_runner_meanwhile_is_left_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = SandboxConfig(db=str(tmp_path / "race.db"), demo_days=1)
    first, second = Sandbox(config), Sandbox(config)
    first.store.execute("INSERT INTO listeners (account, name, url) VALUES (?, 'hook', ?)", (ACCOUNT_1, HOOK))
    query = AggregateQuery(ACCOUNT_1, (ACTIVE,), 0, 1, None, None, False)
    first.jobs.submit(TXID, query, False, 0)

    def racing(*args: Any, **kwargs: Any) -> Any:
        # While the first runner computes, the second claims the same job and stores its rows.
        monkeypatch.setattr("hpl_sandbox.jobs.run_aggregate", run_aggregate)
        assert second.jobs._compute_next_job()
        return run_aggregate(*args, **kwargs)

    monkeypatch.setattr("hpl_sandbox.jobs.run_aggregate", racing)
    assert first.jobs._compute_next_job()
    # The second runner's rows stay (a replace would give them new ids and deliver them again).
    rows = first.store.query("SELECT id, txid FROM deliveries")
    assert rows == second.store.query("SELECT id, txid FROM deliveries")
    assert [txid for _id, txid in rows] == [TXID]
    assert rows[0][0] == 1
    assert first.store.query("SELECT state FROM jobs") == [("running",)]
    first.store.close()
    second.store.close()


# -- a real `hpl-sandbox serve --workers 2` --------------------------------------------------------


def test_serve_with_two_workers_shares_one_file(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")}
    command = [sys.executable, "-m", "hpl_sandbox", "serve", "--workers", "2", "--port", str(port)]
    command += ["--db", str(tmp_path / "served.db"), "--callback-backoff", "0.05", "--log-level", "info"]
    listener = Listener()
    listening = ThreadedServer(SlowListener(listener, 0.15))
    listening.start()
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=sink, env=env)
    try:

        def started() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"hpl-sandbox serve exited: {log.read_text()}")
            return log.read_text().count("Started server process") == 2

        # Both workers are up once each has logged its start (the first may answer before that).
        wait_until(started, timeout=30)
        wait_until(lambda: _answers(f"{origin}/_sandbox/clock"), timeout=10)
        text = log.read_text()
        assert text.count("hpl-sandbox on http://") == 1
        assert "workers: 2" in text

        # Tokens and sessions made by one process are honoured by the other: every call below
        # opens a fresh connection, which either worker may accept.
        body = {"accountNumber": ACCOUNT_1, "imei": ACTIVE}
        for _ in range(12):
            headers = _login_over_fresh_connections(origin)
            response = httpx.post(
                f"{origin}{SESSIONS}", json=body, headers={**headers, **report_headers(body, False)}, timeout=10
            )
            assert response.status_code == 200, response.text
            assert response.json()["id"] == ACTIVE

        headers = _login_over_fresh_connections(origin)
        registered = httpx.post(
            f"{origin}{CALLBACKS}",
            params={"accountNumber": ACCOUNT_1},
            json={"name": "hook", "url": f"{listening.origin}/hook"},
            headers=headers,
            timeout=10,
        )
        assert registered.status_code in (200, 201), registered.text
        imeis = generated_imeis(64)
        aggregate = {"accountNumber": ACCOUNT_1, "imei": imeis}
        queued = httpx.post(
            f"{origin}{ASYNC_AGGREGATE}",
            json=aggregate,
            headers={**headers, "X-Portal-Initiated": "true", **report_headers(aggregate, True)},
            timeout=10,
        )
        assert queued.json()["status"] == "QUEUED", queued.text
        txid = queued.json()["txid"]
        wait_until(lambda: _job(origin, txid).get("state") == "done", timeout=30)
        time.sleep(2 * IDLE_POLL_S)
        assert_each_once(listener, imeis)
        assert _job(origin, txid)["delivered"] == 64
    finally:
        process.terminate()
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        finally:
            listening.stop()
    assert code == 0, log.read_text()
    assert log.read_text().count("Finished server process") == 2


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _login_over_fresh_connections(origin: str) -> dict[str, str]:
    token = httpx.post(
        f"{origin}{TOKEN}",
        data={"grant_type": "client_credentials"},
        auth=("sandbox-client-1", "sandbox-secret-1"),
        timeout=10,
    )
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]
    session = httpx.post(
        f"{origin}{LOGIN}",
        json={"username": "sandbox-user-1", "password": "sandbox-password-1"},
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )
    assert session.status_code == 200, session.text
    return {"Authorization": f"Bearer {access}", "VZ-M2M-Token": session.json()["sessionToken"]}


def _job(origin: str, txid: str) -> dict[str, Any]:
    jobs: list[dict[str, Any]] = httpx.get(f"{origin}/_sandbox/jobs", params={"txid": txid}, timeout=10).json()
    return jobs[0] if jobs else {}
