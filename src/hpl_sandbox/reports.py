"""The rules of the three Device Reports operations that the schema cannot state (D2, D4, D5).

Each check raises ApiError with the documented status; the order inside an operation is:
header/body agreement, then dates and limits, then the device itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hpl_sandbox.clock import parse_rfc3339_ms, to_rfc3339
from hpl_sandbox.errors import HTTP_STATUS_TEXT, INTERNAL_ERROR, INVALID_PARAMETER, ApiError, bad_request
from hpl_sandbox.facts import NOT_FOUND, REFUSALS, Refusal
from hpl_sandbox.store import DeviceRow, Store

MAX_RANGE_MS = 180 * 86_400_000
SYNC_DEVICE_LIMIT = 10
ASYNC_DEVICE_LIMIT = 10_000
NO_LIMIT_MS = 2**62

# Report headers whose body field of the same name is compared as a date, not as text.
DATE_FIELDS = frozenset({"startDate", "endDate"})


def error_code(refusal: Refusal) -> str:
    return INTERNAL_ERROR if refusal.status >= 500 else INVALID_PARAMETER


def fresh_txid() -> str:
    return str(uuid.uuid4())


def normalized_body(body: dict[str, Any]) -> dict[str, Any]:
    """A schema-valid report body in the one shape the rules below read (D8): `null` in an
    optional field means absent; an aggregate's `imei` given as one string is a list of that one
    device; `noSessionFlag` as a JSON boolean is the string the seeds send; `deviceLabel` is
    accepted and ignored."""
    normalized = {name: value for name, value in body.items() if value is not None and name != "deviceLabel"}
    flag = normalized.get("noSessionFlag")
    if isinstance(flag, bool):
        normalized["noSessionFlag"] = "true" if flag else "false"
    return normalized


def normalized_aggregate_body(body: dict[str, Any]) -> dict[str, Any]:
    normalized = normalized_body(body)
    if isinstance(normalized["imei"], str):
        normalized["imei"] = [normalized["imei"]]
    return normalized


@dataclass(frozen=True)
class DateRange:
    start_ms: int
    end_ms: int


def _date(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return parse_rfc3339_ms(value)
    except (ValueError, OverflowError) as error:
        raise bad_request(f"body.{name}: {error}") from error


def check_agreement(
    params: Mapping[str, Any], body: Mapping[str, Any], header_names: Sequence[str], imei_is_count: bool
) -> None:
    """Every report header that is present must equal the body field of the same name."""
    for name in header_names:
        if name not in params:
            continue
        header = params[name]
        if name == "imei" and imei_is_count:
            count = len(body["imei"])
            if int(header) != count:
                raise bad_request(f"header 'imei' must be the number of IMEIs in the body ({count}), got {header}")
            continue
        if name not in body:
            raise bad_request(f"header '{name}' is set but the body has no {name}")
        if name in DATE_FIELDS:
            try:
                agrees = parse_rfc3339_ms(header) == _date(body, name)
            except (ValueError, OverflowError):
                agrees = False
        else:
            agrees = header == body[name]
        if not agrees:
            raise bad_request(f"header '{name}' ({header}) does not match the body's {name} ({body[name]})")


def date_range(body: Mapping[str, Any], now_ms: int) -> DateRange:
    """The report range: `endDate` defaults to now and `startDate` to 180 days before `endDate`."""
    end_ms = _date(body, "endDate")
    end_ms = now_ms if end_ms is None else end_ms
    start_ms = _date(body, "startDate")
    start_ms = end_ms - MAX_RANGE_MS if start_ms is None else start_ms
    if start_ms > end_ms:
        raise bad_request("startDate must not be after endDate")
    if end_ms - start_ms > MAX_RANGE_MS:
        raise bad_request("the range from startDate to endDate must not exceed 180 days")
    return DateRange(start_ms, end_ms)


def sessions_report(
    store: Store,
    account: str,
    params: Mapping[str, Any],
    body: Mapping[str, Any],
    header_names: Sequence[str],
    now_ms: int,
) -> dict[str, Any]:
    check_agreement(params, body, header_names, imei_is_count=False)
    window = date_range(body, now_ms)
    low = body.get("durationLow", 0)
    high = body.get("durationHigh")
    if high is not None and low > high:
        raise bad_request("durationLow must not exceed durationHigh")
    imei = body["imei"]
    owner = store.device(imei)
    if owner is None or owner[0] != account:
        raise bad_request(NOT_FOUND.message)
    refusal = REFUSALS.get(owner[1])
    if refusal is not None:
        raise ApiError(refusal.status, refusal.message, error_code(refusal))
    # Durations beyond any session's length mean "no bound"; clamping keeps them inside SQLite's integers.
    low_ms = min(low * 1000, NO_LIMIT_MS)
    high_ms = NO_LIMIT_MS if high is None else min(high * 1000, NO_LIMIT_MS)
    rows = store.sessions(imei, window.start_ms, window.end_ms, low_ms, high_ms)
    return {
        "id": imei,
        "txid": fresh_txid(),
        "sessions": [
            {"startTime": to_rfc3339(start), "endTime": to_rfc3339(end), "numBytes": num_bytes}
            for start, end, num_bytes in rows
        ],
    }


def device_error(imei: str, refusal: Refusal) -> dict[str, Any]:
    return {
        "imei": imei,
        "errorMessage": refusal.message,
        "errorResponse": {
            "errorCode": error_code(refusal),
            "errorMessage": refusal.message,
            "httpStatusCode": HTTP_STATUS_TEXT[refusal.status],
            "detailErrorMessage": refusal.detail,
        },
    }


@dataclass(frozen=True)
class AggregateQuery:
    """An aggregate request after its rules passed; also what an async job stores."""

    account: str
    imeis: tuple[str, ...] | None
    start_ms: int
    end_ms: int
    device_group: str | None
    data_plan: str | None
    no_session: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "imeis": None if self.imeis is None else list(self.imeis),
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "device_group": self.device_group,
            "data_plan": self.data_plan,
            "no_session": self.no_session,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AggregateQuery:
        imeis = data["imeis"]
        return cls(
            account=data["account"],
            imeis=None if imeis is None else tuple(imeis),
            start_ms=data["start_ms"],
            end_ms=data["end_ms"],
            device_group=data["device_group"],
            data_plan=data["data_plan"],
            no_session=data["no_session"],
        )


def aggregate_query(
    account: str,
    params: Mapping[str, Any],
    body: Mapping[str, Any],
    header_names: Sequence[str],
    now_ms: int,
    limit: int,
) -> AggregateQuery:
    check_agreement(params, body, header_names, imei_is_count=True)
    window = date_range(body, now_ms)
    imeis: list[str] = body["imei"]
    if len(imeis) > limit:
        raise bad_request(f"at most {limit} devices per request, got {len(imeis)}")
    return AggregateQuery(
        account=account,
        imeis=tuple(imeis) if imeis else None,
        start_ms=window.start_ms,
        end_ms=window.end_ms,
        device_group=body.get("deviceGroup"),
        data_plan=body.get("dataPlan"),
        no_session=body.get("noSessionFlag") == "true",
    )


@dataclass(frozen=True)
class DeviceResult:
    """One device's line of an aggregate: exactly one of `usage` and `error` is set."""

    imei: str
    usage: dict[str, Any] | None
    error: dict[str, Any] | None


def classify(query: AggregateQuery, row: DeviceRow) -> DeviceResult | None:
    """A device's line, or None when the filters leave it out. An IMEI the account does not own
    is always reported as an error, whatever the filters."""
    if row.account != query.account:
        return DeviceResult(row.imei, None, device_error(row.imei, NOT_FOUND))
    if query.device_group is not None and row.device_group != query.device_group:
        return None
    if query.data_plan is not None and row.data_plan != query.data_plan:
        return None
    if query.no_session and row.sessions > 0:
        return None
    refusal = REFUSALS.get(row.state or "")
    if refusal is not None:
        return DeviceResult(row.imei, None, device_error(row.imei, refusal))
    usage = {"imei": row.imei, "numberOfSessions": row.sessions, "bytesTransferred": row.num_bytes}
    return DeviceResult(row.imei, usage, None)


def run_aggregate(store: Store, query: AggregateQuery, limit: int) -> list[DeviceResult]:
    """Every device line of the query; an empty IMEI list selecting more than `limit` is a 400."""
    rows = store.aggregate(
        query.account, query.imeis, query.start_ms, query.end_ms, query.device_group, query.data_plan
    )
    results = [result for row in rows if (result := classify(query, row)) is not None]
    if query.imeis is None and len(results) > limit:
        raise bad_request(f"an empty imei list selects {len(results)} devices here; at most {limit} per request")
    return results


def aggregate_report(results: Sequence[DeviceResult]) -> dict[str, Any]:
    return {
        "txid": fresh_txid(),
        "usage": [r.usage for r in results if r.usage is not None],
        "errors": [r.error for r in results if r.error is not None],
    }


def callback_message(txid: str, result: DeviceResult) -> dict[str, Any]:
    if result.usage is not None:
        return {"txid": txid, "usage": [result.usage]}
    return {"txid": txid, "errors": [result.error]}
