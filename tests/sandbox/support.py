"""Helpers for the sandbox's tests: paths, fixed devices, logging in, and a callback listener."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from hpl import paths
from hpl_sandbox import facts

if TYPE_CHECKING:

    class TestClient(httpx.Client):
        """Starlette's TestClient as mypy should see it (nothing of this exists at run time).

        Starlette 1.10 annotates its TestClient against httpx2, which the project does not install, so
        mypy would see an untyped base class and `Any` from every call. At run time Starlette falls
        back to the pinned httpx, and its TestClient *is* a subclass of this `httpx.Client` with this
        constructor, whose requests answer an `httpx.Response`. Should httpx2 ever be installed, the
        run-time class would follow it and this declaration would have to go.
        """

        def __init__(
            self,
            app: ASGIApp,
            base_url: str = "http://testserver",
            raise_server_exceptions: bool = True,
            root_path: str = "",
            backend: Literal["asyncio", "trio"] = "asyncio",
            backend_options: dict[str, Any] | None = None,
            cookies: httpx._types.CookieTypes | None = None,
            headers: dict[str, str] | None = None,
            follow_redirects: bool = True,
            client: tuple[str, int] = ("testclient", 50000),
        ) -> None: ...

else:
    with warnings.catch_warnings():
        # Starlette 1.10 nudges towards httpx2 on import; the project pins httpx.
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient


BASE = paths.API_PATH
SESSIONS = BASE + paths.SESSIONS_PATH
AGGREGATE = BASE + paths.AGGREGATE_PATH
ASYNC_AGGREGATE = BASE + paths.ASYNC_AGGREGATE_PATH
CALLBACKS = BASE + paths.CALLBACKS_PATH
TOKEN = paths.TOKEN_PATH
LOGIN = paths.LOGIN_PATH

ACTIVE = facts.ACTIVE
NOT_CERTIFIED = facts.NOT_CERTIFIED
INACTIVE = facts.INACTIVE
NOT_PURCHASED = facts.NOT_PURCHASED
MULTI_ACCOUNT = facts.MULTI_ACCOUNT
UNOWNED = facts.UNOWNED
ACCOUNT_2_DEVICE = facts.ACCOUNT_2_DEVICES[0]

ERROR_KEYS = {"errorCode", "errorMessage"}


def login(client: TestClient, index: int = 1) -> dict[str, str]:
    """Both credentials of development account `index`, as request headers."""
    development = facts.development_login(index)
    token = client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        auth=(development.client_id, development.client_secret),
    )
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]
    session = client.post(
        LOGIN,
        json={"username": development.username, "password": development.password},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert session.status_code == 200, session.text
    return {"Authorization": f"Bearer {access}", "VZ-M2M-Token": session.json()["sessionToken"]}


def report_headers(body: dict[str, Any], aggregate: bool) -> dict[str, str]:
    """The D2 headers that mirror a report body (the `imei` header counts IMEIs for aggregates)."""
    headers: dict[str, str] = {}
    for name, value in body.items():
        if name == "imei" and aggregate:
            headers[name] = str(len(value))
        else:
            headers[name] = str(value)
    return headers


def raw_headers(headers: Mapping[str, str | bytes]) -> dict[bytes, bytes]:
    """`headers` that mix text and raw byte values, as the bytes httpx sends for them (text as ASCII).

    httpx sends such a mix as it is, but its types only take all-text or all-bytes headers."""
    return {
        name.encode("ascii"): value if isinstance(value, bytes) else value.encode("ascii")
        for name, value in headers.items()
    }


@dataclass
class Api:
    """A logged-in caller of one account that mirrors every body field into its header."""

    client: TestClient
    credentials: dict[str, str]
    account: str

    def sessions(self, headers: dict[str, str] | None = None, **fields: Any) -> httpx.Response:
        body = {"accountNumber": self.account, **fields}
        return self.client.post(
            SESSIONS, json=body, headers={**self.credentials, **report_headers(body, False), **(headers or {})}
        )

    def aggregate(self, path: str = AGGREGATE, headers: dict[str, str] | None = None, **fields: Any) -> httpx.Response:
        body = {"accountNumber": self.account, **fields}
        extra = {"X-Portal-Initiated": "true"} if path == ASYNC_AGGREGATE else {}
        return self.client.post(
            path, json=body, headers={**self.credentials, **extra, **report_headers(body, True), **(headers or {})}
        )

    def async_aggregate(self, headers: dict[str, str] | None = None, **fields: Any) -> httpx.Response:
        return self.aggregate(ASYNC_AGGREGATE, headers, **fields)

    def register(self, name: str, url: str) -> httpx.Response:
        return self.client.post(
            CALLBACKS, params={"accountNumber": self.account}, json={"name": name, "url": url}, headers=self.credentials
        )


@dataclass
class Listener:
    """An in-process callback listener; `failures` answers 500 to that many first messages, and a
    path under /dead always answers 500."""

    failures: int = 0
    messages: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    calls: int = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        payload = json.loads(await request.body())
        self.calls += 1
        if self.calls <= self.failures or request.url.path.startswith("/dead"):
            await Response(status_code=500)(scope, receive, send)
            return
        self.messages.append((dict(request.headers), payload))
        await Response(status_code=200)(scope, receive, send)

    def imeis(self) -> list[str]:
        found = []
        for _headers, payload in self.messages:
            item = (payload.get("usage") or payload["errors"])[0]
            found.append(item["imei"])
        return found


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Polls `check` until it holds; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


def assert_error(response: httpx.Response, status: int, code: str | None = None, says: str | None = None) -> None:
    """The response is `status` with the spec's JSON error body (and the given code and words)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    if code is not None:
        assert body["errorCode"] == code
    if says is not None:
        assert says.lower() in body["errorMessage"].lower(), body["errorMessage"]
