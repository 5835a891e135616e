"""The `hpl-sandbox` command: `serve` runs the sandbox, `seed` fills a database file."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hpl.paths import API_PATH, LOGIN_PATH, TOKEN_PATH
from hpl_sandbox import __version__
from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.facts import CONTROL_PREFIX
from hpl_sandbox.jobs import worker_lock_path

if TYPE_CHECKING:
    from hpl_sandbox.app import SandboxApp

# Headers up to this size reach the app, which answers an oversized one with the JSON error body
# instead of the server's plain-text refusal.
H11_MAX_INCOMPLETE_EVENT = 1024 * 1024

# With several workers, each process builds its app from the serve options the parent leaves here
# as JSON: uvicorn can only start worker processes from an import string.
ARGS_VARIABLE = "HPL_SANDBOX_SERVE_ARGS"
CONFIG_OPTIONS = (
    "db",
    "compat",
    "token_ttl",
    "session_idle_timeout",
    "callback_timeout",
    "callback_max_attempts",
    "callback_backoff",
)


def _banner(config: SandboxConfig, host: str, port: int, workers: int = 1) -> str:
    lines = [
        f"hpl-sandbox on http://{host}:{port}  (database: {config.db}; compatibility mode: {config.compat_mode};"
        f" workers: {workers})",
        f"  HPL API:        http://{host}:{port}{API_PATH}",
        f"  OAuth2 token:   POST http://{host}:{port}{TOKEN_PATH}",
        f"  M2M login:      POST http://{host}:{port}{LOGIN_PATH}",
        f"  control plane:  http://{host}:{port}{CONTROL_PREFIX}/",
        "  development credentials:",
    ]
    for c in config.credentials:
        lines.append(
            f"    account {c.account}: client {c.client_id} / {c.client_secret}, user {c.username} / {c.password}"
        )
    return "\n".join(lines)


def serve_config(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        db=args.db,
        compat_mode=args.compat,
        token_ttl=args.token_ttl,
        session_idle_timeout=args.session_idle_timeout,
        callback_timeout=args.callback_timeout,
        callback_max_attempts=args.callback_max_attempts,
        callback_backoff=args.callback_backoff,
    )


def app_from_environment() -> SandboxApp:
    """The app of one of several worker processes, built from the options the parent left in
    `ARGS_VARIABLE` (uvicorn's factory for `--workers N`)."""
    from hpl_sandbox.app import create_app

    return create_app(serve_config(argparse.Namespace(**json.loads(os.environ[ARGS_VARIABLE]))))


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hpl_sandbox.app import create_app

    config = serve_config(args)
    # Builds (and with one worker, serves) the app here, so that a bad database path fails in one
    # line before any worker starts, and the workers find the file ready: schema, seeded fleet.
    app = create_app(config)
    print(_banner(config, args.host, args.port, args.workers), flush=True)
    target: SandboxApp | str = app
    if args.workers > 1:
        app.sandbox.store.close()
        os.environ[ARGS_VARIABLE] = json.dumps({name: getattr(args, name) for name in CONFIG_OPTIONS})
        target = "hpl_sandbox.cli:app_from_environment"
    uvicorn.run(
        target,
        factory=args.workers > 1,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        h11_max_incomplete_event_size=H11_MAX_INCOMPLETE_EVENT,
        # A local test double has no proxy in front to trust; uvicorn's X-Forwarded-* middleware
        # only cost each call a header copy and an address parse.
        proxy_headers=False,
    )
    return 0


def _seed(args: argparse.Namespace) -> int:
    from hpl_sandbox.clock import Clock
    from hpl_sandbox.store import Store

    store = Store(args.db)
    began = time.perf_counter()
    sessions = store.seed(Clock().now_ms(), args.devices, args.days, args.seed)
    store.close()
    elapsed = time.perf_counter() - began
    print(f"seeded {args.db}: {args.devices} devices, {args.days} days, {sessions} sessions in {elapsed:.1f} s")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("must be between 0 and 3600 seconds")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hpl-sandbox", description="The HPL Device Reports reference sandbox.")
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the sandbox server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--db", default="sandbox.db", help="SQLite file, or :memory:")
    serve.add_argument("--compat", action="store_true", help="accept report calls without the report headers (D2)")
    serve.add_argument("--token-ttl", type=_positive, default=SandboxConfig.token_ttl, help="access token seconds")
    serve.add_argument(
        "--session-idle-timeout", type=_positive, default=SandboxConfig.session_idle_timeout, help="session seconds"
    )
    serve.add_argument("--callback-timeout", type=_seconds, default=SandboxConfig.callback_timeout)
    serve.add_argument("--callback-max-attempts", type=_at_least_one, default=SandboxConfig.callback_max_attempts)
    serve.add_argument("--callback-backoff", type=_seconds, default=SandboxConfig.callback_backoff)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument(
        "--workers", type=_at_least_one, default=1, help="server processes sharing the port and the database file"
    )
    serve.set_defaults(run=_serve)
    seed = commands.add_parser("seed", help="replace the devices and sessions of a database with a seeded fleet")
    seed.add_argument("--devices", type=_positive, default=SandboxConfig.demo_devices)
    seed.add_argument("--days", type=_positive, default=SandboxConfig.demo_days)
    seed.add_argument("--seed", type=_positive, default=SandboxConfig.seed)
    seed.add_argument("--db", default="sandbox.db")
    seed.set_defaults(run=_seed)
    return root


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line, checked: `serve --workers N` needs a database that every process can open."""
    root = parser()
    args = root.parse_args(argv)
    if args.command == "serve" and args.workers > 1 and worker_lock_path(args.db) is None:
        root.error(
            f"serve --workers {args.workers} needs a database file: with --db {args.db!r} each worker"
            " process would serve its own empty database"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        code: int = args.run(args)
    except ImportError as error:
        # A package of the [sandbox] extra is missing; the message names what to install.
        hint = "" if "pip install" in str(error) else ": pip install 'thingspace-hpl[sandbox]'"
        print(f"hpl-sandbox: {error}{hint}", file=sys.stderr)
        return 1
    except (OSError, ValueError, sqlite3.Error) as error:
        print(f"hpl-sandbox: {error}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
