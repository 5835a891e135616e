"""`python -m benchmarks.serve WHAT --port P --loop L --http H`: one server process of a benchmark.

The loop and the HTTP parser are explicit, because uvicorn's `auto` picks uvloop and httptools
whenever they are installed, and the benchmarks compare both stacks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import uvicorn

from benchmarks.apps import Listener, constant_app


def _app(args: argparse.Namespace) -> Any:
    if args.what == "constant":
        return constant_app
    if args.what == "listener":
        return Listener()
    from hpl_sandbox.app import create_app
    from hpl_sandbox.config import SandboxConfig

    config = SandboxConfig(
        db=args.db,
        compat_mode=args.compat,
        callback_concurrency=args.callback_concurrency,
        validate_responses=not args.no_validate_responses,
    )
    return create_app(config)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve")
    parser.add_argument("what", choices=["constant", "sandbox", "listener"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--http", choices=["h11", "httptools"], default="h11")
    parser.add_argument("--db", default=":memory:")
    parser.add_argument("--callback-concurrency", type=int, default=16)
    parser.add_argument(
        "--no-validate-responses", action="store_true", help="skip the sandbox's check of its own answers"
    )
    parser.add_argument("--compat", action="store_true", help="accept report calls without the report headers")
    parser.add_argument("--workers", type=int, default=1, help="server processes sharing the port")
    return parser


def app_from_environment() -> Any:
    """The app for each of several worker processes, which uvicorn can only start from an import string."""
    return _app(_parser().parse_args(json.loads(os.environ[ARGS_VARIABLE])))


ARGS_VARIABLE = "HPL_BENCH_SERVE_ARGS"


def main() -> None:
    args = _parser().parse_args()
    app: Any = _app(args)
    if args.workers > 1:
        os.environ[ARGS_VARIABLE] = json.dumps(sys.argv[1:])
        app = "benchmarks.serve:app_from_environment"
    uvicorn.run(
        app,
        factory=args.workers > 1,
        workers=args.workers,
        host="127.0.0.1",
        port=args.port,
        loop=args.loop,
        http=args.http,
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # as `hpl-sandbox serve` runs, for every app measured
        lifespan="on" if args.what == "sandbox" else "off",
    )


if __name__ == "__main__":
    main()
