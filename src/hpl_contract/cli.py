"""`hpl-contract`: check a server against the HPL spec with the packaged contract suite.

Exit status: 0 the target conforms, 1 it does not, 2 the run could not start or finish (the one
line printed says how to fix that).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from hpl_contract import profiles
from hpl_contract.report import DEFAULT_SEED, PYTEST_ARGS

SUITE_DIR = Path(__file__).resolve().parent
SUITE_INI = SUITE_DIR / "suite.ini"
JUNIT_NAME = "contract-junit.xml"
REPORT_NAMES = (JUNIT_NAME, "contract-report.md", "contract-summary.json")
CONFORMS, DOES_NOT_CONFORM, CANNOT_RUN = 0, 1, 2
SECRET_VARIABLES = ("HPL_CLIENT_SECRET", "HPL_PASSWORD", "HPL_ACCESS_TOKEN", "HPL_M2M_TOKEN")

EPILOG = """\
environment (against --base-url; the embedded sandbox needs none):
  HPL_ACCOUNT           the account the credentials own
  HPL_IMEIS             active devices of that account, space- or comma-separated
  HPL_CLIENT_ID, HPL_CLIENT_SECRET   OAuth2 client credentials   (or HPL_ACCESS_TOKEN)
  HPL_USERNAME, HPL_PASSWORD         the M2M user               (or HPL_M2M_TOKEN)
  HPL_OAUTH_URL, HPL_M2M_URL         token services, if not on the base URL's origin
  HPL_CALLBACK_URL      a listener the target can reach (else the callback tests skip)

examples:
  hpl-contract                                      # the embedded sandbox, CI profile
  hpl-contract --base-url https://gw.example.com/api/hyper-precise/v1 --report-dir reports
  hpl-contract --profile nightly --exclude registerCallback -- -k "not token_lifetime"

exit status: 0 conforms, 1 does not conform, 2 cannot run (one line says the fix)
"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("thingspace-hpl")
    except PackageNotFoundError:
        return "0+unknown"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="hpl-contract",
        description="Check a server against the HPL Device Reports spec: schemathesis over every operation "
        "and the rules no schema states, each labelled with its source (Verizon's documentation or a "
        "decision of this project). Reports: JUnit, Markdown and JSON.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument(
        "--base-url",
        help="the HPL base URL of the server under test, ending in /api/hyper-precise/v1 "
        "(default: $BASE_URL, else the embedded sandbox)",
    )
    root.add_argument(
        "--report-dir", type=Path, default=Path("reports"), help="where the reports go (default: reports)"
    )
    root.add_argument(
        "--profile",
        default=None,
        help=f"hypothesis profile: {', '.join(profiles.NAMES)} (default: $PROFILE, else {profiles.DEFAULT})",
    )
    root.add_argument(
        "--seed", type=int, default=None, help=f"schemathesis and hypothesis seed (default {DEFAULT_SEED})"
    )
    root.add_argument(
        "--max-examples", type=_positive, default=None, help="cap the examples per test (default: the profile's)"
    )
    root.add_argument(
        "--include", action="append", default=[], metavar="OPERATION_ID", help="only these operations (repeatable)"
    )
    root.add_argument(
        "--exclude", action="append", default=[], metavar="OPERATION_ID", help="leave these operations out (repeatable)"
    )
    root.add_argument(
        "--strict",
        action="store_true",
        help="against --base-url, a divergence from one of this project's decisions fails the run too",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return root


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    """Our options, and what follows `--` for pytest."""
    if "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut + 1 :]
    return argv, []


def run_environment(args: argparse.Namespace, env: Mapping[str, str]) -> dict[str, str]:
    """The environment the suite reads, from the options (which win) and the caller's environment."""
    out = dict(env)
    base_url = args.base_url or env.get("BASE_URL", "")
    if base_url:
        out["BASE_URL"] = base_url
    else:
        out.pop("BASE_URL", None)
    if args.profile is not None:
        out["PROFILE"] = args.profile
        out.pop("HYPOTHESIS_PROFILE", None)
    out["HPL_CONTRACT_SEED"] = str(args.seed if args.seed is not None else env.get("HPL_CONTRACT_SEED") or DEFAULT_SEED)
    if args.max_examples is not None:
        out["HPL_CONTRACT_MAX_EXAMPLES"] = str(args.max_examples)
    out["HPL_CONTRACT_INCLUDE"] = " ".join(args.include)
    out["HPL_CONTRACT_EXCLUDE"] = " ".join(args.exclude)
    if args.strict:
        out["HPL_CONTRACT_STRICT"] = "1"
    out["HPL_CONTRACT_REPORT_DIR"] = str(args.report_dir)
    return out


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class RedactingStream:
    """A text stream that replaces every secret the run knows before writing (the console's last
    line of defence; the reports are scrubbed the same way)."""

    def __init__(self, stream: TextIO, secrets: Callable[[], Mapping[str, str]]) -> None:
        self._stream = stream
        self._secrets = secrets

    def write(self, text: str) -> int:
        self._stream.write(redact(text, self._secrets()))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redact(text: str, secrets: Mapping[str, str]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        if value:
            text = text.replace(value, secrets[value])
    return text


def scrub_reports(directory: Path, secrets: Mapping[str, str]) -> None:
    """Replace every known secret in the report files, whoever wrote them (pytest writes the JUnit)."""
    for name in REPORT_NAMES:
        path = directory / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            cleaned = redact(text, secrets)
            if cleaned != text:
                path.write_text(cleaned, encoding="utf-8")


def _say(line: str, secrets: Mapping[str, str]) -> None:
    print(f"hpl-contract: {redact(line, secrets)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ours, passthrough = _split(list(sys.argv[1:] if argv is None else argv))
    args = parser().parse_args(ours)
    env = run_environment(args, os.environ)
    known: dict[str, str] = {env[name]: f"${name}" for name in SECRET_VARIABLES if env.get(name)}

    from hpl_contract.preflight import settings_problems

    problems = settings_problems(env, include=args.include, exclude=args.exclude)
    if problems:
        for problem in problems:
            _say(f"cannot run: {problem}", known)
        return CANNOT_RUN
    # The report's reproduce line repeats the pytest options too (the suite reads them from here).
    env[PYTEST_ARGS] = shlex.join(passthrough)
    with _environment(env):
        return _run(args, passthrough, known)


def _run(args: argparse.Namespace, passthrough: list[str], known: dict[str, str]) -> int:
    import pytest

    from hpl_contract.listener import release_shared_listener, restore_listeners
    from hpl_contract.preflight import check_target
    from hpl_contract.target import Target, TargetError, opened_target, release_shared_target, shared_target

    target: Target | None = None

    def secrets() -> dict[str, str]:
        return {**known, **(target.redactions() if target is not None else {})}

    args.report_dir.mkdir(parents=True, exist_ok=True)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = RedactingStream(stdout, secrets)
    sys.stderr = RedactingStream(stderr, secrets)
    try:
        try:
            # A target cached earlier in this process (an embedding test session, an earlier run) was
            # built from other settings; this run's target comes from this run's environment.
            release_shared_target()
            target = shared_target()
            check_target(target)
        except TargetError as error:
            _say(f"cannot run: {error}", secrets())
            return CANNOT_RUN
        except Exception as error:
            _say(f"cannot run: the target could not be checked: {type(error).__name__}: {error}", secrets())
            return CANNOT_RUN
        pytest_args = [
            str(SUITE_DIR),
            "-c",
            str(SUITE_INI),
            "--rootdir",
            str(SUITE_DIR),
            f"--junitxml={args.report_dir / JUNIT_NAME}",
            f"--hypothesis-seed={os.environ['HPL_CONTRACT_SEED']}",
            *passthrough,
        ]
        code = int(pytest.main(pytest_args))
    finally:
        try:
            # The suite's session-finish hook already did this unless pytest never got there; an embedded
            # sandbox is gone with its listeners once the run released it.
            if target is not None and (not target.is_sandbox or opened_target() is target):
                for problem in restore_listeners(target):
                    _say(f"cleanup: {problem}", secrets())
        finally:
            release_shared_target()
            release_shared_listener()
            scrub_reports(args.report_dir, secrets())
            sys.stdout, sys.stderr = stdout, stderr
    if code == 0:
        return CONFORMS
    if code == 1:
        return DOES_NOT_CONFORM
    return CANNOT_RUN


if __name__ == "__main__":
    sys.exit(main())
