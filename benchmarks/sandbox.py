"""Talking to a running sandbox: credentials, its device list, and the requests every benchmark sends."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import httpx

from hpl import paths
from hpl_sandbox import facts

API = paths.API_PATH
ACCOUNT = facts.ACCOUNT_1
_DEVELOPMENT = facts.development_login(1)
CLIENT_ID, CLIENT_SECRET = _DEVELOPMENT.client_id, _DEVELOPMENT.client_secret
USERNAME, PASSWORD = _DEVELOPMENT.username, _DEVELOPMENT.password
DAYS = 180


@dataclass(frozen=True)
class Tokens:
    access: str
    session: str


def login(origin: str) -> Tokens:
    """Both credentials, from the sandbox's OAuth2 token endpoint and M2M login."""
    with httpx.Client(base_url=origin, timeout=30) as http:
        token = http.post(paths.TOKEN_PATH, data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET))
        token.raise_for_status()
        access = token.json()["access_token"]
        login = http.post(
            paths.LOGIN_PATH,
            json={"username": USERNAME, "password": PASSWORD},
            headers={"Authorization": f"Bearer {access}"},
        )
        login.raise_for_status()
        return Tokens(access, login.json()["sessionToken"])


def active_imeis(origin: str, account: str = ACCOUNT) -> list[str]:
    """The account's active devices, in the sandbox's order."""
    with httpx.Client(base_url=origin, timeout=60) as http:
        response = http.get(facts.CONTROL_PREFIX + "/devices", params={"accountNumber": account})
        response.raise_for_status()
        return [d["imei"] for d in response.json() if d["state"] == "active"]


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def report_range(now: dt.datetime | None = None) -> tuple[str, str]:
    """The longest range the service allows: the 180 days up to now."""
    end = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return rfc3339(end - dt.timedelta(days=DAYS)), rfc3339(end)


def aggregate_request(imeis: list[str], tokens: Tokens) -> tuple[dict[str, Any], dict[str, str]]:
    """The synchronous aggregate's body and headers, with both credentials."""
    start, end = report_range()
    body = {"accountNumber": ACCOUNT, "imei": imeis, "startDate": start, "endDate": end}
    headers = {
        "Authorization": f"Bearer {tokens.access}",
        "VZ-M2M-Token": tokens.session,
        "Content-Type": "application/json",
        "accountNumber": ACCOUNT,
        "imei": str(len(imeis)),
        "startDate": start,
        "endDate": end,
    }
    return body, headers


def sessions_request(imei: str, tokens: Tokens) -> tuple[dict[str, Any], dict[str, str]]:
    """The sessions report's body and headers for one device over 180 days."""
    start, end = report_range()
    body = {"accountNumber": ACCOUNT, "imei": imei, "startDate": start, "endDate": end}
    headers = {
        "Authorization": f"Bearer {tokens.access}",
        "VZ-M2M-Token": tokens.session,
        "Content-Type": "application/json",
        "accountNumber": ACCOUNT,
        "imei": imei,
        "startDate": start,
        "endDate": end,
    }
    return body, headers


def force_latency(origin: str, latency_ms: int, operation_id: str = "calculateAggregatedReportSynchronous") -> None:
    """Makes the sandbox wait `latency_ms` before every answer of the operation, as a remote service's
    network and processing time would (a forced 200 only delays; the answer is the real one)."""
    forced = {"operationId": operation_id, "status": 200, "latency_ms": latency_ms, "times": 1_000_000}
    httpx.post(origin + facts.CONTROL_PREFIX + "/force", json=forced, timeout=30).raise_for_status()


def check(origin: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """Send one request and insist on 200, so a benchmark never times error answers."""
    response = httpx.post(origin + API + path, content=json.dumps(body), headers=headers, timeout=60)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer
