"""The `hpl` command.

Exit codes: 0 success, 2 usage error (bad arguments, no command, a limit, missing credentials, a
config file it cannot use), 3 the service answered with an error, 4 the service could not be
reached, 5 the callbacks of `aggregate --async` did not all arrive within `--wait-timeout`, 141 the
reader of the output went away (`hpl … | head`). Every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO
from urllib.parse import urlsplit

import httpx

from hpl import __version__, output
from hpl.callbacks import CallbackListener, txid_of
from hpl.client import Client
from hpl.config import ConfigError, load
from hpl.core import API_PATH, DEFAULT_DEADLINE, PRODUCTION_URL, SANDBOX_CREDENTIALS, SANDBOX_ORIGIN
from hpl.errors import (
    ApiError,
    BadRequestError,
    CallbackTimeoutError,
    HplError,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    RequestLimitError,
)
from hpl.progress import ProgressBar
from hpl.retry import RetryPolicy
from hpl_client.models import AggregateSessionReport

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_API = 3
EXIT_NETWORK = 4
EXIT_TIMEOUT = 5
# What a shell reports for a program that SIGPIPE ended: the reader of the output went away.
EXIT_BROKEN_PIPE = 141
SYNC_DEVICE_LIMIT = 10


class UsageError(Exception):
    """A mistake in how `hpl` was called."""


class _Help(argparse.RawDescriptionHelpFormatter):
    """Examples keep their lines; every option with a default value says it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False, [], argparse.SUPPRESS) or "default" in text:
            return text
        return f"{text} (default: %(default)s)"


def _wrapped(text: str) -> str:
    # The description is kept as written (for the examples in the epilog), so it is wrapped here.
    return textwrap.fill(text, width=79)


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


EXAMPLES = {
    "hpl": """examples:
  hpl --sandbox sessions --account 0844021539-00001 --imei 709312034493372
  hpl --format json aggregate --account 0844021539-00001 --imei-file imeis.txt
  hpl --sandbox callbacks list --account 0844021539-00001

exit codes: 0 success, 2 usage error, 3 the service answered with an error, 4 the service could not
be reached, 5 callbacks did not arrive in time, 141 the output's reader went away""",
    "sessions": """example:
  hpl --sandbox sessions --account 0844021539-00001 --imei 709312034493372 --from 2024-01-01 --split""",
    "aggregate": """examples:
  hpl --sandbox aggregate --account 0844021539-00001 --imei 709312034493372 709312034493381
  hpl aggregate --account 0844021539-00001 --device-group fleet-north --async --listen 0.0.0.0:9000 \\
      --public-url https://hooks.example.com/hpl""",
    "callbacks": """examples:
  hpl --sandbox callbacks list --account 0844021539-00001
  hpl --sandbox callbacks add reports https://example.com/hpl --account 0844021539-00001
  hpl --sandbox callbacks remove reports --account 0844021539-00001""",
    "list": "example:\n  hpl --sandbox callbacks list --account 0844021539-00001",
    "add": "example:\n  hpl --sandbox callbacks add reports https://example.com/hpl --account 0844021539-00001",
    "remove": "example:\n  hpl --sandbox callbacks remove reports --account 0844021539-00001",
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hpl",
        description=_wrapped(
            "Query the ThingSpace Hyper Precise Location device reports. Credentials come from "
            "HPL_CLIENT_ID, HPL_CLIENT_SECRET, HPL_USERNAME and HPL_PASSWORD, or a config file."
        ),
        epilog=EXAMPLES["hpl"],
        formatter_class=_Help,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--base-url",
        metavar="URL",
        help="the HPL API; default: $HPL_BASE_URL, else production (" + PRODUCTION_URL + ")",
    )
    target.add_argument(
        "--sandbox",
        action="store_true",
        help=f"use the local sandbox ({SANDBOX_ORIGIN} or $HPL_SANDBOX_URL) and its development credentials",
    )
    parser.add_argument("--format", choices=output.FORMATS, default="table", help="output format")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML file with credentials; default: $HPL_CONFIG, else ~/.config/hpl/config.toml",
    )
    parser.add_argument("--timeout", type=_positive, default=30.0, metavar="S", help="per-request timeout in seconds")
    parser.add_argument(
        "--deadline",
        type=_positive,
        default=DEFAULT_DEADLINE,
        metavar="S",
        help=f"the most one API call may take, retries and waits included (default {DEFAULT_DEADLINE:g})",
    )
    parser.add_argument("--retries", type=_count, default=3, metavar="N", help="retries of a failed report query")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(group: argparse._SubParsersAction[_Parser], name: str, summary: str, description: str) -> _Parser:
        return group.add_parser(
            name, help=summary, description=_wrapped(description), epilog=EXAMPLES[name], formatter_class=_Help
        )

    sessions = command(
        commands,
        "sessions",
        "the sessions of one device",
        "The sessions report of one device: when each session started and ended and the bytes it moved.",
    )
    sessions.add_argument("--account", required=True, metavar="A", help="the account number")
    sessions.add_argument("--imei", required=True, metavar="I", help="the device's IMEI (15 digits)")
    _add_dates(sessions)
    sessions.add_argument(
        "--duration-low", type=_seconds, metavar="S", help="shortest session in seconds; default: no lower bound"
    )
    sessions.add_argument(
        "--duration-high", type=_seconds, metavar="S", help="longest session in seconds; default: no upper bound"
    )
    sessions.add_argument("--split", action="store_true", help="query a range over 180 days in 180-day windows")

    aggregate = command(
        commands,
        "aggregate",
        "usage totals of many devices",
        "Sessions and bytes per device. Without --imei it covers every device of the account that the "
        "filters select; the synchronous report takes at most 10 devices at once (more IMEIs go out in "
        "batches of 10), --async takes up to 10,000 and waits for the callbacks.",
    )
    aggregate.add_argument("--account", required=True, metavar="A", help="the account number")
    devices = aggregate.add_mutually_exclusive_group()
    devices.add_argument("--imei", action="extend", nargs="+", default=[], metavar="I", help="one or more IMEIs")
    devices.add_argument("--imei-file", metavar="F", help="IMEIs, one a line ('-' reads stdin)")
    _add_dates(aggregate)
    aggregate.add_argument("--device-group", metavar="G", help="only devices of this group")
    aggregate.add_argument("--data-plan", metavar="P", help="only devices on this data plan")
    aggregate.add_argument("--no-sessions", action="store_true", help="only devices without sessions")
    aggregate.add_argument("--concurrency", type=int, default=4, metavar="N", help="batches in flight at once")
    aggregate.add_argument("--async", dest="use_async", action="store_true", help="use the asynchronous report")
    aggregate.add_argument(
        "--listen", type=_host_port, metavar="HOST:PORT", help="where to receive the callbacks (with --async)"
    )
    aggregate.add_argument("--public-url", metavar="URL", help="the listener's URL as the service reaches it")
    aggregate.add_argument("--listener-name", metavar="NAME", help="the name to register; default: hpl-cli-PID")
    aggregate.add_argument(
        "--wait-timeout", type=_positive, default=600.0, metavar="S", help="seconds to wait for the callbacks"
    )

    callbacks = command(
        commands,
        "callbacks",
        "list, add or remove callback listeners",
        "The listeners that receive the account's asynchronous reports.",
    )
    actions = callbacks.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_Parser)
    listing = command(actions, "list", "the registered listeners", "List the account's registered listeners.")
    listing.add_argument("--account", required=True, metavar="A", help="the account number")
    add = command(actions, "add", "register a listener", "Register a listener URL under a name.")
    add.add_argument("name", metavar="NAME", help="the listener's name")
    add.add_argument("url", metavar="URL", help="where the service posts the callback messages")
    add.add_argument("--account", required=True, metavar="A", help="the account number")
    remove = command(actions, "remove", "remove a listener", "Remove the listener registered under a name.")
    remove.add_argument("name", metavar="NAME", help="the listener's name")
    remove.add_argument("--account", required=True, metavar="A", help="the account number")
    return parser


def _add_dates(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="start", type=_start, metavar="DATE", help="start, 2024-05-31 or RFC 3339; default: 180 days ago"
    )
    parser.add_argument(
        "--to", dest="end", type=_end, metavar="DATE", help="end (a date means its last ms, UTC); default: now"
    )


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
            result = listener.wait_for(txid_of(started), expected, args.wait_timeout, on_progress=bar.update)
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
    try:
        code = _main(argv, out, err, stdin or sys.stdin, os.environ if environ is None else environ)
        # A pipe buffers the output: its reader's absence shows here, not at the print.
        out.flush()
        return code
    except BrokenPipeError:
        if out is sys.stdout:
            # Python would flush stdout again at exit and print a second BrokenPipeError there.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return EXIT_BROKEN_PIPE


def _hint(args: argparse.Namespace, client_base_url: str | None, exc: HplError) -> str:
    """One more sentence for the mistakes a user makes most, where the service's answer alone
    does not say what to fix."""
    if isinstance(exc, NetworkError) and args.sandbox and isinstance(exc.cause, httpx.ConnectError):
        return "; is the sandbox running? Start it with `hpl-sandbox serve` (or set HPL_SANDBOX_URL)"
    if isinstance(exc, NotFoundError) and client_base_url is not None:
        path = urlsplit(client_base_url).path.rstrip("/")
        if not path.endswith(API_PATH):
            return f"; the base URL's path {path or '/'!r} is likely wrong: the HPL API lives under {API_PATH}"
    if (
        isinstance(exc, BadRequestError)
        and args.command == "aggregate"
        and not args.use_async
        and not (args.imei or args.imei_file)
    ):
        return (
            f"; without --imei the report covers every device the filters select, and the synchronous"
            f" report takes at most {SYNC_DEVICE_LIMIT}: use --async --listen HOST:PORT, or narrow it with"
            " --imei, --device-group or --data-plan"
        )
    return ""


def _main(
    argv: Sequence[str] | None,
    out: TextIO,
    err: TextIO,
    stdin: TextIO,
    environ: dict[str, str] | os._Environ[str],
) -> int:
    parser = build_parser()
    args: argparse.Namespace | None = None
    base_url: str | None = None
    # Whatever a service sends back, no credential reaches the terminal (issue 13).
    redact: Callable[[str], str] = str
    try:
        # argparse prints --help and --version on sys.stdout; they belong on the caller's `out`.
        with contextlib.redirect_stdout(out):
            args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(out)
            return EXIT_USAGE
        with _client(args, environ) as client:
            base_url = client.base_url
            redact = client.auth.redact
            _run(args, client, out, err, stdin)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except (UsageError, RequestLimitError) as exc:
        print(f"hpl: error: {_one_line(redact(str(exc)))}", file=err)
        return EXIT_USAGE
    except (ApiError, InvalidResponseError) as exc:
        hint = _hint(args, base_url, exc) if args is not None else ""
        print(f"hpl: API error: {_one_line(redact(str(exc)))}{hint}", file=err)
        return EXIT_API
    except CallbackTimeoutError as exc:
        print(f"hpl: timeout: {_one_line(redact(str(exc)))}", file=err)
        return EXIT_TIMEOUT
    except NetworkError as exc:
        hint = _hint(args, base_url, exc) if args is not None else ""
        print(f"hpl: network error: {_one_line(redact(str(exc)))}{hint}", file=err)
        return EXIT_NETWORK
    except HplError as exc:
        print(f"hpl: error: {_one_line(redact(str(exc)))}", file=err)
        return EXIT_API
    except KeyboardInterrupt:
        print("hpl: interrupted", file=err)
        return 130
    return EXIT_OK
