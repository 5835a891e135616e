"""Authentication over the wire: the documented 401 for a missing or invalid token and the documented
token lifetimes; decision D6's both credentials on every call, each alone refused, bound to an account.

Schemathesis' `ignored_auth` strips every credential at once, so it cannot see a server that ignores
one of two AND-ed credentials (tooling.md §4.4); these properties send each one alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpl_contract import strategies as gen
from hpl_contract import wire
from hpl_contract.rules import checking, rule
from hpl_contract.target import Target
from hpl_contract.wire import REPORTS, SESSIONS, SYNC_AGGREGATE, assert_error, assert_success, post_report
from hpl_sandbox.testing import SandboxControl

tokens_text = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=60)


def valid_body(target: Target, path: str) -> dict[str, Any]:
    imei: Any = target.imeis[0] if path == SESSIONS else [target.imeis[0]]
    return {"accountNumber": target.account, "imei": imei}


@rule("doc.m2m-token-required")
@given(path=st.sampled_from(REPORTS))
def test_bearer_token_alone_is_refused(api: httpx.Client, target: Target, path: str) -> None:
    """Documented (seeds 002/003, "a vz-m2m-token is required"): a report call with only
    `Authorization: Bearer` (no M2M token) gets 401."""
    bearer = {"Authorization": target.auth_headers()["Authorization"]}
    assert_error(post_report(api, path, valid_body(target, path), bearer), 401)


@rule("D6.both-credentials")
@given(path=st.sampled_from(REPORTS))
def test_m2m_token_alone_is_refused(api: httpx.Client, target: Target, path: str) -> None:
    """Rule D6: a report call with only `VZ-M2M-Token` (no bearer token) gets 401 INVALID_ACCESS."""
    m2m = {"VZ-M2M-Token": target.auth_headers()["VZ-M2M-Token"]}
    assert_error(post_report(api, path, valid_body(target, path), m2m), 401)


@rule("doc.401-missing-or-invalid-token", "D6.both-credentials")
@given(path=st.sampled_from(REPORTS), which=st.sampled_from(["Authorization", "VZ-M2M-Token"]), token=tokens_text)
def test_an_unknown_token_is_refused_even_beside_a_valid_one(
    api: httpx.Client, target: Target, path: str, which: str, token: str
) -> None:
    """Replacing either credential with any unknown value gets 401, whatever the other one is: an invalid
    M2M token is documented, an unknown bearer beside a valid M2M token is decision D6."""
    credentials = target.auth_headers()
    credentials[which] = f"Bearer {token}" if which == "Authorization" else token
    with checking("D6.both-credentials" if which == "Authorization" else "doc.401-missing-or-invalid-token"):
        assert_error(post_report(api, path, valid_body(target, path), credentials), 401)


@rule("doc.401-missing-or-invalid-token")
@given(path=st.sampled_from(REPORTS))
def test_a_call_without_credentials_is_refused(api: httpx.Client, target: Target, path: str) -> None:
    """Documented (seeds 000–003, "access token is missing or invalid"): no credentials at all gets 401."""
    assert_error(post_report(api, path, valid_body(target, path), {}), 401)


@rule("D6.account-binding")
@given(path=st.sampled_from(REPORTS), data=st.data())
def test_another_account_number_is_refused(api: httpx.Client, target: Target, path: str, data: st.DataObject) -> None:
    """Rule D6: credentials are bound to their account; any other `accountNumber` gets 403."""
    body = valid_body(target, path)
    body["accountNumber"] = data.draw(gen.other_accounts(target.account), label="account")
    assert_error(post_report(api, path, body, target.auth_headers()), 403)


@rule("D6.account-binding")
@given(data=st.data())
def test_listeners_of_another_account_are_refused(api: httpx.Client, target: Target, data: st.DataObject) -> None:
    """Rule D6: listing another account's callback listeners gets 403."""
    account = data.draw(gen.other_accounts(target.account), label="account")
    response = api.get("/callbacks", params={"accountNumber": account}, headers=target.auth_headers())
    assert_error(response, 403)


@rule("D6.account-binding")
@pytest.mark.sandbox_only
# The asynchronous aggregate answers before it looks at devices; the synchronous one stands for it.
@pytest.mark.parametrize("path", [SESSIONS, SYNC_AGGREGATE])
def test_another_accounts_device_is_not_reported_to_this_account(
    api: httpx.Client, target: Target, sandbox: SandboxControl, path: str
) -> None:
    """Rule D6: a device that its own account sees is refused to every other account's credentials."""
    other = target.logins[1].account
    device = next(d["imei"] for d in sandbox.devices(other) if d["state"] == "active")
    own_view = {"accountNumber": other, "imei": device if path == SESSIONS else [device]}
    assert_success(path, post_report(api, path, own_view, target.auth_headers(other)))
    assert_error(post_report(api, path, own_view, target.auth_headers()), 403)


@pytest.fixture
def clock(sandbox: SandboxControl, target: Target) -> Iterator[SandboxControl]:
    """The sandbox's clock, back at real time afterwards, with fresh tokens for the next test."""
    yield sandbox
    sandbox.reset_clock()
    target.forget_tokens()


@rule("doc.access-token-lifetime")
@pytest.mark.sandbox_only
def test_access_token_expires_after_an_hour(api: httpx.Client, target: Target, clock: SandboxControl) -> None:
    """Documented (get-credentials page): an OAuth2 access token older than 3600 s gets 401 (the M2M
    session being still fresh)."""
    tokens = target.tokens(fresh=True)
    body = valid_body(target, SESSIONS)
    assert_success(SESSIONS, post_report(api, SESSIONS, body, tokens.headers()))
    for _ in range(3):
        # Keep the M2M session in use so that only the bearer token can be the cause.
        clock.advance_clock(1190)
        assert_success(SESSIONS, post_report(api, SESSIONS, body, tokens.headers()))
    clock.advance_clock(60)
    assert_error(post_report(api, SESSIONS, body, tokens.headers()), 401)


@rule("doc.m2m-session-idle-timeout")
@pytest.mark.sandbox_only
def test_m2m_session_expires_after_twenty_idle_minutes(
    api: httpx.Client, target: Target, clock: SandboxControl
) -> None:
    """Documented (M2M session page): an M2M session token unused for more than 20 minutes gets 401."""
    tokens = target.tokens(fresh=True)
    body = valid_body(target, SESSIONS)
    assert_success(SESSIONS, post_report(api, SESSIONS, body, tokens.headers()))
    clock.advance_clock(1201)
    assert_error(post_report(api, SESSIONS, body, tokens.headers()), 401)


@rule("doc.oauth-client-credentials")
def test_token_service_refuses_a_wrong_client_secret(target: Target) -> None:
    """Documented (get-credentials page, RFC 6749 §5.2): the OAuth2 token service answers a wrong secret
    with 401 `invalid_client`."""
    login = target.logins[0]
    if not (login.client_id and login.client_secret):
        pytest.skip("the target was given ready tokens, not client credentials")
    response = httpx.post(
        target.oauth_url,
        data={"grant_type": "client_credentials"},
        auth=(login.client_id, f"{login.client_secret.reveal()}-wrong"),
        timeout=15.0,
    )
    wire.remember(response)
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
