"""The `hpl-sandbox` command: `seed` fills a database file; `serve` options reach the config
(serving itself is tested over a socket in test_sandbox_socket.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hpl_sandbox.cli import main, parse, parser, serve_config
from hpl_sandbox.config import ACCOUNT_1


def test_seed_command_fills_a_database_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cli.db"
    assert main(["seed", "--devices", "40", "--days", "7", "--seed", "5", "--db", str(path)]) == 0
    assert "40 devices" in capsys.readouterr().out
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM devices WHERE account = ?", (ACCOUNT_1,)).fetchone() == (40,)


def test_seed_command_refuses_a_negative_count_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["seed", "--devices", "-3"])
    assert exited.value.code == 2
    assert "must be >= 0" in capsys.readouterr().err


def test_seed_command_reports_an_unwritable_path_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed", "--db", str(tmp_path / "missing" / "dir" / "x.db")]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("hpl-sandbox:")
    assert "\n" not in error


def test_serve_options_reach_the_config() -> None:
    args = parser().parse_args(
        [
            *("serve", "--db", "x.db", "--compat", "--token-ttl", "60", "--session-idle-timeout", "30"),
            *("--callback-timeout", "1.5", "--callback-max-attempts", "2", "--callback-backoff", "0.1"),
        ]
    )
    config = serve_config(args)
    assert (config.db, config.compat_mode, config.token_ttl, config.session_idle_timeout) == ("x.db", True, 60, 30)
    assert (config.callback_timeout, config.callback_max_attempts, config.callback_backoff) == (1.5, 2, 0.1)


def test_serve_refuses_zero_callback_attempts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--callback-max-attempts", "0"])
    assert "must be >= 1" in capsys.readouterr().err


def test_serve_takes_one_worker_by_default_and_more_on_request() -> None:
    assert parse(["serve", "--db", "x.db"]).workers == 1
    assert parse(["serve", "--db", "x.db", "--workers", "3"]).workers == 3


def test_serve_refuses_several_workers_on_an_in_memory_database_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--workers", "2", "--db", ":memory:"])
    assert exited.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--workers 2 needs a database file" in error
    assert "its own empty database" in error


def test_serve_refuses_zero_workers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--workers", "0", "--db", "x.db"])
    assert exited.value.code == 2
    assert "--workers: must be >= 1" in capsys.readouterr().err
