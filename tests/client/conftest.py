"""Fixtures for the client layer: one sandbox over a real loopback socket for the whole session,
reset before every test that uses it, and clients whose retries do not really sleep."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest

import hpl
from hpl_client.types import Unset
from hpl_sandbox.app import create_app
from hpl_sandbox.config import SandboxConfig
from tests.serving import serve

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


class Sandbox:
    """The sandbox's control plane, as the tests drive it."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.http = httpx.Client(base_url=origin, timeout=30.0)

    def _ok(self, response: httpx.Response) -> Any:
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._ok(self.http.post("/_sandbox/reset"))

    def seed(self, devices: int, days: int = 30, seed: int = 7) -> None:
        self._ok(self.http.post("/_sandbox/seed", json={"devices": devices, "days": days, "seed": seed}))

    def devices(self, account: str = ACCOUNT, state: str | None = None) -> list[str]:
        found = self._ok(self.http.get("/_sandbox/devices", params={"accountNumber": account}))
        return [d["imei"] for d in found if state is None or d["state"] == state]

    def advance_clock(self, seconds: float) -> None:
        self._ok(self.http.post("/_sandbox/clock", json={"advance_seconds": seconds}))

    def force(self, operation_id: str, status: int, *, times: int = 1, **extra: Any) -> None:
        self._ok(
            self.http.post(
                "/_sandbox/force", json={"operationId": operation_id, "status": status, "times": times, **extra}
            )
        )

    def journal(self, path_suffix: str = "") -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._ok(self.http.get("/_sandbox/journal"))
        return [e for e in entries if e["path"].endswith(path_suffix)]

    def jobs(self, txid: str) -> list[dict[str, Any]]:
        jobs: list[dict[str, Any]] = self._ok(self.http.get("/_sandbox/jobs", params={"txid": txid}))
        return jobs


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    # Quick callback retries, so that deliveries to a listener that is gone give up fast.
    config = SandboxConfig(callback_backoff=0.05, callback_max_attempts=2, callback_timeout=5.0)
    with serve(create_app(config)) as origin:
        sandbox = Sandbox(origin)
        try:
            yield sandbox
        finally:
            sandbox.http.close()


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Sandbox:
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sandbox: Sandbox, sleeps: Sleeps) -> Iterator[hpl.Client]:
    retry = hpl.RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep)
    with hpl.Client(sandbox=sandbox.origin, retry=retry, timeout=30.0) as client:
        yield client
