"""Which server the contract suite checks, and the credentials it checks it with.

Default: the in-repo sandbox, started on a free loopback port with uvicorn in a thread, so that the
suite talks HTTP to it exactly as it would to a live `BASE_URL`. Token URLs derive from the base
URL's origin (decision D1) unless `HPL_OAUTH_URL` / `HPL_M2M_URL` name them.
"""

from __future__ import annotations

import base64
import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from hpl.paths import API_PATH as API_PREFIX
from hpl.paths import LOGIN_PATH as M2M_PATH
from hpl.paths import TOKEN_PATH as OAUTH_PATH
from hpl_contract.secret import Secret, secret
from hpl_sandbox.facts import ACCOUNTS as SANDBOX_ACCOUNTS
from hpl_sandbox.facts import REFUSING_DEVICES, development_login
from hpl_sandbox.testing import SandboxControl, ThreadedServer

# The sandbox's fixed refusing devices as (status, message) of the sessions report.
SANDBOX_REFUSING_IMEIS = {imei: (refusal.status, refusal.message) for imei, refusal in REFUSING_DEVICES.items()}

HOW_TO_TARGET = (
    "Set BASE_URL to the HPL base URL (ending in /api/hyper-precise/v1) and give credentials with "
    "HPL_CLIENT_ID, HPL_CLIENT_SECRET, HPL_USERNAME and HPL_PASSWORD (or ready tokens in HPL_ACCESS_TOKEN "
    "and HPL_M2M_TOKEN), HPL_ACCOUNT and HPL_IMEIS; or unset BASE_URL to check the embedded sandbox."
)


class TargetError(Exception):
    """The target cannot be used; the message says how to fix that."""


@dataclass(frozen=True)
class Login:
    """One account's secrets: client credentials and M2M user, or ready tokens (each a `Secret`)."""

    account: str
    client_id: str | None = None
    client_secret: Secret | None = None
    username: str | None = None
    password: Secret | None = None
    access_token: Secret | None = None
    m2m_token: Secret | None = None


@dataclass(frozen=True)
class Tokens:
    account: str
    access_token: Secret
    m2m_token: Secret

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token.reveal()}", "VZ-M2M-Token": self.m2m_token.reveal()}


@dataclass
class Target:
    """A server under test, with what the suite knows about the data it owns."""

    base_url: str
    oauth_url: str
    m2m_url: str
    is_sandbox: bool
    logins: tuple[Login, ...]
    imeis: tuple[str, ...]
    """Active devices of the first login's account that report normally."""
    origin: str = field(init=False)
    _tokens: dict[str, Tokens] = field(default_factory=dict, repr=False)
    _issued: list[Tokens] = field(default_factory=list, repr=False)
    """Every token pair fetched, forgotten ones too: all of them stay out of reports."""

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"

    @property
    def account(self) -> str:
        return self.logins[0].account

    def url(self, path: str) -> str:
        return self.base_url + path

    def tokens(self, account: str | None = None, *, fresh: bool = False) -> Tokens:
        """Valid credentials of `account` (the first login's by default), fetched once and cached."""
        login = self._login(account or self.account)
        if fresh or login.account not in self._tokens:
            self._tokens[login.account] = fetch_tokens(self, login)
            self._issued.append(self._tokens[login.account])
        return self._tokens[login.account]

    def auth_headers(self, account: str | None = None) -> dict[str, str]:
        return self.tokens(account).headers()

    def redactions(self) -> dict[str, str]:
        """Every secret the run knows → the shell variable (or description) to print in its place."""
        found: dict[str, str] = {}
        for login in self.logins:
            for value, shown in (
                (login.client_secret, "$HPL_CLIENT_SECRET"),
                (login.password, "$HPL_PASSWORD"),
                (login.access_token, "$HPL_ACCESS_TOKEN"),
                (login.m2m_token, "$HPL_M2M_TOKEN"),
            ):
                if value:
                    found[value.reveal()] = shown
            if login.client_id and login.client_secret:
                pair = f"{login.client_id}:{login.client_secret.reveal()}"
                found[base64.b64encode(pair.encode()).decode()] = "<base64 of $HPL_CLIENT_ID:$HPL_CLIENT_SECRET>"
        for tokens in self._issued:
            found[tokens.access_token.reveal()] = "$HPL_ACCESS_TOKEN"
            found[tokens.m2m_token.reveal()] = "$HPL_M2M_TOKEN"
        return found

    def __repr__(self) -> str:
        # Tracebacks and hypothesis print the fixture; only what identifies the target shows.
        accounts = ", ".join(login.account for login in self.logins)
        return f"Target(base_url={self.base_url!r}, accounts=[{accounts}], imeis={list(self.imeis)!r}, secrets=***)"

    def forget_tokens(self) -> None:
        self._tokens.clear()

    def has_account(self, account: str) -> bool:
        return any(login.account == account for login in self.logins)

    def _login(self, account: str) -> Login:
        for login in self.logins:
            if login.account == account:
                return login
        raise TargetError(f"no credentials for account {account}")


def fetch_tokens(target: Target, login: Login) -> Tokens:
    """Obtain an OAuth2 access token and an M2M session token, as a client of the API would."""
    access = login.access_token.reveal() if login.access_token else None
    with httpx.Client(timeout=15.0) as http:
        try:
            if access is None:
                if not (login.client_id and login.client_secret):
                    raise TargetError(f"no client credentials for account {login.account}. {HOW_TO_TARGET}")
                answer = http.post(
                    target.oauth_url,
                    data={"grant_type": "client_credentials"},
                    auth=(login.client_id, login.client_secret.reveal()),
                )
                if answer.status_code != 200:
                    raise TargetError(
                        f"POST {target.oauth_url} answered {answer.status_code} {answer.text[:200]!r}: "
                        "check HPL_CLIENT_ID / HPL_CLIENT_SECRET, or set HPL_OAUTH_URL."
                    )
                access = str(answer.json()["access_token"])
            m2m = login.m2m_token.reveal() if login.m2m_token else None
            if m2m is None:
                if not (login.username and login.password):
                    raise TargetError(f"no M2M user for account {login.account}. {HOW_TO_TARGET}")
                answer = http.post(
                    target.m2m_url,
                    json={"username": login.username, "password": login.password.reveal()},
                    headers={"Authorization": f"Bearer {access}"},
                )
                if answer.status_code != 200:
                    raise TargetError(
                        f"POST {target.m2m_url} answered {answer.status_code} {answer.text[:200]!r}: "
                        "check HPL_USERNAME / HPL_PASSWORD, or set HPL_M2M_URL."
                    )
                m2m = str(answer.json()["sessionToken"])
        except httpx.TransportError as error:
            raise TargetError(f"cannot reach the token service of {target.origin}: {error}. {HOW_TO_TARGET}") from error
    return Tokens(account=login.account, access_token=Secret(access), m2m_token=Secret(m2m))


def live_target(env: Mapping[str, str]) -> Target:
    """The target that `BASE_URL` and the `HPL_*` variables describe."""
    base_url = env["BASE_URL"].rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"BASE_URL={base_url!r} is not an http(s) URL. {HOW_TO_TARGET}")
    origin = f"{parts.scheme}://{parts.netloc}"
    account = env.get("HPL_ACCOUNT", "")
    if not account:
        raise TargetError(
            f"HPL_ACCOUNT is not set: the suite must know which account the credentials own. {HOW_TO_TARGET}"
        )
    imeis = tuple(i for i in env.get("HPL_IMEIS", "").replace(",", " ").split() if i)
    if not imeis:
        raise TargetError(f"HPL_IMEIS is not set: name at least one active device of {account}. {HOW_TO_TARGET}")
    login = Login(
        account=account,
        client_id=env.get("HPL_CLIENT_ID"),
        client_secret=secret(env.get("HPL_CLIENT_SECRET")),
        username=env.get("HPL_USERNAME"),
        password=secret(env.get("HPL_PASSWORD")),
        access_token=secret(env.get("HPL_ACCESS_TOKEN")),
        m2m_token=secret(env.get("HPL_M2M_TOKEN")),
    )
    return Target(
        base_url=base_url,
        oauth_url=env.get("HPL_OAUTH_URL") or origin + OAUTH_PATH,
        m2m_url=env.get("HPL_M2M_URL") or origin + M2M_PATH,
        is_sandbox=False,
        logins=(login,),
        imeis=imeis,
    )


def sandbox_target(origin: str) -> Target:
    """The target of a sandbox served at `origin`, with its development credentials."""
    logins = tuple(
        Login(
            account=dev.account,
            client_id=dev.client_id,
            client_secret=Secret(dev.client_secret),
            username=dev.username,
            password=Secret(dev.password),
        )
        for dev in (development_login(index) for index in range(1, len(SANDBOX_ACCOUNTS) + 1))
    )
    target = Target(
        base_url=origin + API_PREFIX,
        oauth_url=origin + OAUTH_PATH,
        m2m_url=origin + M2M_PATH,
        is_sandbox=True,
        logins=logins,
        imeis=(),
    )
    target.imeis = tuple(d["imei"] for d in sandbox_devices(target, target.account) if d["state"] == "active")
    return target


def sandbox_devices(target: Target, account: str) -> list[dict[str, Any]]:
    """The sandbox's devices of `account`, from its control plane."""
    with SandboxControl(target.origin, timeout=10.0) as control:
        return [dict(device) for device in control.devices(account)]


def check_reachable(target: Target) -> None:
    """Fail at once, with the fix, when nothing answers HTTP at the target."""
    try:
        httpx.post(target.url("/report/sessions"), json={}, timeout=10.0)
    except httpx.TransportError as error:
        raise TargetError(f"cannot reach BASE_URL={target.base_url}: {error!r}. {HOW_TO_TARGET}") from error


# The module whose `MUTANTS` holds the deliberately broken sandboxes: they are test code of the
# repository (tests/contract/mutants), not part of the installed suite, so the suite names no module.
MUTANTS_VARIABLE = "HPL_CONTRACT_MUTANTS"


def build_sandbox_app(mutant: str | None = None, mutants: Mapping[str, Any] | None = None) -> Any:
    """The sandbox app the suite checks: the real one, or the named broken variant of it, taken
    from `mutants` or else from the module `$HPL_CONTRACT_MUTANTS` names."""
    from hpl_sandbox.app import create_app
    from hpl_sandbox.config import SandboxConfig

    # Fast retries keep the callback tests short; everything else is the sandbox's default.
    config = SandboxConfig(callback_backoff=0.05, callback_timeout=2.0, callback_max_attempts=3)
    if mutant is None:
        return create_app(config)
    if mutants is None:
        registry = os.environ.get(MUTANTS_VARIABLE)
        if not registry:
            raise TargetError(
                f"HPL_CONTRACT_MUTANT={mutant} needs {MUTANTS_VARIABLE}, the module whose MUTANTS holds the "
                "broken sandboxes (the repository's conftest.py sets it)"
            )
        mutants = importlib.import_module(registry).MUTANTS
    if mutant not in mutants:
        raise TargetError(f"unknown mutant {mutant!r}; known: {', '.join(sorted(mutants))}")
    return mutants[mutant].build(lambda: create_app(config))


def open_target(env: Mapping[str, str]) -> tuple[Target, Callable[[], None]]:
    """Resolve the target from the environment; returns it and a function that releases it."""
    if env.get("BASE_URL"):
        target = live_target(env)
        check_reachable(target)
        target.tokens()
        return target, lambda: None
    server = ThreadedServer(build_sandbox_app(env.get("HPL_CONTRACT_MUTANT") or None))
    try:
        server.start()
    except RuntimeError as error:
        raise TargetError(str(error)) from error
    try:
        target = sandbox_target(server.origin)
        target.tokens()
    except BaseException:
        server.stop()
        raise
    return target, server.stop


_SHARED: list[tuple[Target, Callable[[], None]]] = []


def shared_target() -> Target:
    """The run's one target, opened on first use (schemathesis needs it while collecting)."""
    if not _SHARED:
        _SHARED.append(open_target(os.environ))
    return _SHARED[0][0]


def opened_target() -> Target | None:
    """The run's target if it is open, without opening it."""
    return _SHARED[0][0] if _SHARED else None


def release_shared_target() -> None:
    while _SHARED:
        _SHARED.pop()[1]()


def usable_target() -> Target:
    """The run's target; an unusable one ends the whole pytest run at once, with the fix."""
    import pytest

    try:
        return shared_target()
    except TargetError as error:
        pytest.exit(f"contract target unusable: {error}", returncode=3)
