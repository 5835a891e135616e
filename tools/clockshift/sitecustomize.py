"""Carries `$HPL_TEST_CLOCK_SHIFT` into every Python process started with this folder on PYTHONPATH."""

import hpl_clock_shift

hpl_clock_shift.activate()
