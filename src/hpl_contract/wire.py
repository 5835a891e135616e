"""Requests as decision D2 wants them on the wire: every report parameter in the body and mirrored
into the header of the same name; the checks every response of the spec must pass, each attributed to
its rule (`rules.py`); and the last exchange on the wire, so that a divergence can show it as curl."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from hpl_contract.rules import checking
from hpl_contract.spec_loader import component_validator

SESSIONS = "/report/sessions"
SYNC_AGGREGATE = "/report/aggregate"
ASYNC_AGGREGATE = "/report/async/aggregate"
REPORTS = (SESSIONS, SYNC_AGGREGATE, ASYNC_AGGREGATE)
AGGREGATES = (SYNC_AGGREGATE, ASYNC_AGGREGATE)
OPERATION_IDS = {
    SESSIONS: "getSessionsReport",
    SYNC_AGGREGATE: "calculateAggregatedReportSynchronous",
    ASYNC_AGGREGATE: "calculateAggregatedReportAsynchronous",
}
SUCCESS_SCHEMAS = {
    SESSIONS: "SessionReport",
    SYNC_AGGREGATE: "AggregateSessionReport",
    ASYNC_AGGREGATE: "AggregatedReportCallbackResult",
}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# D4 and D6 fix these two; the other statuses carry whichever code fits the cause.
ERROR_CODE_BY_STATUS = {400: "INVALID_PARAMETER", 401: "INVALID_ACCESS"}


def mirrored_headers(path: str, body: dict[str, Any]) -> dict[str, str]:
    """The report headers that carry the body's fields (the aggregates' `imei` header counts devices)."""
    headers = {name: str(value) for name, value in body.items() if name != "imei"}
    imei = body.get("imei")
    if imei is not None:
        headers["imei"] = str(imei) if path == SESSIONS else str(len(imei))
    if path == ASYNC_AGGREGATE:
        headers["X-Portal-Initiated"] = "true"
    return headers


def post_report(
    api: httpx.Client,
    path: str,
    body: dict[str, Any],
    credentials: dict[str, str],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a report request with mirrored headers; `headers` overrides or adds to them."""
    sent = {**mirrored_headers(path, body), **credentials, **(headers or {})}
    return api.post(path, json=body, headers=sent)


def schema_errors(component: str, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in component_validator(component).iter_errors(document)
    ]


def assert_success(path: str, response: httpx.Response) -> dict[str, Any]:
    """A 200 (the caller's rule) with a body valid against the operation's success schema; returns the body."""
    assert response.status_code == 200, f"{path}: expected 200, got {response.status_code}: {response.text[:500]}"
    with checking("doc.response-models"):
        body: dict[str, Any] = response.json()
        errors = schema_errors(SUCCESS_SCHEMAS[path], body)
        assert not errors, f"{path}: 200 body violates {SUCCESS_SCHEMAS[path]}: {errors}"
    return body


def assert_refused(response: httpx.Response) -> None:
    """Any client-error status: what the documentation promises where it states a limit but no status."""
    assert 400 <= response.status_code < 500, (
        f"expected the request to be refused (4xx), got {response.status_code}: {response.text[:500]}"
    )


def assert_error(response: httpx.Response, status: int, message: str | None = None) -> dict[str, Any]:
    """The caller's error status with the spec's JSON error body; `message` must appear in it."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text[:500]}\n"
        f"request: {response.request.method} {response.request.url}"
    )
    body = assert_error_body(response)
    if message is not None:
        assert message.lower() in body["errorMessage"].lower(), (
            f"errorMessage {body['errorMessage']!r} does not say {message!r}"
        )
    return body


def _gateway_envelope(body: Any) -> bool:
    """`{responseCode, message, fault: {code, message, description}}`, the current SDKs' error model (D8)."""
    if not (isinstance(body, dict) and isinstance(body.get("message"), str) and "responseCode" in body):
        return False
    fault = body.get("fault")
    return fault is None or isinstance(fault, dict)


def assert_error_body(response: httpx.Response) -> dict[str, Any]:
    """Any error answer: JSON in a published envelope (documented), and in the spec's own
    `{errorCode, errorMessage}` with the errorCode fitting its status (decision D5)."""
    with checking("doc.error-model"):
        content_type = response.headers.get("content-type", "")
        assert content_type.startswith("application/json"), (
            f"{response.status_code} answered with {content_type!r}, not JSON: {response.text[:300]}"
        )
        try:
            body: Any = response.json()
        except ValueError:
            raise AssertionError(f"{response.status_code} body is not JSON: {response.text[:300]}") from None
        published = isinstance(body, dict) and (
            (isinstance(body.get("errorCode"), str) and isinstance(body.get("errorMessage"), str))
            or _gateway_envelope(body)
        )
        assert published, f"{response.status_code} body is in no published error envelope: {body}"
    with checking("D5.error-envelope"):
        assert "errorCode" in body, f"{response.status_code} body is not {{errorCode, errorMessage}}: {body}"
        errors = schema_errors("HyperPreciseLocationResult", body)
        assert not errors, f"{response.status_code} body violates the error model: {errors}; body: {body}"
        expected = ERROR_CODE_BY_STATUS.get(response.status_code)
        if expected is not None:
            assert body["errorCode"] == expected, f"{response.status_code} carries errorCode {body['errorCode']}"
    found: dict[str, Any] = body
    return found


# --- The last exchange on the wire, for divergences and failures shown as curl -------------------------

# Long bodies (10,001 IMEIs) stay reproducible in spirit without filling the report.
BODY_LIMIT = 4000
ANSWER_LIMIT = 1500


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str
    status: int | None
    answer: str
    curl: str | None = None
    """Set when the caller rendered the request itself (schemathesis), already redacted."""


_LAST: list[Exchange] = []


def remember(response: httpx.Response) -> None:
    """Keep `response` and its request as the last exchange (an httpx response event hook)."""
    response.read()
    request = response.request
    _LAST[:] = [
        Exchange(
            method=request.method,
            url=str(request.url),
            # The raw list keeps the names as sent; a reader compares them with the spec's.
            headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw),
            body=request.content.decode("utf-8", "replace"),
            status=response.status_code,
            answer=response.text[:ANSWER_LIMIT],
        )
    ]


def remember_curl(curl: str, status: int | None, answer: str) -> None:
    _LAST[:] = [Exchange("", "", (), "", status, answer[:ANSWER_LIMIT], curl)]


def last_exchange() -> Exchange | None:
    return _LAST[0] if _LAST else None


def forget() -> None:
    _LAST.clear()


CREDENTIAL_HEADERS = {"authorization", "vz-m2m-token", "cookie", "proxy-authorization"}
# Headers httpx adds by itself; curl adds its own.
TRANSPORT_HEADERS = {"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"}
SECRET_FIELDS = {"password", "client_secret", "access_token", "sessionToken", "token"}


@dataclass(frozen=True)
class Redactor:
    """Turns credentials into shell variables (the run's own ones) or a placeholder (any other value)."""

    secrets: Mapping[str, str]
    """Secret value → what to print instead, e.g. an access token → `$HPL_ACCESS_TOKEN`."""

    def header(self, name: str, value: str) -> str:
        if name.lower() not in CREDENTIAL_HEADERS:
            return self.text(value)
        scheme, _, credential = value.partition(" ")
        if name.lower() == "authorization" and credential:
            return f"{scheme} {self.secrets.get(credential, '<another credential, withheld>')}"
        return self.secrets.get(value, "<another credential, withheld>")

    def text(self, text: str) -> str:
        # Longest first, so that a secret containing another is replaced whole.
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, self.secrets[secret])
        return text

    def body(self, body: str) -> str:
        try:
            document = json.loads(body)
        except ValueError:
            return self.text(body)
        if isinstance(document, dict):
            for name in SECRET_FIELDS & set(document):
                document[name] = "<withheld>"
            return self.text(json.dumps(document, separators=(",", ":")))
        return self.text(body)


def _quote(text: str) -> str:
    """Shell-quote, leaving `$VARIABLES` the redactor put in to expand."""
    return f'"{text}"' if "$HPL_" in text and not re.search(r'["`\\]', text) else shlex.quote(text)


def as_curl(exchange: Exchange, redactor: Redactor) -> str:
    """The exchange's request as a curl command without any secret in it."""
    if exchange.curl is not None:
        return redactor.text(exchange.curl)
    parts = ["curl", "-X", exchange.method, _quote(redactor.text(exchange.url))]
    for name, value in exchange.headers:
        if name.lower() in TRANSPORT_HEADERS:
            continue
        parts += ["-H", _quote(f"{name}: {redactor.header(name, value)}")]
    if exchange.body:
        body = redactor.body(exchange.body)
        if len(body) > BODY_LIMIT:
            body = body[:BODY_LIMIT] + f"…(+{len(body) - BODY_LIMIT} characters)"
        parts += ["-d", _quote(body)]
    return " ".join(parts)
