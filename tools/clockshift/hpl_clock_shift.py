"""Moves the wall clock of this process by `$HPL_TEST_CLOCK_SHIFT` (e.g. `+400d`, `-200d`, `+6h`).

The suite proves it does not depend on today's date by running with the clock moved (issue "The
tests pass on any day"). time-machine moves `time.time`, `datetime.now` and friends in-process and
leaves monotonic time alone, so timed `threading`/`asyncio` waits keep working (libfaketime 0.9.10
hangs them). This folder is put on `PYTHONPATH` (by the root conftest.py and the Makefile) so that
its `sitecustomize` carries the same shift into every subprocess the tests start.
"""

from __future__ import annotations

import datetime as dt
import os
import re

VARIABLE = "HPL_TEST_CLOCK_SHIFT"
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_traveller: object | None = None


def parse_shift(text: str) -> dt.timedelta:
    """`+400d`, `-200d`, `12h`, `-90m`, `30s` as a timedelta; ValueError on anything else."""
    match = re.fullmatch(r"\s*([+-]?)(\d+)([dhms])\s*", text)
    if match is None:
        raise ValueError(f"{VARIABLE}={text!r}: expected a signed amount with a unit, e.g. +400d, -200d, +6h")
    sign, amount, unit = match.groups()
    delta = dt.timedelta(**{_UNITS[unit]: int(amount)})
    return -delta if sign == "-" else delta


def requested_shift() -> dt.timedelta | None:
    text = os.environ.get(VARIABLE, "").strip()
    return parse_shift(text) if text else None


def activate() -> dt.timedelta | None:
    """Starts the shift asked for by the environment, once per process; returns it (None: no shift)."""
    global _traveller
    shift = requested_shift()
    if shift is None or _traveller is not None:
        return shift
    try:
        import time_machine
    except ImportError:
        # An interpreter outside the project's venv (e.g. a fresh venv a test builds) cannot move
        # its clock; it says so once instead of failing every start-up in sitecustomize.
        import sys

        print(f"{VARIABLE}: time-machine is not installed here; this process keeps the real clock", file=sys.stderr)
        return None
    traveller = time_machine.travel(dt.datetime.now(dt.UTC) + shift, tick=True)
    traveller.start()
    _traveller = traveller
    return shift


def active() -> bool:
    return _traveller is not None


def environment() -> dict[str, str]:
    """What a subprocess given an environment of its own needs to run on this process's clock."""
    if _traveller is None:
        return {}
    return {VARIABLE: os.environ[VARIABLE], "PYTHONPATH": os.path.dirname(os.path.abspath(__file__))}
