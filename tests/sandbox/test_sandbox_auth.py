"""D6: the two token services, both credentials on every call, expiry, and account binding."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hpl_sandbox.app import create_app
from hpl_sandbox.clock import parse_rfc3339_ms
from hpl_sandbox.config import ACCOUNT_1, ACCOUNT_2, SandboxConfig
from hpl_sandbox.store import Store
from tests.sandbox.support import (
    ACCOUNT_2_DEVICE,
    ACTIVE,
    CALLBACKS,
    LOGIN,
    SESSIONS,
    TOKEN,
    Api,
    TestClient,
    assert_error,
    login,
    report_headers,
)

BODY = {"accountNumber": ACCOUNT_1, "imei": ACTIVE}


def call_sessions(client: TestClient, credentials: dict[str, str], body: dict[str, str] = BODY) -> int:
    response = client.post(SESSIONS, json=body, headers={**credentials, **report_headers(body, False)})
    return response.status_code


def test_token_service_issues_a_bearer_token_for_an_hour(client: TestClient) -> None:
    response = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, auth=("sandbox-client-1", "sandbox-secret-1")
    )
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 3600
    assert token["access_token"]


def test_token_service_accepts_client_credentials_in_the_form(client: TestClient) -> None:
    form = {"grant_type": "client_credentials", "client_id": "sandbox-client-2", "client_secret": "sandbox-secret-2"}
    assert client.post(TOKEN, data=form).status_code == 200


def test_token_service_refuses_a_wrong_secret_as_invalid_client(client: TestClient) -> None:
    response = client.post(TOKEN, data={"grant_type": "client_credentials"}, auth=("sandbox-client-1", "nope"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "error_description" in response.json()


def test_token_service_refuses_another_grant_type(client: TestClient) -> None:
    response = client.post(TOKEN, data={"grant_type": "password"}, auth=("sandbox-client-1", "sandbox-secret-1"))
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_token_service_refuses_a_json_body(client: TestClient) -> None:
    response = client.post(
        TOKEN, json={"grant_type": "client_credentials"}, auth=("sandbox-client-1", "sandbox-secret-1")
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_login_refuses_a_wrong_password(client: TestClient) -> None:
    bearer = login(client)["Authorization"]
    response = client.post(
        LOGIN, json={"username": "sandbox-user-1", "password": "x"}, headers={"Authorization": bearer}
    )
    assert_error(response, 401, "INVALID_ACCESS")


def test_login_refuses_a_user_of_another_account(client: TestClient) -> None:
    bearer = login(client, 1)["Authorization"]
    response = client.post(
        LOGIN, json={"username": "sandbox-user-2", "password": "sandbox-password-2"}, headers={"Authorization": bearer}
    )
    assert_error(response, 401, "INVALID_ACCESS")


def test_login_needs_a_bearer_token(client: TestClient) -> None:
    response = client.post(LOGIN, json={"username": "sandbox-user-1", "password": "sandbox-password-1"})
    assert_error(response, 401, "INVALID_ACCESS")


def test_login_without_a_bearer_is_401_even_with_a_malformed_body(client: TestClient) -> None:
    response = client.post(LOGIN, content=b"{", headers={"Content-Type": "application/json"})
    assert_error(response, 401, "INVALID_ACCESS")


def test_login_refuses_malformed_json_with_the_error_body(client: TestClient) -> None:
    bearer = login(client)["Authorization"]
    response = client.post(LOGIN, content=b"{", headers={"Authorization": bearer, "Content-Type": "application/json"})
    assert_error(response, 400, "INVALID_PARAMETER")


def test_report_with_both_credentials_is_served(api: Api) -> None:
    assert call_sessions(api.client, api.credentials) == 200


@pytest.mark.parametrize("dropped", ["Authorization", "VZ-M2M-Token"])
def test_report_without_either_credential_is_401(api: Api, dropped: str) -> None:
    credentials = {k: v for k, v in api.credentials.items() if k != dropped}
    response = api.client.post(SESSIONS, json=BODY, headers={**credentials, **report_headers(BODY, False)})
    assert_error(response, 401, "INVALID_ACCESS")


@pytest.mark.parametrize("forged", ["Authorization", "VZ-M2M-Token"])
def test_report_with_an_unknown_credential_is_401(api: Api, forged: str) -> None:
    credentials = {**api.credentials, forged: "Bearer forged" if forged == "Authorization" else "forged"}
    assert call_sessions(api.client, credentials) == 401


def test_missing_credentials_are_401_even_when_the_body_is_invalid(client: TestClient) -> None:
    response = client.post(SESSIONS, content=b"{not json", headers={"Content-Type": "text/plain"})
    assert_error(response, 401, "INVALID_ACCESS")


def test_credentials_of_two_accounts_do_not_combine(client: TestClient) -> None:
    first, second = login(client, 1), login(client, 2)
    mixed = {"Authorization": first["Authorization"], "VZ-M2M-Token": second["VZ-M2M-Token"]}
    assert call_sessions(client, mixed) == 401


def test_another_accounts_number_is_403(api: Api) -> None:
    body = {"accountNumber": ACCOUNT_2, "imei": ACCOUNT_2_DEVICE}
    response = api.client.post(SESSIONS, json=body, headers={**api.credentials, **report_headers(body, False)})
    assert_error(response, 403, "INVALID_PARAMETER")


def test_another_accounts_listeners_are_403(api: Api) -> None:
    response = api.client.get(CALLBACKS, params={"accountNumber": ACCOUNT_2}, headers=api.credentials)
    assert_error(response, 403)


def test_second_account_reads_its_own_devices(api2: Api) -> None:
    assert api2.sessions(imei=ACCOUNT_2_DEVICE).status_code == 200


def test_access_token_expires_after_an_hour(make_client: Callable[..., TestClient]) -> None:
    # A long idle limit isolates the access token's own lifetime.
    client = make_client(session_idle_timeout=10_000)
    credentials = login(client)
    client.post("/_sandbox/clock", json={"advance_seconds": 3599})
    assert call_sessions(client, credentials) == 200
    client.post("/_sandbox/clock", json={"advance_seconds": 1})
    response = client.post(SESSIONS, json=BODY, headers={**credentials, **report_headers(BODY, False)})
    assert_error(response, 401, "INVALID_ACCESS", says="expired")


def test_session_token_expires_after_twenty_idle_minutes(api: Api) -> None:
    api.client.post("/_sandbox/clock", json={"advance_seconds": 1201})
    response = api.client.post(SESSIONS, json=BODY, headers={**api.credentials, **report_headers(BODY, False)})
    assert_error(response, 401, says="expired")


def test_session_token_stays_alive_while_it_is_used(api: Api) -> None:
    for _ in range(3):
        api.client.post("/_sandbox/clock", json={"advance_seconds": 1000})
        api.client.post(TOKEN)  # unrelated traffic does not count as use
        fresh_bearer = login(api.client)["Authorization"]
        credentials = {"Authorization": fresh_bearer, "VZ-M2M-Token": api.credentials["VZ-M2M-Token"]}
        assert call_sessions(api.client, credentials) == 200


def test_lifetimes_are_configurable(make_client: Callable[..., TestClient]) -> None:
    client = make_client(token_ttl=10, session_idle_timeout=5)
    credentials = login(client)
    client.post("/_sandbox/clock", json={"advance_seconds": 6})
    assert call_sessions(client, credentials) == 401


def test_development_credentials_are_overridable_by_environment(
    monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., TestClient]
) -> None:
    monkeypatch.setenv("HPL_SANDBOX_CLIENT_SECRET_1", "rotated")
    client = make_client(credentials=SandboxConfig().credentials)
    auth = ("sandbox-client-1", "rotated")
    assert client.post(TOKEN, data={"grant_type": "client_credentials"}, auth=auth).status_code == 200
    old = ("sandbox-client-1", "sandbox-secret-1")
    assert client.post(TOKEN, data={"grant_type": "client_credentials"}, auth=old).status_code == 401


def test_a_session_idles_out_from_its_last_use_not_from_its_last_write(make_client: Callable[..., TestClient]) -> None:
    # The sandbox writes a session's last use back at most once a second; uses in between count all the same.
    client = make_client(session_idle_timeout=60, token_ttl=10_000)
    credentials = login(client)
    client.post("/_sandbox/clock", json={"advance_seconds": 0.5})
    assert call_sessions(client, credentials) == 200
    client.post("/_sandbox/clock", json={"advance_seconds": 59.7})  # 60.2 s after login, 59.7 s after use
    assert call_sessions(client, credentials) == 200
    client.post("/_sandbox/clock", json={"advance_seconds": 60.1})
    response = client.post(SESSIONS, json=BODY, headers={**credentials, **report_headers(BODY, False)})
    assert_error(response, 401, says="expired")


def _file_client(path: Path) -> TestClient:
    return TestClient(create_app(SandboxConfig(db=str(path))))


def test_a_session_kept_alive_by_another_sandbox_on_the_same_file_is_not_idled_out(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    first, second = _file_client(database), _file_client(database)
    credentials = login(first)
    assert call_sessions(second, credentials) == 200  # the second sandbox now remembers the session
    first.post("/_sandbox/clock", json={"advance_seconds": 1000})  # the clock is shared through the file
    assert call_sessions(first, credentials) == 200
    first.post("/_sandbox/clock", json={"advance_seconds": 1000})
    # 2000 s since the second sandbox saw the session, 1000 s since its last use through the first.
    assert call_sessions(second, credentials) == 200


def test_a_sessions_last_use_reaches_the_database_when_the_sandbox_stops(tmp_path: Path) -> None:
    database = tmp_path / "kept.db"
    with _file_client(database) as client:
        credentials = login(client)
        client.post("/_sandbox/clock", json={"advance_seconds": 0.2})
        before_use = parse_rfc3339_ms(client.get("/_sandbox/clock").json()["now"])
        assert call_sessions(client, credentials) == 200
    store = Store(str(database))
    [(last_used_ms,)] = store.query("SELECT last_used_ms FROM tokens WHERE token = ?", (credentials["VZ-M2M-Token"],))
    store.close()
    assert last_used_ms >= before_use


def test_tokens_issued_by_another_sandbox_on_the_same_file_are_accepted(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    credentials = login(_file_client(database))
    assert call_sessions(_file_client(database), credentials) == 200
