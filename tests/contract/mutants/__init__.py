"""Deliberately broken variants of the sandbox, each breaking one promise of the spec.

`make mutants` runs the whole suite against each and prints which tests caught it; the quick check in
`test_mutants.py` runs only the tests named in `caught_by`. A mutant is the real app wrapped in a
`Rewrite` that bends one exchange, so it stays small and follows the real sandbox as it changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hpl.paths import LOGIN_PATH as M2M_PATH
from hpl.paths import TOKEN_PATH as OAUTH_PATH
from tests.contract.mutants.rewrite import ASGIApp, Exchange, Rewrite

T_AUTH = "src/hpl_contract/test_auth.py::"
T_RULES = "src/hpl_contract/test_rules.py::"
T_REPORTS = "src/hpl_contract/test_reports.py::"
T_CALLBACKS = "src/hpl_contract/test_callbacks.py::"


@dataclass(frozen=True)
class Mutant:
    name: str
    broken: str
    """The promise of the spec this variant breaks."""
    wrap: Callable[[ASGIApp], ASGIApp]
    caught_by: tuple[str, ...]
    """Tests that must fail against it: the quick check runs only these."""

    def build(self, real_app: Callable[[], Any]) -> Any:
        return self.wrap(real_app())


def _on_success(operation: str, edit: Callable[[dict[str, Any]], None]) -> Callable[[ASGIApp], ASGIApp]:
    """A mutant that edits the JSON body of every 200 answer of one operation."""

    def response(exchange: Exchange) -> None:
        if exchange.operation == operation and exchange.status == 200 and isinstance(exchange.response_body, dict):
            edit(exchange.response_body)

    return lambda app: Rewrite(app, response=response)


def _txid_as_number(body: dict[str, Any]) -> None:
    body["txid"] = 12345


def _drop_id(body: dict[str, Any]) -> None:
    body.pop("id", None)


def _one_more_byte(body: dict[str, Any]) -> None:
    for usage in body.get("usage", []):
        if usage.get("numberOfSessions"):
            usage["bytesTransferred"] += 1


FIXED_TXID = "00000000-0000-4000-8000-000000000000"


def _reuse_txid(app: ASGIApp) -> ASGIApp:
    def response(exchange: Exchange) -> None:
        if exchange.status == 200 and isinstance(exchange.response_body, dict) and "txid" in exchange.response_body:
            exchange.response_body["txid"] = FIXED_TXID

    return Rewrite(app, response=response)


def _422_for_bad_requests(app: ASGIApp) -> ASGIApp:
    def response(exchange: Exchange) -> None:
        if exchange.status == 400:
            exchange.status = 422

    return Rewrite(app, response=response)


def _plain_text_500_for_all_devices(app: ASGIApp) -> ASGIApp:
    def request(exchange: Exchange) -> None:
        if isinstance(exchange.body, dict) and exchange.body.get("imei") == []:
            exchange.headers["x-mutant-crash"] = "1"

    def response(exchange: Exchange) -> None:
        if exchange.headers.get("x-mutant-crash"):
            exchange.text_response(500, "Internal Server Error")

    return Rewrite(app, request=request, response=response)


def _error_body_renamed(app: ASGIApp) -> ASGIApp:
    def response(exchange: Exchange) -> None:
        body = exchange.response_body
        if exchange.status >= 400 and isinstance(body, dict) and "errorCode" in body:
            exchange.response_body = {"error": body["errorCode"], "message": body.get("errorMessage")}

    return Rewrite(app, response=response)


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _clamp_long_ranges(app: ASGIApp) -> ASGIApp:
    """Quietly shortens ranges over 180 days instead of refusing them."""

    def request(exchange: Exchange) -> None:
        body = exchange.body
        if not (
            isinstance(body, dict) and isinstance(body.get("startDate"), str) and isinstance(body.get("endDate"), str)
        ):
            return
        try:
            start, end = _parse(body["startDate"]), _parse(body["endDate"])
        except ValueError:
            return
        if end - start > timedelta(days=180):
            body["startDate"] = (end - timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
            if "startdate" in exchange.headers:
                exchange.headers["startdate"] = body["startDate"]

    return Rewrite(app, request=request)


def _mirror_headers(app: ASGIApp) -> ASGIApp:
    """Overwrites the report headers with the body's values, so a disagreement never reaches the check."""

    def request(exchange: Exchange) -> None:
        body = exchange.body
        if not (exchange.operation.startswith("/report/") and isinstance(body, dict)):
            return
        for name, value in body.items():
            if name.lower() in exchange.headers and name != "imei":
                exchange.headers[name.lower()] = str(value)
        if "imei" in exchange.headers and "imei" in body:
            imei = body["imei"]
            exchange.headers["imei"] = str(len(imei)) if isinstance(imei, list) else str(imei)

    return Rewrite(app, request=request)


def _ignore_duration_filter(app: ASGIApp) -> ASGIApp:
    def request(exchange: Exchange) -> None:
        if exchange.operation == "/report/sessions" and isinstance(exchange.body, dict):
            for name in ("durationLow", "durationHigh"):
                exchange.body.pop(name, None)
                exchange.headers.pop(name.lower(), None)

    return Rewrite(app, request=request)


def _credential_hole(header: str) -> Callable[[ASGIApp], ASGIApp]:
    """Checks only the other credential: whatever `header` says, the last token issued for it is used."""

    def wrap(app: ASGIApp) -> ASGIApp:
        issued: dict[str, str] = {}

        def request(exchange: Exchange) -> None:
            if exchange.operation.startswith(("/report/", "/callbacks")) and "value" in issued:
                exchange.headers[header] = issued["value"]

        def response(exchange: Exchange) -> None:
            body = exchange.response_body
            if exchange.status != 200 or not isinstance(body, dict):
                return
            if header == "authorization" and exchange.path == OAUTH_PATH and "access_token" in body:
                issued["value"] = f"Bearer {body['access_token']}"
            if header == "vz-m2m-token" and exchange.path == M2M_PATH and "sessionToken" in body:
                issued["value"] = str(body["sessionToken"])

        return Rewrite(app, request=request, response=response)

    return wrap


def _cross_account_leak(app: ASGIApp) -> ASGIApp:
    """Serves any account's data to any valid caller, using that account's last good credentials."""
    by_account: dict[str, tuple[str, str]] = {}

    def account_of(exchange: Exchange) -> str | None:
        if isinstance(exchange.body, dict) and isinstance(exchange.body.get("accountNumber"), str):
            return str(exchange.body["accountNumber"])
        return None

    def request(exchange: Exchange) -> None:
        account = account_of(exchange)
        if account in by_account and "authorization" in exchange.headers:
            exchange.headers["authorization"], exchange.headers["vz-m2m-token"] = by_account[account]

    def response(exchange: Exchange) -> None:
        account = account_of(exchange)
        if account and exchange.status == 200 and "authorization" in exchange.headers:
            by_account[account] = (exchange.headers["authorization"], exchange.headers.get("vz-m2m-token", ""))

    return Rewrite(app, request=request, response=response)


REPORT_FIELDS = {
    "accountNumber",
    "imei",
    "startDate",
    "endDate",
    "durationLow",
    "durationHigh",
    "deviceGroup",
    "dataPlan",
    "noSessionFlag",
}


def _drop_unknown_fields(app: ASGIApp) -> ASGIApp:
    """Quietly drops undocumented body fields instead of refusing them (additionalProperties: false)."""

    def request(exchange: Exchange) -> None:
        if exchange.operation.startswith("/report/") and isinstance(exchange.body, dict):
            for name in set(exchange.body) - REPORT_FIELDS:
                del exchange.body[name]

    return Rewrite(app, request=request)


def _listener_url_lost(app: ASGIApp) -> ASGIApp:
    """Registers every listener at a dead address, so no callback ever arrives."""

    def request(exchange: Exchange) -> None:
        if exchange.operation == "/callbacks" and exchange.method == "POST" and isinstance(exchange.body, dict):
            exchange.body["url"] = "http://127.0.0.1:9/lost"

    return Rewrite(app, request=request)


def _answer_another_txid(app: ASGIApp) -> ASGIApp:
    """Answers QUEUED with a txid other than the one the callbacks will carry."""

    def response(exchange: Exchange) -> None:
        body = exchange.response_body
        if exchange.operation == "/report/async/aggregate" and exchange.status == 200 and isinstance(body, dict):
            body["txid"] = str(uuid.uuid4())

    return Rewrite(app, response=response)


def _gateway_envelope(app: ASGIApp) -> ASGIApp:
    """Answers every HPL error in the API gateway's envelope, as the current SDKs model it (D8), instead
    of the `{errorCode, errorMessage}` that D5 settles on."""

    def response(exchange: Exchange) -> None:
        body = exchange.response_body
        if exchange.status >= 400 and isinstance(body, dict) and "errorCode" in body:
            exchange.response_body = {
                "responseCode": body["errorCode"],
                "message": body.get("errorMessage", ""),
                "fault": {"code": 900906, "message": body.get("errorMessage", ""), "description": "gateway"},
            }

    return Rewrite(app, response=response)


SYNC_DEVICE_LIMIT = 10


def _sync_device_limit_skipped(app: ASGIApp) -> ASGIApp:
    """Answers a synchronous aggregate over more than 10 devices for the first 10 instead of refusing it."""

    def request(exchange: Exchange) -> None:
        body = exchange.body
        if not (exchange.operation == "/report/aggregate" and isinstance(body, dict)):
            return
        if isinstance(body.get("imei"), list) and len(body["imei"]) > SYNC_DEVICE_LIMIT:
            body["imei"] = body["imei"][:SYNC_DEVICE_LIMIT]
            if "imei" in exchange.headers:
                exchange.headers["imei"] = str(SYNC_DEVICE_LIMIT)

    return Rewrite(app, request=request)


CATALOGUE = (
    Mutant(
        "txid_wrong_type",
        "D5: the sessions report's txid is a number, not a UUID string",
        _on_success("/report/sessions", _txid_as_number),
        (T_REPORTS + "test_sessions_report_answers_the_request_that_was_made",),
    ),
    Mutant(
        "sessions_id_missing",
        "D5: the sessions report lacks its required `id`",
        _on_success("/report/sessions", _drop_id),
        (T_REPORTS + "test_sessions_report_answers_the_request_that_was_made",),
    ),
    Mutant(
        "undocumented_status",
        "D5: bad parameters get 422, a status the spec does not document",
        _422_for_bad_requests,
        (T_RULES + "test_start_date_after_end_date_is_refused",),
    ),
    Mutant(
        "plain_text_500",
        "D5: an empty device list crashes with a plain-text 500",
        _plain_text_500_for_all_devices,
        (T_RULES + "test_sync_aggregate_refuses_an_empty_list_that_selects_more_than_ten_devices",),
    ),
    Mutant(
        "error_body_wrong_shape",
        "D5: error bodies say {error, message} instead of {errorCode, errorMessage}",
        _error_body_renamed,
        (T_REPORTS + "test_every_error_answer_carries_the_error_model",),
    ),
    Mutant(
        "unknown_fields_accepted",
        "D3: report bodies with undocumented fields are accepted",
        _drop_unknown_fields,
        (T_REPORTS + "test_every_error_answer_carries_the_error_model[an undocumented field]",),
    ),
    Mutant(
        "range_limit_skipped",
        "D4: ranges over 180 days are silently shortened instead of refused",
        _clamp_long_ranges,
        (T_RULES + "test_a_range_longer_than_180_days_is_refused",),
    ),
    Mutant(
        "sync_device_limit_skipped",
        "seed 000: the synchronous aggregate answers more than 10 devices (the first 10) instead of refusing",
        _sync_device_limit_skipped,
        (T_RULES + "test_sync_aggregate_refuses_more_than_ten_devices",),
    ),
    Mutant(
        "error_gateway_envelope",
        "D5: errors come in the gateway envelope {responseCode, message, fault} (D8 allows it elsewhere)",
        _gateway_envelope,
        (T_REPORTS + "test_every_error_answer_carries_the_error_model",),
    ),
    Mutant(
        "header_body_disagreement_accepted",
        "D2: headers that disagree with the body are accepted",
        _mirror_headers,
        (T_RULES + "test_a_header_disagreeing_with_the_body_is_refused",),
    ),
    Mutant(
        "duration_filter_ignored",
        "D5: the sessions report ignores durationLow/durationHigh",
        _ignore_duration_filter,
        (T_REPORTS + "test_sessions_report_answers_the_request_that_was_made",),
    ),
    Mutant(
        "bearer_ignored",
        "D6: only the M2M token is checked; any bearer token passes",
        _credential_hole("authorization"),
        (T_AUTH + "test_m2m_token_alone_is_refused",),
    ),
    Mutant(
        "m2m_token_ignored",
        "D6: only the bearer token is checked; any M2M token passes",
        _credential_hole("vz-m2m-token"),
        (T_AUTH + "test_bearer_token_alone_is_refused",),
    ),
    Mutant(
        "cross_account_leak",
        "D6: a caller gets another account's data",
        _cross_account_leak,
        (T_AUTH + "test_another_accounts_device_is_not_reported_to_this_account",),
    ),
    Mutant(
        "aggregate_disagrees",
        "D5: the aggregate counts one byte more than its sessions",
        _on_success("/report/aggregate", _one_more_byte),
        (T_REPORTS + "test_aggregate_agrees_with_the_sessions_it_summarises",),
    ),
    Mutant(
        "txid_reused",
        "D5: every answer carries the same txid",
        _reuse_txid,
        (T_REPORTS + "test_every_request_gets_a_fresh_txid",),
    ),
    Mutant(
        "callbacks_not_delivered",
        "D7: callback messages never reach the registered listener",
        _listener_url_lost,
        (T_CALLBACKS + "test_async_report_delivers_one_message_per_device_with_the_request_txid",),
    ),
    Mutant(
        "callback_txid_mismatch",
        "D7: the QUEUED answer names a txid the callbacks do not carry",
        _answer_another_txid,
        (T_CALLBACKS + "test_async_report_delivers_one_message_per_device_with_the_request_txid",),
    ),
)

MUTANTS = {mutant.name: mutant for mutant in CATALOGUE}
