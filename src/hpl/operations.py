"""Each API operation as one ready request and one parser, shared by the sync and async clients.

Decision D2 sends every report parameter twice, as a header and in the body; building both here
from one value each is what lets a caller pass each value once and keeps them equal byte for byte.
The generated modules' public `build_request` and `parse_response` do the spec-shaped work; this
module only feeds them and turns each way their parsing can fail into a typed exception.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import attrs
import httpx

from hpl.errors import InvalidResponseError, RequestLimitError, api_error_from_response
from hpl.limits import (
    ASYNC_MAX_DEVICES,
    SYNC_MAX_DEVICES,
    check_account,
    check_device_count,
    check_durations,
    check_filter_name,
    check_imei,
    check_imeis,
    check_range,
    utc,
)
from hpl_client import Client as RawClient
from hpl_client.api.callback_listeners import (
    deregister_callback,
    list_registered_callbacks,
    register_callback,
)
from hpl_client.api.device_reports import (
    calculate_aggregated_report_asynchronous,
    calculate_aggregated_report_synchronous,
    get_sessions_report,
)
from hpl_client.errors import UnexpectedBody, UnexpectedStatus
from hpl_client.models import (
    AggregatedReportCallbackResult,
    AggregateSessionReport,
    AggregateSessionReportRequest,
    CallbackCreated,
    CallbackRegistered,
    HyperPreciseLocationCallback,
    NoSessionFlag,
    SessionReport,
    SessionReportRequest,
)
from hpl_client.types import UNSET, Response, Unset

T = TypeVar("T")


@dataclass(frozen=True)
class Operation(Generic[T]):
    """One request to send and the parser of its answer.

    `idempotent` says whether sending it twice is harmless; only such operations are retried
    after the request may have reached the service.
    """

    operation_id: str
    request: dict[str, Any]
    parse: Callable[[httpx.Response], T]
    idempotent: bool = True


_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def check_idempotency_key(key: str) -> str:
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise RequestLimitError("an idempotency key is 1-255 visible ASCII characters (a UUID is usual)")
    return key


def _opt(value: T | None) -> T | Unset:
    return UNSET if value is None else value


def _date(value: dt.datetime | None) -> dt.datetime | Unset:
    return UNSET if value is None else utc(value)


def _date_header(value: dt.datetime | None) -> str | Unset:
    # The same text the body's serializer writes, so header and body agree exactly.
    return UNSET if value is None else utc(value).isoformat()


def _parser(
    raw: RawClient, parse_response: Callable[..., Response[Any]], expected: type[T]
) -> Callable[[httpx.Response], T]:
    # The generated parser answers parsed=None on a body it cannot read unless asked to raise; raising
    # keeps the parsing error, which names what in the body breaks the spec.
    strict = raw if raw.raise_on_unexpected_status else attrs.evolve(raw, raise_on_unexpected_status=True)

    def parse(response: httpx.Response) -> T:
        if not 200 <= response.status_code < 300:
            raise api_error_from_response(response)
        try:
            parsed = parse_response(client=strict, response=response).parsed
        except UnexpectedBody as exc:
            cause = exc.__cause__
            detail = "JSON nested too deep" if isinstance(cause, RecursionError) else f"{type(cause).__name__}: {cause}"
            raise InvalidResponseError(
                f"HTTP {response.status_code} body does not match the spec ({detail})", response=response
            ) from (cause if cause is not None else exc)
        except UnexpectedStatus:
            parsed = None
        if not isinstance(parsed, expected):
            raise InvalidResponseError(
                f"HTTP {response.status_code} body is not a {expected.__name__}", response=response
            )
        return parsed

    return parse


def sessions(
    raw: RawClient,
    *,
    account_number: str,
    imei: str,
    start_date: dt.datetime | None,
    end_date: dt.datetime | None,
    duration_low: int | None,
    duration_high: int | None,
    now: dt.datetime,
) -> Operation[SessionReport]:
    check_account(account_number)
    check_imei(imei)
    check_range(start_date, end_date, now=now)
    check_durations(duration_low, duration_high)
    body = SessionReportRequest(
        account_number=account_number,
        imei=imei,
        start_date=_date(start_date),
        end_date=_date(end_date),
        duration_low=_opt(duration_low),
        duration_high=_opt(duration_high),
    )
    request = get_sessions_report.build_request(
        body=body,
        account_number=account_number,
        imei=imei,
        start_date=_date_header(start_date),
        end_date=_date_header(end_date),
        duration_low=_opt(duration_low),
        duration_high=_opt(duration_high),
    )
    return Operation("getSessionsReport", request, _parser(raw, get_sessions_report.parse_response, SessionReport))


@dataclass(frozen=True)
class AggregateQuery:
    """The parameters both aggregates share, checked once."""

    account_number: str
    imeis: list[str]
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = None
    device_group: str | None = None
    data_plan: str | None = None
    no_sessions: bool | None = None

    @classmethod
    def checked(
        cls,
        *,
        account_number: str,
        imeis: Sequence[str],
        start_date: dt.datetime | None,
        end_date: dt.datetime | None,
        device_group: str | None,
        data_plan: str | None,
        no_sessions: bool | None,
        now: dt.datetime,
    ) -> AggregateQuery:
        if isinstance(imeis, str):
            raise TypeError("imeis is a list of IMEIs, not one string")
        check_account(account_number)
        check_range(start_date, end_date, now=now)
        check_filter_name("device group", device_group)
        check_filter_name("data plan", data_plan)
        return cls(
            account_number=account_number,
            imeis=check_imeis(imeis),
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_sessions=no_sessions,
        )

    def with_imeis(self, imeis: list[str]) -> AggregateQuery:
        return AggregateQuery(
            self.account_number,
            imeis,
            self.start_date,
            self.end_date,
            self.device_group,
            self.data_plan,
            self.no_sessions,
        )

    def _flag(self) -> NoSessionFlag | Unset:
        if self.no_sessions is None:
            return UNSET
        return NoSessionFlag.TRUE if self.no_sessions else NoSessionFlag.FALSE

    def body(self) -> AggregateSessionReportRequest:
        return AggregateSessionReportRequest(
            account_number=self.account_number,
            imei=list(self.imeis),
            start_date=_date(self.start_date),
            end_date=_date(self.end_date),
            device_group=_opt(self.device_group),
            data_plan=_opt(self.data_plan),
            no_session_flag=self._flag(),
        )

    def headers(self) -> dict[str, Any]:
        return {
            "account_number": self.account_number,
            # D2: the aggregates' imei header is the number of IMEIs in the body, 0 for all.
            "imei": str(len(self.imeis)),
            "start_date": _date_header(self.start_date),
            "end_date": _date_header(self.end_date),
            "device_group": _opt(self.device_group),
            "data_plan": _opt(self.data_plan),
            "no_session_flag": self._flag(),
        }


def aggregate(raw: RawClient, query: AggregateQuery) -> Operation[AggregateSessionReport]:
    check_device_count(
        query.imeis,
        limit=SYNC_MAX_DEVICES,
        what="the synchronous aggregate",
        hint="Client.aggregate splits a longer list into batches for you",
    )
    request = calculate_aggregated_report_synchronous.build_request(body=query.body(), **query.headers())
    return Operation(
        "calculateAggregatedReportSynchronous",
        request,
        _parser(raw, calculate_aggregated_report_synchronous.parse_response, AggregateSessionReport),
    )


def async_aggregate(
    raw: RawClient, query: AggregateQuery, *, portal_initiated: bool, idempotency_key: str | None = None
) -> Operation[AggregatedReportCallbackResult]:
    """The asynchronous aggregate; with `idempotency_key`, safe to send again (decision D8)."""
    check_device_count(
        query.imeis,
        limit=ASYNC_MAX_DEVICES,
        what="the asynchronous aggregate",
        hint="start one report per 10,000 devices",
    )
    if idempotency_key is not None:
        check_idempotency_key(idempotency_key)
    request = calculate_aggregated_report_asynchronous.build_request(
        body=query.body(),
        x_portal_initiated=portal_initiated,
        idempotency_key=_opt(idempotency_key),
        **query.headers(),
    )
    parse_result = _parser(raw, calculate_aggregated_report_asynchronous.parse_response, AggregatedReportCallbackResult)

    def parse(response: httpx.Response) -> AggregatedReportCallbackResult:
        result = parse_result(response)
        # Without a txid the callback messages cannot be told apart: waiting for them would only
        # run out the clock and then look like a network failure.
        if not isinstance(result.txid, str) or not result.txid.strip():
            raise InvalidResponseError(
                "the asynchronous aggregate was answered without a txid, so its callback messages "
                "cannot be collected; the report may or may not have been queued",
                response=response,
            )
        return result

    return Operation(
        "calculateAggregatedReportAsynchronous",
        request,
        parse,
        # Without a key, sending it twice queues two jobs and doubles every callback message;
        # with one, a server that honours it (D8) answers the first txid and queues nothing new.
        idempotent=idempotency_key is not None,
    )


def list_callbacks(raw: RawClient, *, account_number: str) -> Operation[list[CallbackCreated]]:
    check_account(account_number)
    request = list_registered_callbacks.build_request(account_number=account_number)
    parse_list = _parser(raw, list_registered_callbacks.parse_response, list)

    def parse(response: httpx.Response) -> list[CallbackCreated]:
        items = parse_list(response)
        return [item for item in items if isinstance(item, CallbackCreated)]

    return Operation("listRegisteredCallbacks", request, parse)


def register(raw: RawClient, *, account_number: str, name: str, url: str) -> Operation[CallbackRegistered]:
    check_account(account_number)
    request = register_callback.build_request(
        account_number=account_number, body=HyperPreciseLocationCallback(name=name, url=url)
    )
    # Registering a name again replaces its URL, so a repeat is harmless.
    return Operation("registerCallback", request, _parser(raw, register_callback.parse_response, CallbackRegistered))


def deregister(raw: RawClient, *, account_number: str, name: str) -> Operation[None]:
    check_account(account_number)
    request = deregister_callback.build_request(account_number=account_number, service=name)

    def parse(response: httpx.Response) -> None:
        if not 200 <= response.status_code < 300:
            raise api_error_from_response(response)

    # A repeat after a success would answer 404 for a name already removed.
    return Operation("deregisterCallback", request, parse, idempotent=False)
