"""Fixtures for the client layer: one sandbox over a real loopback socket for the whole session,
reset before every test that uses it, and clients whose retries do not really sleep."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

import hpl
from hpl_client.types import Unset
from hpl_sandbox.app import create_app
from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.testing import SandboxControl, serve

ACCOUNT = "0844021539-00001"
OTHER_ACCOUNT = "0844021539-00002"
DEVICE = "709312034493372"
NOT_CERTIFIED = "709312034493380"
INACTIVE = "709312034493381"
NOT_PURCHASED = "709312034493382"
MULTI_ACCOUNT = "709312034493383"
NOT_OWNED = "709312034499001"
API_PATH = "/api/hyper-precise/v1"

T = TypeVar("T")


def present(value: T | Unset) -> T:
    """An optional field of a report that the test expects to be there, narrowed to its type."""
    assert not isinstance(value, Unset), "the field is unset"
    return value


@dataclass
class Sleeps:
    """A stand-in for time.sleep that records instead of waiting."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxControl]:
    # Quick callback retries, so that deliveries to a listener that is gone give up fast.
    config = SandboxConfig(callback_backoff=0.05, callback_max_attempts=2, callback_timeout=5.0)
    with serve(create_app(config)) as origin, SandboxControl(origin) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server: SandboxControl) -> SandboxControl:
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sandbox: SandboxControl, sleeps: Sleeps) -> Iterator[hpl.Client]:
    retry = hpl.RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep)
    with hpl.Client(sandbox=sandbox.origin, retry=retry, timeout=30.0) as client:
        yield client
