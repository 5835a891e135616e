"""Auth: both tokens fetched lazily, cached, renewed before expiry or idling out, renewed once on a
401, shared by concurrent calls, and never shown."""

from __future__ import annotations

import asyncio
import logging
import threading

import httpx
import pytest

import hpl
from hpl_client.models import SessionReport
from hpl_sandbox.testing import SandboxControl
from tests.client import fakes
from tests.client.conftest import ACCOUNT, DEVICE, Sleeps


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fake_client(
    service: fakes.FakeService, clock: Clock | None = None, retry: hpl.RetryPolicy | None = None
) -> hpl.Client:
    return hpl.Client(
        fakes.BASE_URL,
        credentials=fakes.CREDENTIALS,
        transport=service.transport,
        retry=retry or hpl.RetryPolicy(sleep=Sleeps()),
        clock=clock or Clock(),
    )


def sessions(client: hpl.Client) -> SessionReport:
    return client.sessions(account_number=ACCOUNT, imei=DEVICE)


def test_constructing_a_client_fetches_no_token() -> None:
    service = fakes.FakeService()
    with fake_client(service):
        pass
    assert service.token_requests == [] and service.login_requests == []


def test_first_call_fetches_both_tokens_and_sends_both_headers() -> None:
    service = fakes.FakeService()
    with fake_client(service) as client:
        sessions(client)
    assert len(service.token_requests) == 1 and len(service.login_requests) == 1
    sent = service.api_requests[0].headers
    assert sent["Authorization"] == "Bearer ACCESS-SECRET-1"
    assert sent["VZ-M2M-Token"] == "SESSION-SECRET-1"


def test_token_request_uses_client_credentials_grant_with_basic_auth() -> None:
    service = fakes.FakeService()
    with fake_client(service) as client:
        sessions(client)
    token_request = service.token_requests[0]
    assert token_request.content == b"grant_type=client_credentials"
    assert token_request.headers["Authorization"].startswith("Basic ")
    login = service.login_requests[0]
    assert login.headers["Authorization"] == "Bearer ACCESS-SECRET-1"
    assert login.content and b"fake-user" in login.content


def test_later_calls_reuse_the_cached_tokens() -> None:
    service = fakes.FakeService()
    with fake_client(service) as client:
        for _ in range(5):
            sessions(client)
    assert len(service.token_requests) == 1 and len(service.login_requests) == 1


def test_access_token_is_renewed_before_it_expires() -> None:
    service = fakes.FakeService(expires_in=3600)
    clock = Clock()
    with fake_client(service, clock) as client:
        sessions(client)
        clock.now += 3600 - 30  # inside the renewal margin, still before expiry
        sessions(client)
    assert len(service.token_requests) == 2
    assert service.api_requests[1].headers["Authorization"] == "Bearer ACCESS-SECRET-2"
    # Renewed ahead of time: no call was refused with 401 on the way.
    assert len(service.api_requests) == 2


def test_session_token_is_renewed_before_it_idles_out() -> None:
    service = fakes.FakeService(expires_in=None)
    clock = Clock()
    with fake_client(service, clock) as client:
        sessions(client)
        clock.now += 1200 - 30
        sessions(client)
    assert len(service.login_requests) == 2
    assert len(service.api_requests) == 2


def test_a_session_token_in_use_does_not_idle_out() -> None:
    service = fakes.FakeService(expires_in=None)
    clock = Clock()
    with fake_client(service, clock) as client:
        for _ in range(4):
            clock.now += 600
            sessions(client)
    assert len(service.login_requests) == 1


def test_a_401_renews_both_tokens_once_and_retries() -> None:
    service = fakes.FakeService()
    with fake_client(service) as client:
        sessions(client)
        service.expire_all()
        report = sessions(client)
    assert report.id == DEVICE
    assert len(service.token_requests) == 2 and len(service.login_requests) == 2
    assert service.api_requests[-1].headers["VZ-M2M-Token"] == "SESSION-SECRET-2"


def test_a_second_401_after_renewal_is_raised_not_retried_again() -> None:
    refused = fakes.json_response(401, {"errorCode": "INVALID_ACCESS", "errorMessage": "Account locked"})
    service = fakes.FakeService(
        [refused, fakes.json_response(401, {"errorCode": "INVALID_ACCESS", "errorMessage": "Account locked"})]
    )
    with fake_client(service) as client, pytest.raises(hpl.AuthenticationError) as raised:
        sessions(client)
    assert raised.value.error_message == "Account locked"
    assert len(service.api_requests) == 2 and len(service.token_requests) == 2


def test_ready_tokens_are_used_as_given_and_a_401_is_raised() -> None:
    service = fakes.FakeService()
    service.issued = 1  # pretend ACCESS-SECRET-1 / SESSION-SECRET-1 came from elsewhere
    with hpl.Client(
        fakes.BASE_URL,
        access_token="ACCESS-SECRET-1",
        session_token="SESSION-SECRET-1",
        transport=service.transport,
    ) as client:
        sessions(client)
        service.expire_all()
        with pytest.raises(hpl.AuthenticationError):
            sessions(client)
    assert service.token_requests == []


def test_concurrent_sync_calls_share_one_token_fetch() -> None:
    service = fakes.FakeService()
    errors: list[BaseException] = []
    with fake_client(service) as client:

        def call() -> None:
            try:
                sessions(client)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert len(service.api_requests) == 8
    assert len(service.token_requests) == 1 and len(service.login_requests) == 1


def test_concurrent_async_calls_after_expiry_share_one_renewal() -> None:
    service = fakes.FakeService()

    async def run() -> None:
        async with hpl.AsyncClient(
            fakes.BASE_URL, credentials=fakes.CREDENTIALS, transport=service.transport
        ) as client:
            await client.sessions(account_number=ACCOUNT, imei=DEVICE)
            service.expire_all()
            await asyncio.gather(*(client.sessions(account_number=ACCOUNT, imei=DEVICE) for _ in range(8)))

    asyncio.run(run())
    # One fetch at the start and one renewal for all eight 401s.
    assert len(service.token_requests) == 2 and len(service.login_requests) == 2


def test_wrong_client_secret_raises_authentication_error_without_the_secret(sandbox: SandboxControl) -> None:
    with (
        hpl.Client(
            sandbox=sandbox.origin,
            client_id="sandbox-client-1",
            client_secret="not-the-secret-xyz",
            username="sandbox-user-1",
            password="sandbox-password-1",
        ) as client,
        pytest.raises(hpl.AuthenticationError) as raised,
    ):
        sessions(client)
    assert raised.value.status_code == 401
    assert "OAuth2 token request refused" in str(raised.value)
    assert "not-the-secret-xyz" not in str(raised.value) + repr(raised.value)


def test_wrong_password_raises_authentication_error(sandbox: SandboxControl) -> None:
    with (
        hpl.Client(
            sandbox=sandbox.origin,
            client_id="sandbox-client-1",
            client_secret="sandbox-secret-1",
            username="sandbox-user-1",
            password="wrong-password-xyz",
        ) as client,
        pytest.raises(hpl.AuthenticationError, match="M2M session login refused"),
    ):
        sessions(client)


def test_expiry_on_the_sandbox_clock_is_renewed_once_and_the_call_succeeds(
    sandbox: SandboxControl, client: hpl.Client
) -> None:
    sessions(client)
    sandbox.advance_clock(3601)
    report = sessions(client)
    assert report.id == DEVICE
    assert client.auth.renewals == 2
    token_calls = sandbox.journal("/oauth2/token")
    assert [entry["status"] for entry in token_calls] == [200, 200]
    report_calls = sandbox.journal("/report/sessions")
    assert [entry["status"] for entry in report_calls] == [200, 401, 200]


def test_session_idle_timeout_on_the_sandbox_clock_is_renewed(sandbox: SandboxControl, client: hpl.Client) -> None:
    sessions(client)
    sandbox.advance_clock(1201)
    assert sessions(client).id == DEVICE
    assert len(sandbox.journal("/session/login")) == 2


def test_tokens_never_appear_in_reprs_logs_or_exception_messages(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused = fakes.json_response(403, {"errorCode": "INVALID_ACCESS", "errorMessage": "Not your account"})
    service = fakes.FakeService([refused, httpx.ConnectError("connection refused")])
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    with fake_client(service, retry=hpl.RetryPolicy(attempts=1)) as client:
        with pytest.raises(hpl.PermissionDeniedError) as denied:
            sessions(client)
        with pytest.raises(hpl.NetworkError) as unreachable:
            sessions(client)
        shown += [repr(client), repr(client.auth), repr(client.auth.credentials), repr(client.raw)]
        for error in (denied.value, unreachable.value):
            shown += [str(error), repr(error)]
    shown += [record.getMessage() for record in caplog.records]
    text = "\n".join(shown)
    for secret in ("ACCESS-SECRET", "SESSION-SECRET", "fake-client-secret-value", "fake-password-value"):
        assert secret not in text
