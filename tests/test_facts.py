"""Issue 12 item 4: each shared fact is written once — paths in `hpl.paths`, the sandbox's accounts,
credentials and fixed devices in `hpl_sandbox.facts` — and agrees with what uses it."""

from __future__ import annotations

import pytest

from hpl import paths
from hpl.client import SANDBOX_CREDENTIALS
from hpl_sandbox import facts
from hpl_sandbox.config import SandboxConfig
from hpl_sandbox.spec import base_path, load_spec
from hpl_sandbox.store import Store


def test_the_api_path_is_the_path_of_the_specs_servers() -> None:
    assert base_path(load_spec()) == paths.API_PATH


def test_the_report_and_callback_paths_are_the_paths_of_the_spec() -> None:
    named = {paths.SESSIONS_PATH, paths.AGGREGATE_PATH, paths.ASYNC_AGGREGATE_PATH, paths.CALLBACKS_PATH}
    assert named == set(load_spec()["paths"])


def test_hpls_sandbox_credentials_are_the_first_development_login() -> None:
    # `hpl` may not import the sandbox (it is an extra), so the client's default is written in
    # hpl/client.py; this keeps the two equal.
    login = facts.development_login(1)
    assert (SANDBOX_CREDENTIALS.client_id, SANDBOX_CREDENTIALS.client_secret) == (login.client_id, login.client_secret)
    assert (SANDBOX_CREDENTIALS.username, SANDBOX_CREDENTIALS.password) == (login.username, login.password)


def test_the_sandbox_accepts_the_development_logins_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACCOUNT", "CLIENT_ID", "CLIENT_SECRET", "USERNAME", "PASSWORD"):
        for index in (1, 2):
            monkeypatch.delenv(f"HPL_SANDBOX_{name}_{index}", raising=False)
    accepted = [vars(credentials) for credentials in SandboxConfig().credentials]
    assert accepted == [vars(facts.development_login(index)) for index in (1, 2)]


def test_a_development_login_keeps_its_secrets_out_of_its_repr() -> None:
    login = facts.development_login(2)
    assert login.client_secret not in repr(login) and login.password not in repr(login)


def test_every_seed_writes_the_fixed_devices_in_their_states() -> None:
    store = Store(":memory:")
    store.seed(0, devices=12, days=0, seed=1)
    seeded = {device["imei"]: (device["accountNumber"], device["state"]) for device in store.devices()}
    for device in facts.FIXED_DEVICES:
        assert seeded[device.imei] == (device.account, device.state)
    assert facts.UNOWNED not in seeded


def test_each_refusing_fixed_device_has_the_refusal_of_its_state() -> None:
    refusing = {device.imei: device.state for device in facts.FIXED_DEVICES if device.state != "active"}
    assert {imei: facts.REFUSALS[state] for imei, state in refusing.items()} == facts.REFUSING_DEVICES
    assert [refusal.status for refusal in facts.REFUSING_DEVICES.values()] == [403, 404, 409, 500]
