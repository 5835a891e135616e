"""The hypothesis profiles of the contract suite (and of the repository's own tests).

`ci` (the default) is derandomized, so every run draws the same examples; `nightly` draws many more,
from a fresh seed each night; `dev` sits between. `HPL_CONTRACT_MAX_EXAMPLES` caps any of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from hypothesis import HealthCheck, settings

DEFAULT = "ci"
MAX_EXAMPLES_VARIABLE = "HPL_CONTRACT_MAX_EXAMPLES"


def register() -> tuple[str, ...]:
    """Register the profiles (idempotent); returns their names."""
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
    return NAMES


NAMES = ("ci", "dev", "nightly")


def requested(env: Mapping[str, str] = os.environ) -> str:
    return env.get("PROFILE") or env.get("HYPOTHESIS_PROFILE") or DEFAULT


def load(env: Mapping[str, str] = os.environ) -> str:
    """Load the profile `PROFILE` names (ci by default), capped by `HPL_CONTRACT_MAX_EXAMPLES`."""
    register()
    name = requested(env)
    settings.load_profile(name)
    cap = env.get(MAX_EXAMPLES_VARIABLE)
    if cap:
        capped = f"{name}-max-{int(cap)}"
        settings.register_profile(capped, parent=settings.get_profile(name), max_examples=int(cap))
        settings.load_profile(capped)
    return name
