"""The suite bites: every mutant of the sandbox is caught, and the true sandbox passes.

The quick form runs only the tests each mutant names in `caught_by` (about 45 s on 2 cores), so it
fits `make test`; `make mutants` runs the whole suite per mutant and prints who caught what.
"""

from __future__ import annotations

import os

import pytest

from tests.contract.mutants import CATALOGUE
from tests.contract.mutants.run import TRUE_SANDBOX, run_all, table


def test_at_least_ten_mutants_each_break_a_different_promise() -> None:
    """The catalogue holds at least ten mutants, each named and describing the promise it breaks."""
    assert len(CATALOGUE) >= 10
    assert len({m.name for m in CATALOGUE}) == len(CATALOGUE)
    assert len({m.broken for m in CATALOGUE}) == len(CATALOGUE)
    assert all(m.caught_by for m in CATALOGUE)


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("BASE_URL")), reason="mutants are variants of the embedded sandbox")
def test_every_mutant_is_caught_and_the_true_sandbox_passes() -> None:
    """Each mutant fails at least one of the tests it names; the true sandbox passes all of them."""
    outcomes, ok = run_all(quick=True, jobs=2)
    report = "\n".join(table(outcomes))
    baseline = next(o for o in outcomes if o.name == TRUE_SANDBOX)
    assert baseline.returncode == 0, f"the true sandbox fails the mutants' tests:\n{report}\n{baseline.errors}"
    survivors = [o.name for o in outcomes if o.name != TRUE_SANDBOX and not o.caught]
    assert not survivors, f"mutants survived: {survivors}\n{report}"
    assert ok
