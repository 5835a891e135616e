"""Hypothesis profiles shared by tests/ and the contract suite (src/hpl_contract/), and the suite's clock switch.

`ci` (the default) is derandomized, so every run draws the same examples; `PROFILE=nightly` draws
many more, from a fresh seed each night (src/hpl_contract/profiles.py).

`HPL_TEST_CLOCK_SHIFT=+400d` (or `-200d`, `+6h`…) runs the whole suite with the wall clock moved:
in this process through time-machine, and in every subprocess through the `sitecustomize` of
tools/clockshift, which is put on PYTHONPATH here.
"""

import os
import sys
from pathlib import Path

_CLOCK_SHIFT_DIR = str(Path(__file__).parent / "tools" / "clockshift")
if _CLOCK_SHIFT_DIR not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_CLOCK_SHIFT_DIR, os.environ.get("PYTHONPATH")) if p)
if _CLOCK_SHIFT_DIR not in sys.path:
    sys.path.append(_CLOCK_SHIFT_DIR)

import hpl_clock_shift  # noqa: E402

from hpl_contract import profiles  # noqa: E402

hpl_clock_shift.activate()


def pytest_report_header() -> str | None:
    shift = hpl_clock_shift.requested_shift()
    return None if shift is None else f"{hpl_clock_shift.VARIABLE}: wall clock moved by {shift}"


# The profiles live with the contract suite, so that an installed `hpl-contract` has them too.
profiles.load()
