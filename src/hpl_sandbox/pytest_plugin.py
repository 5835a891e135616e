"""The `hpl_sandbox` pytest fixture, installed with the package (entry point `pytest11`).

    def test_my_report(hpl_sandbox):
        hpl_sandbox.control.force("getSessionsReport", 500)
        ...  # your code, given hpl_sandbox.client or hpl_sandbox.base_url

Each test gets a fresh sandbox in this process (no socket). A real loopback socket — for code that
makes its own HTTP connections from the base URL — or the sandbox at `$HPL_SANDBOX_URL` (reset
first) is chosen per test with `@pytest.mark.hpl_sandbox(mode="socket")` / `mode="external"`, for a
run with `--hpl-sandbox=socket|external`, or in the ini file with `hpl_sandbox_mode`. Other marker
keywords are `SandboxConfig` fields, e.g. `@pytest.mark.hpl_sandbox(demo_devices=50)`.

This module imports nothing of the sandbox until a test asks for the fixture, so pytest starts the
same with or without the `[sandbox]` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest

if TYPE_CHECKING:
    from hpl_sandbox.testing import Mode, RunningSandbox

MODE_CHOICES = ("inprocess", "socket", "external")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hpl-sandbox", "the hpl_sandbox fixture")
    group.addoption(
        "--hpl-sandbox",
        dest="hpl_sandbox_mode",
        choices=MODE_CHOICES,
        default=None,
        help="where the hpl_sandbox fixture runs the sandbox: inprocess (default), socket, or external"
        " ($HPL_SANDBOX_URL)",
    )
    parser.addini("hpl_sandbox_mode", "default mode of the hpl_sandbox fixture", default="inprocess")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "hpl_sandbox(mode=None, **config): how the hpl_sandbox fixture runs its sandbox"
        " (mode inprocess/socket/external; other keywords are SandboxConfig fields)",
    )


@pytest.fixture
def hpl_sandbox(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    """A running HPL sandbox: `.client` (an `hpl.Client`), `.base_url`, `.origin`, `.control`."""
    from hpl_sandbox.config import SandboxConfig
    from hpl_sandbox.testing import start_sandbox

    marker = request.node.get_closest_marker("hpl_sandbox")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    # The marker decides for its test, then the command line, then the ini file.
    mode = (
        options.pop("mode", None)
        or request.config.getoption("hpl_sandbox_mode")
        or request.config.getini("hpl_sandbox_mode")
        or "inprocess"
    )
    if mode not in MODE_CHOICES:
        raise pytest.UsageError(f"hpl_sandbox mode {mode!r} is none of {', '.join(MODE_CHOICES)}")
    config = SandboxConfig(**options) if options else None
    with start_sandbox(cast("Mode", mode), config) as sandbox:
        yield sandbox
