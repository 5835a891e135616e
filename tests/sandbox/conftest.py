"""Fixtures for the sandbox's tests: in-process apps with their lifespan, logged-in callers of
both development accounts, and an in-process callback listener."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from hpl_sandbox.app import create_app
from hpl_sandbox.config import ACCOUNT_1, ACCOUNT_2, SandboxConfig
from tests.sandbox.support import Api, Listener, TestClient, login


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def make_client(listener: Listener) -> Iterator[Callable[..., TestClient]]:
    """Builds in-process clients (lifespan running) for a config; callbacks go to `listener`."""
    opened: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        overrides.setdefault("callback_transport", httpx.ASGITransport(app=listener))
        overrides.setdefault("callback_backoff", 0.01)
        client = TestClient(create_app(SandboxConfig(**overrides)))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client, login(client, 1), ACCOUNT_1)


@pytest.fixture
def api2(client: TestClient) -> Api:
    return Api(client, login(client, 2), ACCOUNT_2)
