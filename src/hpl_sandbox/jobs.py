"""Durable asynchronous aggregate reports and their at-least-once callback delivery (D7).

A job is committed to the database before `QUEUED` is answered. The worker computes it in one
transaction that stores one delivery row per device per listener; then it POSTs the due rows,
retrying with exponential backoff until `callback_max_attempts`, after which a row stays
`undelivered`. Everything lives in the database, so a restart resumes where it stopped.
Backoff runs on real time, not on the sandbox clock, so moving the clock never floods listeners.

Several processes may serve one database file (`hpl-sandbox serve --workers N`); exactly one of
them is the worker. Each JobRunner tries to take an exclusive `flock` on `<db>.worker-lock`; the
holder computes jobs and delivers callbacks, the others only insert submitted jobs (which the
holder's poll picks up within `IDLE_POLL_S`) and retry the lock every poll, so when the holder's
process ends, the kernel drops its lock and another takes over. A `:memory:` database belongs to
one process: its runner is always the worker. Claiming a job is itself conditional, as a second
guard against two workers computing one job.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import logging
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import httpx

from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.delivery import CallbackSender, plain_http_target
from hpl_sandbox.errors import ApiError
from hpl_sandbox.reports import AggregateQuery, callback_message, run_aggregate
from hpl_sandbox.store import Store

log = logging.getLogger("hpl_sandbox.jobs")

BATCH = 500
MAX_BACKOFF_S = 60.0
IDLE_POLL_S = 0.5
# D8: how long an Idempotency-Key binds its body and txid, on the sandbox clock.
IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000


def body_digest(body: Any) -> str:
    """The same digest for the same JSON document, whatever its key order or spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IdempotencyKey:
    """An asynchronous aggregate's Idempotency-Key with the digest of the body it came with."""

    key: str
    body_sha256: str


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def worker_lock_path(db: str) -> str | None:
    """The lock file that elects the worker of a database file; None for a database that only
    this process can see (`:memory:`, or SQLite's private temporary database "")."""
    if db in ("", ":memory:") or (db.startswith("file:") and "mode=memory" in db):
        return None
    return f"{db}.worker-lock"


class JobRunner:
    def __init__(self, config: SandboxConfig, store: Store, message_validator: Any) -> None:
        self._config = config
        self._store = store
        self._message_validator = message_validator
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._sender: CallbackSender | None = None
        self._lock_file: IO[bytes] | None = None
        self._is_worker = False

    # -- submitting --------------------------------------------------------------------------

    def submit(
        self,
        txid: str,
        query: AggregateQuery,
        portal_initiated: bool,
        now_ms: int,
        idempotency: IdempotencyKey | None = None,
        before_queueing: Callable[[], None] = lambda: None,
    ) -> str:
        """Queues the job and returns its txid; with an Idempotency-Key already used for the same
        body within the window, queues nothing and returns the first txid (D8), and for another
        body raises 409. `before_queueing` runs only when a job is about to be queued (it may
        refuse it). Lookup and insert share one write transaction, so two processes on one file
        receiving the same key at once queue one job."""
        with self._store.transaction() as db:
            if idempotency is not None:
                row = db.execute(
                    "SELECT body_sha256, txid, created_ms FROM idempotency_keys WHERE account = ? AND key = ?",
                    (query.account, idempotency.key),
                ).fetchone()
                if row is not None and now_ms - row[2] < IDEMPOTENCY_WINDOW_MS:
                    if row[0] != idempotency.body_sha256:
                        raise ApiError(
                            409,
                            f"Idempotency-Key {idempotency.key!r} was used with a different body in the last"
                            " 24 hours; send a new key for a new request",
                        )
                    first_txid: str = row[1]
                    return first_txid
            before_queueing()
            db.execute(
                "INSERT INTO jobs (txid, account, portal_initiated, request, state, created_ms)"
                " VALUES (?, ?, ?, ?, 'queued', ?)",
                (txid, query.account, int(portal_initiated), json.dumps(query.to_json()), now_ms),
            )
            if idempotency is not None:
                db.execute(
                    "INSERT OR REPLACE INTO idempotency_keys (account, key, body_sha256, txid, created_ms)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (query.account, idempotency.key, idempotency.body_sha256, txid, now_ms),
                )
        self._wake.set()
        return txid

    def wake(self) -> None:
        self._wake.set()

    # -- the worker ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def is_worker(self) -> bool:
        """Whether this runner is the one that computes jobs and delivers callbacks for its database."""
        return self._is_worker

    def _try_to_become_worker(self) -> bool:
        """Takes the worker role if no other runner on this database holds it (never blocks)."""
        if self._is_worker:
            return True
        path = worker_lock_path(self._store.path)
        if path is None:
            self._is_worker = True
            return True
        if self._lock_file is None:
            # Opened once and kept: the lock belongs to this open file description, so another
            # runner, in this process or another, that opened the file itself is excluded.
            self._lock_file = open(path, "ab")  # noqa: SIM115 - held until stop()
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._is_worker = True
        log.info("this process is the async report worker for %s", self._store.path)
        return True

    def _release_worker_role(self) -> None:
        lock_file, self._lock_file = self._lock_file, None
        self._is_worker = False
        if lock_file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
            lock_file.close()

    def start(self) -> None:
        if self.running:
            return
        # The event belongs to the loop that runs the worker.
        self._wake = asyncio.Event()
        self._client = httpx.AsyncClient(
            transport=self._config.callback_transport,
            timeout=self._config.callback_timeout,
            limits=httpx.Limits(max_connections=self._config.callback_concurrency),
        )
        # httpx stays the sender for tests that route callbacks through a transport, and wherever
        # the environment names an HTTP proxy, which httpx honours (with its NO_PROXY rules).
        proxies = urllib.request.getproxies()
        if self._config.callback_transport is None and "http" not in proxies and "all" not in proxies:
            self._sender = CallbackSender(self._config.callback_timeout, self._config.callback_concurrency)
        self._task = asyncio.create_task(self._run(), name="hpl-sandbox-jobs")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
        sender, self._sender = self._sender, None
        if sender is not None:
            await sender.aclose()
        self._release_worker_role()

    async def _run(self) -> None:
        while True:
            try:
                if not self._try_to_become_worker():
                    # Another runner is the worker; ask again after a poll interval.
                    await asyncio.sleep(IDLE_POLL_S)
                    continue
                busy = self._compute_next_job()
                busy = await self._deliver_due() or busy
                self._finish_jobs()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The worker must outlive any one bad job or listener; the row stays for a retry.
                log.exception("async report worker failed; retrying")
                busy = False
            if not busy:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle_wait())

    def _idle_wait(self) -> float:
        rows = self._store.query("SELECT MIN(next_attempt_ms) FROM deliveries WHERE state = 'pending'")
        due: int | None = rows[0][0]
        if due is None:
            return IDLE_POLL_S
        return max(0.0, min(IDLE_POLL_S, (due - wall_ms()) / 1000))

    def _compute_next_job(self) -> bool:
        rows = self._store.query(
            "SELECT txid, portal_initiated, request FROM jobs WHERE state = 'queued' ORDER BY created_ms LIMIT 1"
        )
        if not rows:
            return False
        txid, portal_initiated, request = rows[0]
        query = AggregateQuery.from_json(json.loads(request))
        # The limit was checked when the job was accepted; the fleet may have changed since.
        results = run_aggregate(self._store, query, limit=sys.maxsize)
        listeners = [
            url
            for (url,) in self._store.query(
                "SELECT url FROM listeners WHERE account = ? ORDER BY name", (query.account,)
            )
        ]
        now = wall_ms()

        def deliveries() -> Any:
            for ord_, result in enumerate(results):
                message = callback_message(txid, result)
                self._check_message(message)
                payload = json.dumps(message)
                if not listeners:
                    yield (
                        txid,
                        result.imei,
                        ord_,
                        None,
                        "undelivered",
                        "no callback listener registered",
                        payload,
                        portal_initiated,
                        now,
                    )
                for url in listeners:
                    yield (txid, result.imei, ord_, url, "pending", None, payload, portal_initiated, now)

        with self._store.transaction() as db:
            # The claim and the rows commit together, so only the runner whose claim changed the
            # row stores them; one that finds the job taken (or gone in a reset) stores nothing.
            claimed = db.execute("UPDATE jobs SET state = 'running' WHERE txid = ? AND state = 'queued'", (txid,))
            if claimed.rowcount != 1:
                return True
            # Recomputing after a crash must not duplicate rows: the job's rows are replaced whole.
            db.execute("DELETE FROM deliveries WHERE txid = ?", (txid,))
            db.executemany(
                "INSERT INTO deliveries (txid, imei, ord, url, state, last_error, payload,"
                " portal_initiated, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                deliveries(),
            )
        return True

    def _check_message(self, message: dict[str, Any]) -> None:
        if not self._config.validate_responses:
            return
        error = next(iter(self._message_validator.iter_errors(message)), None)
        if error is not None:
            raise AssertionError(f"callback message breaks the spec: {error.message}")

    async def _deliver_due(self) -> bool:
        rows = self._store.query(
            "SELECT id, url, payload, portal_initiated, attempts FROM deliveries"
            " WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY id LIMIT ?",
            (wall_ms(), BATCH),
        )
        if not rows:
            return False
        gate = asyncio.Semaphore(self._config.callback_concurrency)

        async def attempt(url: str, payload: str, portal: int) -> str | None:
            async with gate:
                return await self._post(url, payload, bool(portal))

        outcomes = await asyncio.gather(*(attempt(r[1], r[2], r[3]) for r in rows))
        now = wall_ms()
        updates: list[tuple[str, int, str | None, int, int]] = []
        for (row_id, _url, _payload, _portal, attempts), error in zip(rows, outcomes, strict=True):
            tries = attempts + 1
            if error is None:
                updates.append(("delivered", tries, None, now, row_id))
            elif tries >= self._config.callback_max_attempts:
                updates.append(("undelivered", tries, error, now, row_id))
            else:
                delay = min(MAX_BACKOFF_S, self._config.callback_backoff * 2 ** (tries - 1))
                updates.append(("pending", tries, error, now + round(delay * 1000), row_id))
        with self._store.transaction() as db:
            db.executemany(
                "UPDATE deliveries SET state = ?, attempts = ?, last_error = ?, next_attempt_ms = ? WHERE id = ?",
                updates,
            )
        return True

    async def _post(self, url: str, payload: str, portal_initiated: bool) -> str | None:
        """None when the listener acknowledged with a 2xx, else why not."""
        assert self._client is not None
        headers = {"Content-Type": "application/json", "X-Portal-Initiated": "true" if portal_initiated else "false"}
        target = None if self._sender is None else plain_http_target(url)
        try:
            if self._sender is not None and target is not None:
                status = await self._sender.post(target, payload.encode("utf-8"), headers)
            else:
                status = (await self._client.post(url, content=payload.encode("utf-8"), headers=headers)).status_code
        except Exception as error:
            # Whatever goes wrong with one listener (refused, timed out, a URL httpx cannot use)
            # is that delivery's failure, recorded and retried, never the worker's.
            return f"{type(error).__name__}: {error}"[:500]
        if 200 <= status < 300:
            return None
        return f"listener answered {status}"

    def _finish_jobs(self) -> None:
        self._store.execute(
            "UPDATE jobs SET state = 'done' WHERE state = 'running' AND NOT EXISTS"
            " (SELECT 1 FROM deliveries d WHERE d.txid = jobs.txid AND d.state = 'pending')"
        )

    # -- views for the control plane -------------------------------------------------------

    def jobs(self, txid: str | None) -> list[dict[str, Any]]:
        rows = self._store.query(
            """
            SELECT j.txid, j.state, j.request,
                   COUNT(DISTINCT d.imei),
                   COALESCE(SUM(d.state = 'delivered'), 0),
                   COALESCE(SUM(d.state = 'undelivered'), 0)
            FROM jobs j LEFT JOIN deliveries d ON d.txid = j.txid
            WHERE (:txid IS NULL OR j.txid = :txid)
            GROUP BY j.txid ORDER BY j.created_ms
            """,
            {"txid": txid},
        )
        return [{"txid": r[0], "state": r[1], "devices": r[3], "delivered": r[4], "undelivered": r[5]} for r in rows]

    def deliveries(self, txid: str | None) -> list[dict[str, Any]]:
        rows = self._store.query(
            "SELECT txid, imei, url, state, attempts, last_error, payload FROM deliveries"
            " WHERE (:txid IS NULL OR txid = :txid) ORDER BY txid, ord, url",
            {"txid": txid},
        )
        return [
            {
                "txid": r[0],
                "imei": r[1],
                "url": r[2],
                "state": r[3],
                "attempts": r[4],
                "last_error": r[5],
                "payload": json.loads(r[6]),
            }
            for r in rows
        ]
