"""The `hpl` command.

Exit codes: 0 success, 2 usage error (bad arguments, a limit, missing credentials), 3 the service
answered with an error, 4 the service could not be reached or callbacks did not arrive in time.
Every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from hpl import output
from hpl.callbacks import CallbackListener
from hpl.client import DEFAULT_DEADLINE, SANDBOX_CREDENTIALS, SANDBOX_ORIGIN, Client
from hpl.config import ConfigError, load
from hpl.errors import (
    ApiError,
    CallbackTimeoutError,
    HplError,
    InvalidResponseError,
    NetworkError,
    RequestLimitError,
)
from hpl.progress import ProgressBar
from hpl.retry import RetryPolicy
from hpl_client.models import AggregateSessionReport

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_API = 3
EXIT_NETWORK = 4


class UsageError(Exception):
    """A mistake in how `hpl` was called."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage on an error; one line is easier to read and to grep.
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _date(text: str, *, end_of_day: bool) -> dt.datetime:
    # RFC 3339 allows lowercase `t` and `z`; fromisoformat takes only uppercase `Z`.
    text = text.upper()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min, tzinfo=dt.UTC)
            return moment.replace(microsecond=999_000) if end_of_day else moment
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (2024-05-31) or an RFC 3339 date-time (2024-05-31T12:00:00Z)"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _start(text: str) -> dt.datetime:
    return _date(text, end_of_day=False)


def _end(text: str) -> dt.datetime:
    return _date(text, end_of_day=True)


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
    return value


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:9000)")
    return host.strip("[]"), int(port)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hpl",
        description="Query the ThingSpace Hyper Precise Location device reports. Credentials come from "
        "HPL_CLIENT_ID, HPL_CLIENT_SECRET, HPL_USERNAME and HPL_PASSWORD, or a config file.",
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--base-url", metavar="URL", help="the HPL API (default: production, or $HPL_BASE_URL)")
    target.add_argument(
        "--sandbox",
        action="store_true",
        help=f"use the local sandbox ({SANDBOX_ORIGIN} or $HPL_SANDBOX_URL) and its development credentials",
    )
    parser.add_argument("--format", choices=output.FORMATS, default="table", help="output format")
    parser.add_argument("--config", metavar="FILE", help="TOML file with credentials (default $HPL_CONFIG)")
    parser.add_argument("--timeout", type=_positive, default=30.0, metavar="S", help="per-request timeout")
    parser.add_argument(
        "--deadline",
        type=_positive,
        default=DEFAULT_DEADLINE,
        metavar="S",
        help=f"the most one API call may take, retries and waits included (default {DEFAULT_DEADLINE:g})",
    )
    parser.add_argument(
        "--retries", type=_count, default=3, metavar="N", help="retries of a failed report query (default 3)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    sessions = commands.add_parser("sessions", help="the sessions of one device")
    sessions.add_argument("--account", required=True, metavar="A")
    sessions.add_argument("--imei", required=True, metavar="I")
    _add_dates(sessions)
    sessions.add_argument("--duration-low", type=_seconds, metavar="S")
    sessions.add_argument("--duration-high", type=_seconds, metavar="S")
    sessions.add_argument("--split", action="store_true", help="query a range over 180 days in 180-day windows")

    aggregate = commands.add_parser("aggregate", help="usage totals of many devices")
    aggregate.add_argument("--account", required=True, metavar="A")
    devices = aggregate.add_mutually_exclusive_group()
    devices.add_argument("--imei", action="extend", nargs="+", default=[], metavar="I", help="one or more IMEIs")
    devices.add_argument("--imei-file", metavar="F", help="IMEIs, one a line ('-' reads stdin)")
    _add_dates(aggregate)
    aggregate.add_argument("--device-group", metavar="G")
    aggregate.add_argument("--data-plan", metavar="P")
    aggregate.add_argument("--no-sessions", action="store_true", help="only devices without sessions")
    aggregate.add_argument("--concurrency", type=int, default=4, metavar="N", help="batches in flight at once")
    aggregate.add_argument("--async", dest="use_async", action="store_true", help="use the asynchronous report")
    aggregate.add_argument(
        "--listen", type=_host_port, metavar="HOST:PORT", help="where to receive the callbacks (with --async)"
    )
    aggregate.add_argument("--public-url", metavar="URL", help="the listener's URL as the service reaches it")
    aggregate.add_argument("--listener-name", metavar="NAME", help="the name to register (default hpl-cli-PID)")
    aggregate.add_argument(
        "--wait-timeout", type=_positive, default=600.0, metavar="S", help="how long to wait for callbacks"
    )

    callbacks = commands.add_parser("callbacks", help="list, add or remove callback listeners")
    actions = callbacks.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_Parser)
    listing = actions.add_parser("list", help="the registered listeners")
    listing.add_argument("--account", required=True, metavar="A")
    add = actions.add_parser("add", help="register a listener")
    add.add_argument("name", metavar="NAME")
    add.add_argument("url", metavar="URL")
    add.add_argument("--account", required=True, metavar="A")
    remove = actions.add_parser("remove", help="remove a listener")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--account", required=True, metavar="A")
    return parser


def _add_dates(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", type=_start, metavar="DATE", help="start (default: 180 days ago)")
    parser.add_argument("--to", dest="end", type=_end, metavar="DATE", help="end (default: now)")


def _read_imeis(path: str, stdin: TextIO) -> list[str]:
    try:
        text = stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read IMEI file {path}: {exc.strerror or exc}") from None
    imeis: list[str] = []
    for line in text.splitlines():
        content = line.split("#", 1)[0]
        imeis.extend(part for part in content.replace(",", " ").split() if part)
    if not imeis:
        raise UsageError(f"IMEI file {path} lists no IMEIs")
    return imeis


def _client(args: argparse.Namespace, environ: dict[str, str] | os._Environ[str]) -> Client:
    try:
        settings = load(environ, args.config)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    credentials = settings.credentials
    base_url: str | None
    if args.sandbox:
        base_url = settings.sandbox_url or SANDBOX_ORIGIN
        credentials = credentials or SANDBOX_CREDENTIALS
    else:
        base_url = args.base_url or settings.base_url
    if credentials is None:
        raise UsageError(
            "no credentials: set HPL_CLIENT_ID, HPL_CLIENT_SECRET, HPL_USERNAME and HPL_PASSWORD (or use --sandbox)"
        )
    try:
        return Client(
            base_url,
            credentials=credentials,
            timeout=args.timeout,
            deadline=args.deadline,
            retry=RetryPolicy(attempts=args.retries + 1),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _run(args: argparse.Namespace, client: Client, out: TextIO, err: TextIO, stdin: TextIO) -> None:
    fmt = args.format
    if args.command == "sessions":
        report = client.sessions(
            account_number=args.account,
            imei=args.imei,
            start_date=args.start,
            end_date=args.end,
            duration_low=args.duration_low,
            duration_high=args.duration_high,
            split_range=args.split,
        )
        print(output.render(fmt, report, output.session_rows(report)), file=out)
    elif args.command == "aggregate":
        imeis = _read_imeis(args.imei_file, stdin) if args.imei_file else args.imei
        merged = _aggregate(args, client, imeis, err)
        print(output.render(fmt, merged, output.aggregate_rows(merged)), file=out)
    elif args.action == "list":
        listeners = client.list_callbacks(account_number=args.account)
        print(output.render(fmt, listeners, output.listener_rows(listeners)), file=out)
    elif args.action == "add":
        registered = client.register_callback(account_number=args.account, name=args.name, url=args.url)
        print(output.render(fmt, registered, output.registered_rows(registered)), file=out)
    else:
        client.deregister_callback(account_number=args.account, name=args.name)
        if fmt == "table":
            print(f"removed listener {args.name}", file=err)


def _aggregate(args: argparse.Namespace, client: Client, imeis: list[str], err: TextIO) -> AggregateSessionReport:
    filters = {
        "account_number": args.account,
        "imeis": imeis,
        "start_date": args.start,
        "end_date": args.end,
        "device_group": args.device_group,
        "data_plan": args.data_plan,
        "no_sessions": True if args.no_sessions else None,
    }
    if not args.use_async:
        if args.listen or args.public_url or args.listener_name:
            raise UsageError("--listen, --public-url and --listener-name need --async")
        if args.concurrency < 1:
            raise UsageError("--concurrency must be at least 1")
        return client.aggregate(concurrency=args.concurrency, **filters)
    if args.listen is None:
        raise UsageError("--async needs --listen HOST:PORT to receive the callback messages")
    host, port = args.listen
    name = args.listener_name or f"hpl-cli-{os.getpid()}"
    try:
        listener = CallbackListener(host, port, public_url=args.public_url).start()
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bar = ProgressBar("callbacks", stream=err)
    try:
        client.register_callback(account_number=args.account, name=name, url=listener.url)
        try:
            started = client.start_async_aggregate(**filters)
            expected = list(dict.fromkeys(imeis)) or None
            result = listener.wait_for(started.txid, expected, args.wait_timeout, on_progress=bar.update)
        finally:
            bar.close()
            _remove_listener(client, args.account, name, err)
    finally:
        listener.stop()
    return result.report()


def _remove_listener(client: Client, account: str, name: str, err: TextIO) -> None:
    # A failed clean-up must not hide the report or the error that came before it.
    try:
        client.deregister_callback(account_number=account, name=name)
    except HplError as exc:
        print(f"hpl: warning: could not remove listener {name}: {_one_line(client.auth.redact(str(exc)))}", file=err)


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
    environ: dict[str, str] | None = None,
) -> int:
    """Run `hpl` with `argv`; returns the exit code (the console script exits with it)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    return _main(argv, out, err, stdin or sys.stdin, os.environ if environ is None else environ)


def _main(
    argv: Sequence[str] | None,
    out: TextIO,
    err: TextIO,
    stdin: TextIO,
    environ: dict[str, str] | os._Environ[str],
) -> int:
    parser = build_parser()
    # Whatever a service sends back, no credential reaches the terminal (issue 13).
    redact: Callable[[str], str] = str
    try:
        args = parser.parse_args(argv)
        with _client(args, environ) as client:
            redact = client.auth.redact
            _run(args, client, out, err, stdin)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except (UsageError, RequestLimitError) as exc:
        print(f"hpl: error: {_one_line(redact(str(exc)))}", file=err)
        return EXIT_USAGE
    except (ApiError, InvalidResponseError) as exc:
        print(f"hpl: API error: {_one_line(redact(str(exc)))}", file=err)
        return EXIT_API
    except (NetworkError, CallbackTimeoutError) as exc:
        print(f"hpl: network error: {_one_line(redact(str(exc)))}", file=err)
        return EXIT_NETWORK
    except HplError as exc:
        print(f"hpl: error: {_one_line(redact(str(exc)))}", file=err)
        return EXIT_API
    except KeyboardInterrupt:
        print("hpl: interrupted", file=err)
        return 130
    return EXIT_OK
