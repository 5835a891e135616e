"""Hypothesis profiles shared by tests/ and contract_tests/.

`ci` (the default) is derandomized, so every run draws the same examples; `PROFILE=nightly` draws
many more, from a fresh seed each night.
"""

import os

from hypothesis import HealthCheck, settings

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
