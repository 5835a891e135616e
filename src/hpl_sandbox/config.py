"""The sandbox's settings: one dataclass, every field with a default, credentials overridable by env."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import httpx

# The accounts are facts.py's; re-exported because tests and the contract suite name them here.
from hpl_sandbox.facts import ACCOUNT_1 as ACCOUNT_1
from hpl_sandbox.facts import ACCOUNT_2 as ACCOUNT_2
from hpl_sandbox.facts import development_login


@dataclass(frozen=True)
class Credentials:
    """The four secrets that one account's client and user present, bound to that account."""

    account: str
    client_id: str
    client_secret: str
    username: str
    password: str


def _credentials(index: int) -> Credentials:
    default = development_login(index)

    def env(name: str, default: str) -> str:
        return os.environ.get(f"HPL_SANDBOX_{name}_{index}", default)

    return Credentials(
        account=env("ACCOUNT", default.account),
        client_id=env("CLIENT_ID", default.client_id),
        client_secret=env("CLIENT_SECRET", default.client_secret),
        username=env("USERNAME", default.username),
        password=env("PASSWORD", default.password),
    )


def default_credentials() -> tuple[Credentials, ...]:
    """The development credentials, read from the environment when the config is made."""
    return (_credentials(1), _credentials(2))


@dataclass
class SandboxConfig:
    """Everything a sandbox instance needs; the defaults serve tests (in memory, small, fast)."""

    db: str = ":memory:"
    compat_mode: bool = False
    token_ttl: int = 3600
    session_idle_timeout: int = 1200
    seed: int = 42
    demo_devices: int = 20
    demo_days: int = 180
    callback_timeout: float = 5.0
    callback_max_attempts: int = 5
    callback_backoff: float = 0.5
    callback_concurrency: int = 16
    max_body_bytes: int = 2 * 1024 * 1024
    max_header_bytes: int = 16 * 1024
    validate_responses: bool = True
    journal_size: int = 1000
    credentials: tuple[Credentials, ...] = field(default_factory=default_credentials)
    # Tests may route callback deliveries in-process; None means real HTTP.
    callback_transport: httpx.AsyncBaseTransport | None = None
    spec_path: str | None = None
