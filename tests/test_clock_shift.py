"""The switch that proves the suite passes on any day: `HPL_TEST_CLOCK_SHIFT` moves the wall clock of
the suite and of every Python process it starts, and leaves monotonic time alone."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import hpl_clock_shift
import pytest

YEAR_AHEAD = dt.timedelta(days=400)


@pytest.mark.parametrize(
    ("text", "shift"),
    [
        ("+400d", dt.timedelta(days=400)),
        ("-200d", dt.timedelta(days=-200)),
        ("6h", dt.timedelta(hours=6)),
        (" -90m ", dt.timedelta(minutes=-90)),
        ("+30s", dt.timedelta(seconds=30)),
    ],
)
def test_a_shift_is_a_signed_amount_with_a_unit(text: str, shift: dt.timedelta) -> None:
    assert hpl_clock_shift.parse_shift(text) == shift


@pytest.mark.parametrize("text", ["400", "+400 days", "d", "+4.5d", "soon"])
def test_a_shift_without_a_unit_or_amount_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match=r"e\.g\. \+400d"):
        hpl_clock_shift.parse_shift(text)


def test_a_subprocess_of_the_suite_runs_with_its_wall_clock_moved_and_its_monotonic_clock_not() -> None:
    already = hpl_clock_shift.requested_shift() or dt.timedelta(0)
    environment = {**os.environ, hpl_clock_shift.VARIABLE: "+400d"}
    script = "import time; print(time.time(), time.monotonic())"
    before_wall, before_monotonic = time.time(), time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True)
    wall, monotonic = (float(value) for value in done.stdout.split())
    expected = before_wall - already.total_seconds() + YEAR_AHEAD.total_seconds()
    assert abs(wall - expected) < 60, (wall, expected)
    assert before_monotonic <= monotonic < before_monotonic + 60


def test_the_suite_itself_runs_on_the_moved_clock_when_asked() -> None:
    if hpl_clock_shift.requested_shift() is None:
        assert not hpl_clock_shift.active()
    else:
        assert hpl_clock_shift.active()


def test_a_subprocess_given_an_environment_of_its_own_keeps_the_suite_s_clock() -> None:
    # hpl_clock_shift.environment() is all such a subprocess needs; without a shift it adds nothing.
    script = "import time; print(time.time())"
    own = {"PATH": os.environ.get("PATH", ""), **hpl_clock_shift.environment()}
    done = subprocess.run([sys.executable, "-c", script], env=own, capture_output=True, text=True, check=True)
    assert abs(float(done.stdout) - time.time()) < 60
    assert bool(hpl_clock_shift.environment()) == hpl_clock_shift.active()
