"""Hypothesis profiles shared by tests/ and the contract suite (src/hpl_contract/), and the suite's clock switch.

`ci` (the default) is derandomized, so every run draws the same examples; `PROFILE=nightly` draws
many more, from a fresh seed each night.

`HPL_TEST_CLOCK_SHIFT=+400d` (or `-200d`, `+6h`…) runs the whole suite with the wall clock moved:
in this process through time-machine, and in every subprocess through the `sitecustomize` of
tools/clockshift, which is put on PYTHONPATH here.
"""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

_CLOCK_SHIFT_DIR = str(Path(__file__).parent / "tools" / "clockshift")
if _CLOCK_SHIFT_DIR not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_CLOCK_SHIFT_DIR, os.environ.get("PYTHONPATH")) if p)
if _CLOCK_SHIFT_DIR not in sys.path:
    sys.path.append(_CLOCK_SHIFT_DIR)

import hpl_clock_shift  # noqa: E402

hpl_clock_shift.activate()


def pytest_report_header() -> str | None:
    shift = hpl_clock_shift.requested_shift()
    return None if shift is None else f"{hpl_clock_shift.VARIABLE}: wall clock moved by {shift}"


settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "nightly",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("PROFILE", os.environ.get("HYPOTHESIS_PROFILE", "ci")))
