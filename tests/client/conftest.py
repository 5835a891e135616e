"""Fixtures for the client layer: one sandbox over a real loopback socket for the whole session,
reset before every test that uses it, and clients whose retries do not really sleep."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

import hpl
from hpl import paths
from hpl_client.types import Unset
from hpl_sandbox import facts
from hpl_sandbox.app import create_app
from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.testing import SandboxControl, serve

ACCOUNT = facts.ACCOUNT_1
OTHER_ACCOUNT = facts.ACCOUNT_2
DEVICE = facts.ACTIVE
NOT_CERTIFIED = facts.NOT_CERTIFIED
INACTIVE = facts.INACTIVE
NOT_PURCHASED = facts.NOT_PURCHASED
MULTI_ACCOUNT = facts.MULTI_ACCOUNT
NOT_OWNED = facts.ACCOUNT_2_DEVICES[0]
API_PATH = paths.API_PATH

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
