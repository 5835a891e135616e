"""The journal kept in SQLite: every process serving one file sees every process's calls, written
behind in batches (see journal.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hpl_sandbox import journal as journal_module
from hpl_sandbox.app import create_app
from hpl_sandbox.clock import Clock
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from hpl_sandbox.journal import FLUSH_SIZE, Journal
from hpl_sandbox.store import Store
from tests.sandbox.support import CALLBACKS, TestClient, login

Opener = Callable[[int], tuple[Journal, Store]]


@pytest.fixture
def open_journal(tmp_path: Path) -> Iterator[Opener]:
    """Opens a journal of the given size on one shared file, as another process would."""
    stores: list[Store] = []

    def open_(size: int = 1000) -> tuple[Journal, Store]:
        store = Store(str(tmp_path / "sandbox.db"))
        stores.append(store)
        return Journal(Clock(), size, store), store

    yield open_
    for store in stores:
        store.close()


def call(number: int, headers: list[Any] | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": f"/call/{number}",
        "query_string": b"",
        "headers": [(b"accept", b"application/json")] if headers is None else headers,
    }


def paths(journal: Journal) -> list[str]:
    return [entry["path"] for entry in journal.entries()]


def rows(store: Store) -> int:
    count: int = store.query("SELECT COUNT(*) FROM journal")[0][0]
    return count


def test_calls_recorded_by_one_process_appear_in_another_after_its_flush(open_journal: Opener) -> None:
    first, _ = open_journal(1000)
    second, _ = open_journal(1000)
    first.record(call(1), b"", 200)
    second.record(call(2), b"", 201)
    first.flush()
    second.flush()
    assert paths(first) == paths(second) == ["/call/1", "/call/2"]


def test_own_calls_appear_in_own_entries_without_a_flush(open_journal: Opener) -> None:
    journal, _ = open_journal(1000)
    journal.record(call(1, [(b"Authorization", b"Bearer x")]), b'{"password": "p", "a": 1}', 200)
    [entry] = journal.entries()
    assert entry["headers"] == {"authorization": "<redacted>"}
    assert entry["body"] == {"password": "<redacted>", "a": 1}


def test_the_timer_writes_buffered_calls_within_the_interval_without_a_flush(open_journal: Opener) -> None:
    first, _ = open_journal(1000)
    second, _ = open_journal(1000)

    async def serve() -> None:
        first.record(call(1), b"", 200)
        await asyncio.sleep(0.2)

    asyncio.run(serve())
    assert paths(second) == ["/call/1"]


def test_without_a_loop_the_first_call_after_the_interval_writes_the_buffer(
    open_journal: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, store = open_journal(1000)
    now = [10**18]
    monkeypatch.setattr(journal_module, "time_ns", lambda: now[0])
    first.record(call(1), b"", 200)
    now[0] += journal_module.FLUSH_INTERVAL_NS - 1
    first.record(call(2), b"", 200)
    assert rows(store) == 0
    now[0] += 1
    first.record(call(3), b"", 200)
    assert rows(store) == 3


def test_the_table_keeps_only_the_newest_size_entries_across_both_journals(open_journal: Opener) -> None:
    first, store = open_journal(3)
    second, _ = open_journal(3)
    for number in range(4):
        first.record(call(number), b"", 200)
    first.flush()
    second.record(call(10), b"", 200)
    second.record(call(11), b"", 200)
    second.flush()
    assert rows(store) == 3
    assert paths(first) == paths(second) == ["/call/3", "/call/10", "/call/11"]


def test_clear_in_one_process_empties_what_the_other_reads(open_journal: Opener) -> None:
    first, _ = open_journal(1000)
    second, _ = open_journal(1000)
    first.record(call(1), b"", 200)
    first.flush()
    second.record(call(2), b"", 200)
    second.clear()
    assert paths(first) == []


def test_calls_buffered_before_a_clear_elsewhere_stay_out_and_later_ones_are_kept(
    open_journal: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = open_journal(1000)
    second, _ = open_journal(1000)
    now = [10**18]
    monkeypatch.setattr(journal_module, "time_ns", lambda: now[0])
    first.record(call(1), b"", 200)  # buffered, not yet written
    now[0] += 1
    second.clear()  # a reset served by another process
    now[0] += 1
    first.record(call(2), b"", 200)
    assert paths(second) == []  # first has not written yet
    assert paths(first) == ["/call/2"]


def test_a_burst_of_1000_calls_takes_one_transaction_per_batch_not_one_per_call(
    open_journal: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal, store = open_journal(1000)
    transactions = 0
    real_transaction = store.transaction

    @contextmanager
    def counted() -> Iterator[sqlite3.Connection]:
        nonlocal transactions
        transactions += 1
        with real_transaction() as db:
            yield db

    monkeypatch.setattr(store, "transaction", counted)
    monkeypatch.setattr(journal_module, "time_ns", lambda: 10**18)  # however slow the machine
    for number in range(FLUSH_SIZE - 1):
        journal.record(call(number), b"x" * 400, 200)
    assert (transactions, rows(store)) == (0, 0)  # below a batch, no loop: nothing written yet
    for number in range(FLUSH_SIZE - 1, 1000):
        journal.record(call(number), b"x" * 400, 200)
    journal.flush()
    assert rows(store) == 1000
    assert transactions == -(-1000 // FLUSH_SIZE)  # the full batches and the rest


def test_a_failing_write_is_logged_and_never_raises_from_record_or_entries(
    open_journal: Opener, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    journal, store = open_journal(1000)

    def broken() -> Any:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "transaction", broken)
    with caplog.at_level(logging.ERROR, logger="hpl_sandbox.journal"):
        for number in range(FLUSH_SIZE + 1):
            journal.record(call(number), b"", 200)
        assert journal.entries() == []
    assert "journal entries" in caplog.text
    monkeypatch.undo()
    journal.record(call(1000), b"", 200)
    assert paths(journal) == ["/call/1000"]  # the failed batches were dropped, not kept


def test_headers_are_stored_as_a_json_list_of_latin1_name_value_pairs(open_journal: Opener) -> None:
    journal, store = open_journal(1000)
    headers: list[Any] = [(b"X-Name", b"caf\xe9"), [b"accept", b"*/*"], (b"x-quote", b'a"\\b')]
    journal.record(call(1, headers), b"body", 200)
    journal.flush()
    stored, body = store.query("SELECT headers, body FROM journal")[0]
    assert json.loads(stored) == [["X-Name", "café"], ["accept", "*/*"], ["x-quote", 'a"\\b']]
    assert body == b"body"
    assert journal.entries()[0]["headers"] == {"x-name": "café", "accept": "*/*", "x-quote": 'a"\\b'}


def test_no_credential_of_a_journaled_call_rests_in_the_database_file(tmp_path: Path) -> None:
    database = tmp_path / "journal.db"
    with TestClient(create_app(SandboxConfig(db=str(database)))) as client:
        credentials = login(client)  # a token call (Basic auth) and a login (password in the body)
        client.get(CALLBACKS, params={"accountNumber": ACCOUNT_1}, headers=credentials)
        assert len(client.get("/_sandbox/journal").json()) == 3
    store = Store(str(database))
    rows = store.query("SELECT headers, body FROM journal")
    store.close()
    assert len(rows) == 3
    for headers, body in rows:
        for name, value in json.loads(headers):
            if name.lower() in ("authorization", "vz-m2m-token"):
                assert value == "<redacted>"
        assert b"sandbox-password-1" not in bytes(body)
        assert b"sandbox-secret-1" not in bytes(body)
