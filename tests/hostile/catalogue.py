"""The catalogue of hostile answers: what each client of this project does with each odd thing a
real, evolving HPL service (or the gateway, proxy or token service in front of it) can send.

Read it as a table. Every `Case` is one answer, named after the answer (not after a fix), sent
byte for byte by the fake server in `tests/hostile/server.py`, and states its outcome for each client:

* `generated` — the generated `hpl_client`, called as `sync_detailed` and `asyncio_detailed`
  (both must do the same): `Parsed(status, model, fields, content)` is the `Response` it returns
  (`status_code`, the class of `.parsed` or None, attributes of `.parsed`, the raw `.content`);
  `HttpxRaises(error)` is the httpx exception a transport failure raises, as from any httpx call.
* `hpl` — `hpl.Client` and `hpl.AsyncClient` (both must do the same), with the default retry
  policy (4 attempts; the back-off is recorded, not waited): `Returns(model, fields)` is the result,
  `Raises(error, fields, cause, says)` the exception — always exactly that `hpl` class, with that
  `__cause__` — and both say how many API requests went out (`sent`, retries included) and how many
  back-off waits came between them (`waits`). No exception ever shows a token or a secret in its
  `str`, its `repr` or its `text` (checked for every case).
* `receiver` — `hpl.CallbackReceiver`, for callback messages the service posts to a listener:
  `Receives(answered, wait_for, complete, report, counters)` is the status it answers to each
  delivery and what `wait_for(txid, wait_for)` then reports.

`NotApplicable(why)` says why a client has no part in a case. `fields` maps a dotted path
(`errors.0.error_response.http_status_code`) to the value found there: a plain value compares
with `==`, an enum member with `is`, and `Unknown("X")`, `ABSENT`, `Contains("x")`, `Is(type)` and
`Length(n)` say what they say.

`tests/hostile/test_catalogue.py` runs every case through every client it names. To add an
answer, see CONTRIBUTING.md ("Checklist: add a hostile-answer case").
"""

from __future__ import annotations

import datetime as dt
import enum
import gzip
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

import hpl
from hpl_client.models import (
    AggregatedReportCallbackResult,
    AggregatedReportCallbackStatus,
    AggregateSessionReport,
    ErrorResponseCode,
    HttpStatusCode,
    HyperPreciseLocationGatewayResult,
    HyperPreciseLocationResult,
    SessionReport,
)
from hpl_client.types import UNSET, UnknownEnumValue, UnknownIntEnumValue
from tests.hostile.clients import DEVICE, OTHER_DEVICE
from tests.hostile.server import Answer, json_answer, raw_answer

TXID = "60c07fff-470b-4d6d-afcc-75e6a7c238f6"
_DAY = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).strftime("%Y-%m-%dT00:00:00Z")
SESSIONS = {"id": DEVICE, "txid": TXID, "sessions": [{"startTime": _DAY, "numBytes": 5}]}
SESSIONS_BODY = json.dumps(SESSIONS).encode()
# Strings that must never appear in an exception: every token the fake token services issue (all
# hold SECRET, `secret-tok` aside), and the two credentials the clients send.
SECRETS = ("SECRET", "secret-tok", "fake-client-secret-value", "fake-password-value")
# The default retry policy makes 4 attempts, with 3 back-off waits, of an answer retried throughout.
RETRIES = 4

# -- matchers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unknown:
    """An enum value this client does not know, kept raw: an `UnknownEnumValue` equal to `raw`."""

    raw: str | int

    def matches(self, value: Any) -> bool:
        return isinstance(value, UnknownEnumValue | UnknownIntEnumValue) and value == self.raw


@dataclass(frozen=True)
class _Absent:
    """The field parsed as absent (`UNSET`), as if the service had left it out."""

    def matches(self, value: Any) -> bool:
        return value is UNSET

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


@dataclass(frozen=True)
class Contains:
    """A string holding `text`."""

    text: str

    def matches(self, value: Any) -> bool:
        return isinstance(value, str) and self.text in value


@dataclass(frozen=True)
class Is:
    """An instance of `kind` (for values whose exact content is beside the point)."""

    kind: type

    def matches(self, value: Any) -> bool:
        return isinstance(value, self.kind)


@dataclass(frozen=True)
class Length:
    """A list of `n` items."""

    n: int

    def matches(self, value: Any) -> bool:
        return isinstance(value, list) and len(value) == self.n


def matches(expected: Any, value: Any) -> bool:
    if hasattr(expected, "matches"):
        return bool(expected.matches(value))
    if isinstance(expected, enum.Enum):
        return value is expected
    return type(value) is type(expected) and bool(value == expected)


# -- expectations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """The generated client returns a `Response`: `status_code == status` (an `HTTPStatus` member,
    or a plain int outside it), `.parsed` an instance of `model` holding `fields` (None: `.parsed` is
    None), and `.content` the raw body (None here: the bytes the server sent, content-decoded)."""

    status: int
    model: type | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    content: bytes | None = None


@dataclass(frozen=True)
class HttpxRaises:
    """The generated client raises this httpx exception: the transport failed, as for any httpx call."""

    error: type[httpx.HTTPError]


@dataclass(frozen=True)
class Returns:
    """`hpl` returns an instance of `model` (None: returns None) holding `fields`."""

    model: type | None
    fields: Mapping[str, Any] = field(default_factory=dict)
    sent: int = 1
    waits: int = 0
    # The longest and shortest back-off wait, where it matters (a Retry-After honoured or ignored).
    longest_wait: float | None = None
    shortest_wait: float | None = None
    # A header every API request carried, as the server read it.
    header: tuple[str, str] | None = None


@dataclass(frozen=True)
class Raises:
    """`hpl` raises exactly `error`, with `fields` as its attributes, `cause` as its `__cause__`
    (None: no cause) and `says` in its message."""

    error: type[hpl.HplError]
    fields: Mapping[str, Any] = field(default_factory=dict)
    cause: type[BaseException] | None = None
    says: str | None = None
    sent: int = 1
    waits: int = 0
    # Requests to the M2M login service, where a case is about the token services.
    logins: int | None = None


@dataclass(frozen=True)
class Receives:
    """The callback receiver answers `answered` to every delivery; then, unless `wait_for` is None,
    `receiver.wait_for(TXID, wait_for, timeout=0.3)` returns a complete result (`complete=True`) or
    raises `CallbackTimeoutError` (`complete=False`), and the report it holds has `report` fields.
    `counters` are the receiver's own (`rejected`, `deviceless`, `dropped`)."""

    answered: int
    wait_for: list[str] | int | None = None
    complete: bool = True
    report: Mapping[str, Any] = field(default_factory=dict)
    counters: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class NotApplicable:
    """This client has no part in the case, for the reason given."""

    why: str


GeneratedExpectation = Parsed | HttpxRaises | NotApplicable
HplExpectation = Returns | Raises | NotApplicable

TOKENS_ARE_YOURS = NotApplicable("the generated client takes tokens you fetched yourself; it calls no token service")


@dataclass(frozen=True)
class Case:
    """One hostile answer and what each client does with it.

    The service answers `answer` to every API call (or `answers` in turn, the last one repeated);
    the token service answers `token` when given. `operation` is the call made (an `hpl.Client`
    method name; the generated client calls the same operation), `calls` times on one client.
    `every_operation` runs the generated client through all six operations, for an answer that
    does not depend on the operation. `message` is a callback message body instead, posted
    `deliveries` times to the receiver.
    """

    name: str
    doc: str
    answer: Answer | None = None
    answers: tuple[Answer, ...] = ()
    token: Answer | None = None
    message: bytes | None = None
    deliveries: int = 1
    operation: str = "sessions"
    calls: int = 1
    every_operation: bool = False
    hpl_options: Mapping[str, Any] = field(default_factory=dict)
    generated: GeneratedExpectation = NotApplicable("a callback message: no client call is involved")
    hpl: HplExpectation = NotApplicable("a callback message: no client call is involved")
    receiver: Receives | NotApplicable = NotApplicable("not a callback message")

    @property
    def script(self) -> list[Answer]:
        if self.answers:
            return list(self.answers)
        return [self.answer if self.answer is not None else json_answer(200, SESSIONS)]


def _message(document: Any) -> bytes:
    return json.dumps(document).encode()


def _lowercase_moment() -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(microsecond=0).strftime("%Y-%m-%dt%H:%M:%Sz")


_MOMENT = _lowercase_moment()
_INSTANT = dt.datetime.fromisoformat(_MOMENT.upper())
_GARBLED_RETRY_AFTER = {
    "superscript_two": "²",
    "arabic_indic_digit": "٣",
    "exponent_notation": "1e9",
    "negative_number": "-5",
    "impossible_date": "Mon, 99 Foo 99999 99:99:99 GMT",
}
_ENVELOPE = {"errorCode": "INVALID_ACCESS", "errorMessage": "Access denied"}
_GATEWAY = {
    "responseCode": "INVALID_ACCESS",
    "message": "Access denied",
    "fault": {"code": "900906", "message": "No matching resource", "description": "Access failure"},
}
_AGGREGATE_ERROR: dict[str, Any] = {
    "imei": DEVICE,
    "errorMessage": "Device failed",
    "errorResponse": {"errorMessage": "failed"},
}


def _aggregate_with_error_response(**error_response: str) -> dict[str, Any]:
    error = {**_AGGREGATE_ERROR, "errorResponse": {**_AGGREGATE_ERROR["errorResponse"], **error_response}}
    return {"txid": TXID, "usage": [], "errors": [error]}


def _both(model: type, fields: Mapping[str, Any], status: int = 200) -> tuple[Parsed, Returns]:
    """The common case: the generated client parses the answer, and `hpl` returns the same model."""
    return Parsed(status, model, fields), Returns(model, fields)


def _status_cases() -> list[Case]:
    """Statuses the spec does not document, as gateways, proxies and load balancers send them."""
    html = b"<html><body><h1>%d</h1>An error occurred.</body></html>"
    cases = []
    for status, what in (
        (429, "throttling"),
        (502, "a bad gateway"),
        (503, "an unavailable service"),
        (504, "a gateway timeout"),
    ):
        cases.append(
            Case(
                f"status_{status}_without_a_body",
                f"{status}, {what}, with no body at all. Undocumented: the generated client parses nothing; "
                f"`hpl` retries it (it is retryable) and then raises `UnexpectedStatusError`.",
                answer=Answer(status),
                every_operation=True,
                generated=Parsed(status),
                hpl=Raises(
                    hpl.UnexpectedStatusError,
                    {"status_code": status, "error_code": None},
                    sent=RETRIES,
                    waits=RETRIES - 1,
                ),
            )
        )
        cases.append(
            Case(
                f"status_{status}_with_an_html_page",
                f"{status}, {what}, with the HTML page a gateway writes. `hpl`'s error keeps the start of "
                "the page in its message and the whole page in `.text`.",
                answer=raw_answer(status, html % status, "text/html"),
                every_operation=True,
                generated=Parsed(status),
                hpl=Raises(
                    hpl.UnexpectedStatusError,
                    {"status_code": status, "error_code": None, "text": Contains("<h1>")},
                    says="not the API's error body",
                    sent=RETRIES,
                    waits=RETRIES - 1,
                ),
            )
        )
    cases += [
        Case(
            "status_429_with_an_error_body",
            "429 with an `{errorCode, errorMessage}` body and no `Retry-After`: retried with back-off, "
            "then `UnexpectedStatusError` with the service's code and message.",
            answer=json_answer(429, {"errorCode": "THROTTLED", "errorMessage": "slow down"}),
            generated=Parsed(429),
            hpl=Raises(
                hpl.UnexpectedStatusError,
                {"status_code": 429, "error_code": "THROTTLED", "error_message": "slow down"},
                sent=RETRIES,
                waits=RETRIES - 1,
            ),
        ),
        Case(
            "status_499_with_an_error_body",
            "499 (nginx: client closed request), outside `http.HTTPStatus`: `status_code` is the plain "
            "int 499; `hpl` does not retry a 4xx.",
            answer=json_answer(499, {"errorCode": "INVALID_ACCESS", "errorMessage": "closed"}),
            every_operation=True,
            generated=Parsed(499),
            hpl=Raises(hpl.UnexpectedStatusError, {"status_code": 499, "error_code": "INVALID_ACCESS"}),
        ),
        Case(
            "status_520_with_an_html_page",
            "520 (Cloudflare: unknown error from the origin), outside `http.HTTPStatus`, with an HTML "
            "page: a plain int status, the page in `.content`; `hpl` retries it as a 5xx.",
            answer=raw_answer(520, b"<html><body>Web server is returning an unknown error</body></html>", "text/html"),
            every_operation=True,
            generated=Parsed(520),
            hpl=Raises(
                hpl.UnexpectedStatusError,
                {"status_code": 520},
                says="not the API's error body",
                sent=RETRIES,
                waits=RETRIES - 1,
            ),
        ),
        Case(
            "redirect_302_to_a_login_page",
            "302 with a `Location` and no body. Redirects are not followed (the credentials would go "
            "with them): the generated client returns the 302, `hpl` raises at once.",
            answer=Answer(302, headers=(("Location", "https://example.com/login"),)),
            every_operation=True,
            generated=Parsed(302),
            hpl=Raises(hpl.UnexpectedStatusError, {"status_code": 302}),
        ),
        Case(
            "redirect_302_with_an_html_page",
            "302 with a `Location` and an HTML body, as a web server's default page.",
            answer=raw_answer(302, b"<html>moved</html>", "text/html", headers=(("Location", "/elsewhere"),)),
            generated=Parsed(302),
            hpl=Raises(hpl.UnexpectedStatusError, {"status_code": 302}, says="<html>moved</html>"),
        ),
        Case(
            "redirect_307_to_another_host",
            "307 (the same request elsewhere): not followed either.",
            answer=Answer(307, headers=(("Location", "https://elsewhere.example/api"),)),
            generated=Parsed(307),
            hpl=Raises(hpl.UnexpectedStatusError, {"status_code": 307}),
        ),
        Case(
            "status_204_without_a_body_for_a_report",
            "204 No Content where a report was due: not a report, so `hpl` raises `InvalidResponseError`.",
            answer=Answer(204),
            generated=Parsed(204, content=b""),
            hpl=Raises(hpl.InvalidResponseError, says="HTTP 204"),
        ),
        Case(
            "status_204_without_a_body_for_a_listener_removal",
            "204 No Content to removing a listener, which documents 200 with a body: the removal "
            "happened, and `hpl.Client.deregister_callback` returns None as for a 200.",
            answer=Answer(204),
            operation="deregister_callback",
            generated=Parsed(204, content=b""),
            hpl=Returns(None),
        ),
    ]
    return cases


def _api_cases() -> list[Case]:
    status_in_aggregate, status_returned = _both(
        AggregateSessionReport,
        {
            "errors.0.imei": DEVICE,
            "errors.0.error_message": "Device failed",
            "errors.0.error_response.http_status_code": Unknown("499 CLIENT_CLOSED"),
        },
    )
    code_in_aggregate, code_returned = _both(
        AggregateSessionReport,
        {
            "errors.0.imei": DEVICE,
            "errors.0.error_response.error_code": Unknown("DEVICE_ON_FIRE"),
            "errors.0.error_response.http_status_code": HttpStatusCode.HTTP_400_BAD_REQUEST,
        },
    )
    running, running_returned = _both(AggregatedReportCallbackResult, {"txid": TXID, "status": Unknown("RUNNING")})
    return [
        # -- unknown values: kept raw, never a failure --------------------------------------------
        Case(
            "unknown_status_in_an_async_answer",
            '`status: "RUNNING"` from the asynchronous aggregate, a value the spec does not list (only '
            "QUEUED and COMPLETED). The job was queued: both clients return it, the status kept as an "
            "`UnknownEnumValue` equal to the raw string, and `to_dict()` writes it back unchanged.",
            answer=json_answer(200, {"txid": TXID, "status": "RUNNING"}),
            operation="start_async_aggregate",
            generated=running,
            hpl=running_returned,
        ),
        Case(
            "unknown_error_code_inside_a_200_aggregate",
            "An `errorCode` the spec does not list, inside one device's error of a successful "
            "synchronous aggregate. The device's error is kept, with the code raw; the other fields "
            "stay typed.",
            answer=json_answer(
                200, _aggregate_with_error_response(errorCode="DEVICE_ON_FIRE", httpStatusCode="400 BAD_REQUEST")
            ),
            operation="aggregate",
            generated=code_in_aggregate,
            hpl=code_returned,
        ),
        Case(
            "unknown_http_status_code_inside_a_200_aggregate",
            "An `httpStatusCode` the spec does not list (`499 CLIENT_CLOSED`) inside a successful "
            "synchronous aggregate: kept raw, nothing else lost.",
            answer=json_answer(200, _aggregate_with_error_response(httpStatusCode="499 CLIENT_CLOSED")),
            operation="aggregate",
            generated=status_in_aggregate,
            hpl=status_returned,
        ),
        Case(
            "unknown_error_code_in_an_error_body",
            "400 with an `errorCode` this client does not know. The generated model keeps it raw; "
            "`hpl`'s `error_code` is the raw text and `error_code_enum` is None.",
            answer=json_answer(400, {"errorCode": "RATE_LIMITED", "errorMessage": "slow down"}),
            generated=Parsed(400, HyperPreciseLocationResult, {"error_code": Unknown("RATE_LIMITED")}),
            hpl=Raises(
                hpl.BadRequestError,
                {"error_code": "RATE_LIMITED", "error_code_enum": None, "error_message": "slow down"},
            ),
        ),
        Case(
            "unauthorized_error_code_on_401",
            "401 with `errorCode: UNAUTHORIZED`, which the vendor's current SDK documents (D8). It is a "
            "known member now. `hpl` renews both tokens once and asks again before it raises.",
            answer=json_answer(401, {"errorCode": "UNAUTHORIZED", "errorMessage": "Token expired"}),
            generated=Parsed(401, HyperPreciseLocationResult, {"error_code": ErrorResponseCode.UNAUTHORIZED}),
            hpl=Raises(
                hpl.AuthenticationError,
                {"error_code": "UNAUTHORIZED", "error_code_enum": ErrorResponseCode.UNAUTHORIZED},
                sent=2,
            ),
        ),
        Case(
            "unknown_field_in_a_report",
            "A field the spec does not have yet: kept in `additional_properties`.",
            answer=json_answer(200, {**SESSIONS, "region": {"name": "east"}}),
            generated=Parsed(200, SessionReport, {"additional_properties": {"region": {"name": "east"}}}),
            hpl=Returns(SessionReport, {"additional_properties": {"region": {"name": "east"}}}),
        ),
        # -- nulls: absent, never a failure -------------------------------------------------------
        Case(
            "null_sessions_in_a_sessions_report",
            "`sessions: null`: parsed as absent (`UNSET`), as if the field were missing (D8).",
            answer=json_answer(200, {"id": DEVICE, "txid": TXID, "sessions": None}),
            generated=Parsed(200, SessionReport, {"id": DEVICE, "sessions": ABSENT}),
            hpl=Returns(SessionReport, {"id": DEVICE, "sessions": ABSENT}),
        ),
        Case(
            "null_start_time_in_a_session",
            "`startTime: null` in one day of a report: that field is absent, the day is kept.",
            answer=json_answer(200, {"id": DEVICE, "txid": TXID, "sessions": [{"startTime": None, "numBytes": 5}]}),
            generated=Parsed(200, SessionReport, {"sessions.0.start_time": ABSENT, "sessions.0.num_bytes": 5}),
            hpl=Returns(SessionReport, {"sessions.0.start_time": ABSENT, "sessions.0.num_bytes": 5}),
        ),
        Case(
            "null_usage_and_errors_in_an_aggregate",
            "`usage: null, errors: null` in a synchronous aggregate: both absent.",
            answer=json_answer(200, {"txid": TXID, "usage": None, "errors": None}),
            operation="aggregate",
            generated=Parsed(200, AggregateSessionReport, {"usage": ABSENT, "errors": ABSENT}),
            hpl=Returns(AggregateSessionReport, {"usage": ABSENT, "errors": ABSENT}),
        ),
        Case(
            "null_error_response_in_an_aggregate_error",
            "`errorResponse: null` in one device's error: absent, the device's error is kept.",
            answer=json_answer(200, {"txid": TXID, "errors": [{**_AGGREGATE_ERROR, "errorResponse": None}]}),
            operation="aggregate",
            generated=Parsed(200, AggregateSessionReport, {"errors.0.imei": DEVICE, "errors.0.error_response": ABSENT}),
            hpl=Returns(AggregateSessionReport, {"errors.0.imei": DEVICE, "errors.0.error_response": ABSENT}),
        ),
        Case(
            "null_txid_in_an_async_answer",
            "`txid: null` from the asynchronous aggregate. The generated model allows it (the txid is "
            "optional, D8) and parses it as absent. `hpl` refuses it at once: without a txid no "
            "callback message can ever be matched to the job.",
            answer=json_answer(200, {"txid": None, "status": "QUEUED"}),
            operation="start_async_aggregate",
            generated=Parsed(
                200,
                AggregatedReportCallbackResult,
                {"txid": ABSENT, "status": AggregatedReportCallbackStatus.QUEUED},
            ),
            hpl=Raises(hpl.InvalidResponseError, says="txid"),
        ),
        Case(
            "blank_txid_in_an_async_answer",
            '`txid: " "` from the asynchronous aggregate: kept by the generated client, refused by `hpl`.',
            answer=json_answer(200, {"txid": " ", "status": "QUEUED"}),
            operation="start_async_aggregate",
            generated=Parsed(200, AggregatedReportCallbackResult, {"txid": " "}),
            hpl=Raises(hpl.InvalidResponseError, says="txid"),
        ),
        Case(
            "no_txid_in_an_async_answer",
            "No `txid` at all from the asynchronous aggregate: as for `txid: null`.",
            answer=json_answer(200, {"status": "QUEUED"}),
            operation="start_async_aggregate",
            generated=Parsed(200, AggregatedReportCallbackResult, {"txid": ABSENT}),
            hpl=Raises(hpl.InvalidResponseError, says="txid"),
        ),
        # -- values a strict parser would refuse ---------------------------------------------------
        Case(
            "lowercase_t_and_z_in_dates",
            "A date-time written `YYYY-MM-DDtHH:MM:SSz`: valid RFC 3339 (section 5.6 allows lowercase t and z). Both "
            "clients read it as the same aware datetime as its uppercase form.",
            answer=json_answer(
                200, {"id": DEVICE, "txid": TXID, "sessions": [{"startTime": _MOMENT, "endTime": _MOMENT.upper()}]}
            ),
            generated=Parsed(200, SessionReport, {"sessions.0.start_time": _INSTANT, "sessions.0.end_time": _INSTANT}),
            hpl=Returns(SessionReport, {"sessions.0.start_time": _INSTANT, "sessions.0.end_time": _INSTANT}),
        ),
        Case(
            "huge_integer_in_bytes_transferred",
            "`bytesTransferred: 2**80` (a 25-digit number): kept exactly, as a Python int.",
            answer=json_answer(200, {"txid": TXID, "usage": [{"imei": DEVICE, "bytesTransferred": 2**80}]}),
            operation="aggregate",
            generated=Parsed(200, AggregateSessionReport, {"usage.0.bytes_transferred": 2**80}),
            hpl=Returns(AggregateSessionReport, {"usage.0.bytes_transferred": 2**80}),
        ),
        # -- bodies that are not the documented model ---------------------------------------------
        Case(
            "body_that_breaks_the_spec",
            "200 with a report missing its required `id`. The generated client parses nothing; `hpl` "
            "raises `InvalidResponseError` with the parser's exception as the cause.",
            answer=json_answer(200, {"sessions": []}),
            generated=Parsed(200),
            hpl=Raises(hpl.InvalidResponseError, cause=KeyError),
        ),
        Case(
            "empty_body_on_200",
            "200 with an empty body where a report was due.",
            answer=Answer(200, headers=(("Content-Type", "application/json"),)),
            generated=Parsed(200, content=b""),
            hpl=Raises(hpl.InvalidResponseError, cause=json.JSONDecodeError),
        ),
        Case(
            "html_maintenance_page_on_200",
            "200 with an HTML maintenance page, as a misconfigured proxy sends.",
            answer=raw_answer(200, b"<html>maintenance</html>", "text/html"),
            every_operation=True,
            generated=Parsed(200),
            hpl=Raises(hpl.InvalidResponseError, cause=json.JSONDecodeError, says="<html>maintenance"),
        ),
        Case(
            "json_nested_100000_deep_in_a_200_body",
            "100,000 nested `[`: Python's JSON parser gives up with `RecursionError`. The generated "
            "client parses nothing; `hpl` raises `InvalidResponseError` (never `RecursionError`).",
            answer=raw_answer(200, b"[" * 100_000),
            generated=Parsed(200),
            hpl=Raises(hpl.InvalidResponseError, cause=RecursionError),
        ),
        Case(
            "json_nested_100000_deep_in_an_error_body",
            "The same on a 400: still the status's typed error, without an error code.",
            answer=raw_answer(400, b"[" * 100_000),
            generated=Parsed(400),
            hpl=Raises(hpl.BadRequestError, {"status_code": 400, "error_code": None}),
        ),
        Case(
            "truncated_json_error_body",
            "401 whose JSON body stops half-way. `hpl` renews the tokens once, asks again, then raises "
            "`AuthenticationError` without a code; the raw text is in `.text`.",
            answer=raw_answer(401, b'{"errorCode": "INVALID_ACC'),
            every_operation=True,
            generated=Parsed(401),
            hpl=Raises(hpl.AuthenticationError, {"error_code": None, "text": '{"errorCode": "INVALID_ACC'}, sent=2),
        ),
        Case(
            "html_page_on_a_documented_400",
            "400 with an HTML page instead of the error envelope.",
            answer=raw_answer(400, b"<html>Bad Request</html>", "text/html"),
            every_operation=True,
            generated=Parsed(400),
            hpl=Raises(hpl.BadRequestError, {"error_code": None}, says="not the API's error body"),
        ),
        Case(
            "empty_body_on_a_documented_500",
            "500 with no body: nothing says it is permanent, so `hpl` retries it.",
            answer=Answer(500),
            every_operation=True,
            generated=Parsed(500),
            hpl=Raises(hpl.InternalServerError, {"error_code": None}, sent=RETRIES, waits=RETRIES - 1),
        ),
        Case(
            "error_code_too_long_to_print",
            "An `errorCode` that is a 5,000-digit number: Python refuses to print it, so the "
            "generated client parses nothing and `hpl` leaves the code out.",
            answer=raw_answer(400, b'{"errorCode": 1' + b"0" * 5000 + b', "errorMessage": "x"}'),
            generated=Parsed(400),
            hpl=Raises(hpl.BadRequestError, {"error_code": None}),
        ),
        # -- the two error envelopes (D8) ---------------------------------------------------------
        Case(
            "error_envelope_of_the_service",
            "403 `{errorCode, errorMessage}`, the service's own envelope.",
            answer=json_answer(403, _ENVELOPE),
            generated=Parsed(
                403,
                HyperPreciseLocationResult,
                {"error_code": ErrorResponseCode.INVALID_ACCESS, "error_message": "Access denied"},
            ),
            hpl=Raises(
                hpl.PermissionDeniedError,
                {"status_code": 403, "error_code": "INVALID_ACCESS", "error_message": "Access denied"},
            ),
        ),
        Case(
            "error_envelope_of_the_api_gateway",
            "403 `{responseCode, message, fault: {code, message, description}}`, the API gateway's "
            "envelope (D8): the same `hpl` error as the service's envelope, plus `fault_code`.",
            answer=json_answer(403, _GATEWAY),
            generated=Parsed(
                403,
                HyperPreciseLocationGatewayResult,
                {"response_code": ErrorResponseCode.INVALID_ACCESS, "message": "Access denied", "fault.code": "900906"},
            ),
            hpl=Raises(
                hpl.PermissionDeniedError,
                {
                    "status_code": 403,
                    "error_code": "INVALID_ACCESS",
                    "error_message": "Access denied",
                    "fault_code": "900906",
                },
            ),
        ),
        Case(
            "gateway_envelope_with_only_a_fault",
            "404 `{fault: {code: 900906, ...}}` with a numeric code and nothing else: `hpl` takes the "
            "fault's code (as text) and message. The generated model keeps the number as sent.",
            answer=json_answer(404, {"fault": {"code": 900906, "message": "No matching resource"}}),
            generated=Parsed(404, HyperPreciseLocationGatewayResult, {"fault.code": 900906}),
            hpl=Raises(hpl.NotFoundError, {"error_code": "900906", "error_message": "No matching resource"}),
        ),
        Case(
            "byte_order_mark_before_an_error_body",
            "A UTF-8 byte-order mark before a 400's JSON, as some gateways write: the code is kept.",
            answer=raw_answer(
                400, b'\xef\xbb\xbf{"errorCode": "INVALID_PARAMETER", "errorMessage": "imei is missing"}'
            ),
            every_operation=True,
            generated=Parsed(400, HyperPreciseLocationResult, {"error_code": ErrorResponseCode.INVALID_PARAMETER}),
            hpl=Raises(hpl.BadRequestError, {"error_code": "INVALID_PARAMETER", "error_message": "imei is missing"}),
        ),
        Case(
            "permanent_500_device_in_several_accounts",
            "500 that the spec documents as a state of the device (active in several accounts): no "
            "retry can fix it, so `hpl` asks once.",
            answer=json_answer(
                500, {"errorCode": "INTERNAL_ERROR", "errorMessage": "Device is active in several accounts"}
            ),
            generated=Parsed(500, HyperPreciseLocationResult, {"error_code": ErrorResponseCode.INTERNAL_ERROR}),
            hpl=Raises(hpl.InternalServerError, {"error_code": "INTERNAL_ERROR"}),
        ),
        # -- Retry-After ---------------------------------------------------------------------------
        Case(
            "retry_after_3600_on_429",
            "429 with `Retry-After: 3600`, beyond `hpl`'s cap (`RetryPolicy.max_retry_after`, 60 s): no "
            "wait at all, `UnexpectedStatusError` at once, whose `retry_after` and message say when.",
            answer=json_answer(429, {"errorCode": "X", "errorMessage": "slow down"}, ("Retry-After", "3600")),
            generated=Parsed(429),
            hpl=Raises(
                hpl.UnexpectedStatusError,
                {"status_code": 429, "retry_after": 3600.0},
                says="retry after 3600 s",
            ),
        ),
        Case(
            "retry_after_120_on_503",
            "503 with `Retry-After: 120`: over the 60 s cap though well inside the default deadline "
            "(300 s), so it is the cap, not the deadline, that makes `hpl` raise at once.",
            answer=Answer(503, headers=(("Retry-After", "120"),)),
            generated=Parsed(503),
            hpl=Raises(hpl.UnexpectedStatusError, {"status_code": 503, "retry_after": 120.0}, says="retry after 120 s"),
        ),
        Case(
            "retry_after_2_on_503",
            "503 with `Retry-After: 2`, then a report: within the cap, so `hpl` waits at least 2 s and asks again.",
            answers=(Answer(503, headers=(("Retry-After", "2"),)), json_answer(200, SESSIONS)),
            generated=Parsed(503),
            hpl=Returns(SessionReport, {"id": DEVICE}, sent=2, waits=1, shortest_wait=2.0),
        ),
        *(
            Case(
                f"retry_after_{name}_on_503",
                f"503 with `Retry-After: {value}`, then a report: not a number of seconds nor an HTTP "
                "date, so `hpl` ignores the header and waits its own back-off (at most 0.5 s the first time).",
                answers=(Answer(503, headers=(("Retry-After", value),)), json_answer(200, SESSIONS)),
                generated=Parsed(503),
                hpl=Returns(SessionReport, {"id": DEVICE}, sent=2, waits=1, longest_wait=0.5),
            )
            for name, value in _GARBLED_RETRY_AFTER.items()
        ),
        # -- framing, encodings and charsets -------------------------------------------------------
        Case(
            "chunked_body",
            "A report in `Transfer-Encoding: chunked`, 7 bytes a chunk.",
            answer=json_answer(200, SESSIONS, framing="chunked"),
            generated=Parsed(200, SessionReport, {"id": DEVICE}),
            hpl=Returns(SessionReport, {"id": DEVICE}),
        ),
        Case(
            "body_ended_by_closing_the_connection",
            "A report with neither `Content-Length` nor chunking: the body ends when the server closes.",
            answer=json_answer(200, SESSIONS, framing="close"),
            generated=Parsed(200, SessionReport, {"id": DEVICE}),
            hpl=Returns(SessionReport, {"id": DEVICE}),
        ),
        Case(
            "gzip_body",
            "A report compressed with `Content-Encoding: gzip`: `.content` is the decompressed JSON.",
            answer=Answer(200, gzip.compress(SESSIONS_BODY), (("Content-Encoding", "gzip"),)),
            generated=Parsed(200, SessionReport, {"id": DEVICE}, content=SESSIONS_BODY),
            hpl=Returns(SessionReport, {"id": DEVICE}),
        ),
        Case(
            "deflate_body",
            "A report compressed with `Content-Encoding: deflate`.",
            answer=Answer(200, zlib.compress(SESSIONS_BODY), (("Content-Encoding", "deflate"),)),
            generated=Parsed(200, SessionReport, {"id": DEVICE}, content=SESSIONS_BODY),
            hpl=Returns(SessionReport, {"id": DEVICE}),
        ),
        Case(
            "false_gzip_content_encoding",
            "`Content-Encoding: gzip` on a body that is plain JSON. httpx cannot decode it: the "
            "generated client raises `httpx.DecodingError`; `hpl` retries it and raises `NetworkError` "
            "with the `DecodingError` as the cause.",
            answer=Answer(200, SESSIONS_BODY, (("Content-Encoding", "gzip"),)),
            generated=HttpxRaises(httpx.DecodingError),
            hpl=Raises(hpl.NetworkError, cause=httpx.DecodingError, sent=RETRIES, waits=RETRIES - 1),
        ),
        Case(
            "latin_1_error_body",
            "400 declared `charset=iso-8859-1` with a non-ASCII message. The generated client reads "
            "JSON as UTF-8 whatever the header says, so it parses nothing; `hpl` honours the charset.",
            answer=Answer(
                400,
                '{"errorCode": "INVALID_PARAMETER", "errorMessage": "Gerät nicht gefunden"}'.encode("latin-1"),
                (("Content-Type", "application/json; charset=iso-8859-1"),),
            ),
            generated=Parsed(400),
            hpl=Raises(
                hpl.BadRequestError, {"error_code": "INVALID_PARAMETER", "error_message": "Gerät nicht gefunden"}
            ),
        ),
        Case(
            "latin_1_report_body",
            "A report declared `charset=iso-8859-1` with a non-ASCII byte. JSON between systems must "
            "be UTF-8 (RFC 8259, section 8.1): both clients refuse it, `hpl` with `InvalidResponseError`.",
            answer=Answer(
                200,
                json.dumps({**SESSIONS, "note": "Gerät"}, ensure_ascii=False).encode("latin-1"),
                (("Content-Type", "application/json; charset=iso-8859-1"),),
            ),
            generated=Parsed(200),
            hpl=Raises(hpl.InvalidResponseError, cause=UnicodeDecodeError),
        ),
        Case(
            "utf_16_report_body",
            "A report in UTF-16 with a byte-order mark: JSON's encoding detection reads it.",
            answer=Answer(
                200, SESSIONS_BODY.decode().encode("utf-16"), (("Content-Type", "application/json; charset=utf-16"),)
            ),
            generated=Parsed(200, SessionReport, {"id": DEVICE}),
            hpl=Returns(SessionReport, {"id": DEVICE}),
        ),
        # -- connections ---------------------------------------------------------------------------
        Case(
            "connection_reset_mid_body",
            "The connection is reset (TCP RST) after 20 bytes of the body. The generated client raises "
            "`httpx.ReadError`; `hpl` retries (the report is idempotent), then `NetworkError`.",
            answer=json_answer(200, SESSIONS, reset_after=20),
            generated=HttpxRaises(httpx.ReadError),
            hpl=Raises(hpl.NetworkError, cause=httpx.ReadError, sent=RETRIES, waits=RETRIES - 1),
        ),
        Case(
            "content_length_longer_than_the_body",
            "`Content-Length: 500` on a shorter body, then the connection closes.",
            answer=json_answer(200, SESSIONS, content_length=500, close=True),
            generated=HttpxRaises(httpx.RemoteProtocolError),
            hpl=Raises(hpl.NetworkError, cause=httpx.RemoteProtocolError, sent=RETRIES, waits=RETRIES - 1),
        ),
        Case(
            "content_length_shorter_than_the_body",
            "`Content-Length: 20` on a longer body: the client reads 20 bytes, a truncated JSON.",
            answer=json_answer(200, SESSIONS, content_length=20),
            generated=Parsed(200, content=SESSIONS_BODY[:20]),
            hpl=Raises(hpl.InvalidResponseError, cause=json.JSONDecodeError),
        ),
        Case(
            "keep_alive_connection_closed_between_calls",
            "Two calls on one client; the server closes the kept-alive connection after each answer "
            "without saying so. The second call opens a new connection and succeeds.",
            answer=json_answer(200, SESSIONS, close=True),
            calls=2,
            generated=Parsed(200, SessionReport, {"id": DEVICE}),
            hpl=Returns(SessionReport, {"id": DEVICE}, sent=2),
        ),
        Case(
            "body_dripped_past_the_deadline",
            "A report dripped 9 bytes every 0.15 s (about 1.8 s in all; no single read is slow). The "
            "generated client has httpx's per-read timeout only, so it waits for the whole body. `hpl` "
            "stops at its deadline (`deadline=0.5` here; 300 s by default) with `DeadlineExceededError`.",
            answer=json_answer(200, SESSIONS, chunk=9, drip=0.15),
            hpl_options={"deadline": 0.5},
            generated=Parsed(200, SessionReport, {"id": DEVICE}),
            hpl=Raises(hpl.DeadlineExceededError, says="deadline of 0.5 s", sent=1, cause=httpx.HTTPError),
        ),
    ]


def _token_cases() -> list[Case]:
    def token(value: str) -> Answer:
        return json_answer(200, {"access_token": value, "token_type": "bearer", "expires_in": 3600})

    unusable = {
        "non_ascii": ("ACCESS-SECRET-tök", "a non-ASCII character"),
        "crlf_header_injection": ("ACCESS-SECRET\r\nX-Injected: 1", "a line break and a second header"),
        "inner_space": ("ACCESS SECRET", "a space"),
    }
    return [
        Case(
            "token_with_a_trailing_newline",
            'The OAuth2 service answers `access_token: "secret-tok\\n"`. Surrounding whitespace is not '
            "part of a token: `hpl` sends `Bearer secret-tok`.",
            token=token("secret-tok\n"),
            generated=TOKENS_ARE_YOURS,
            hpl=Returns(SessionReport, {"id": DEVICE}, header=("authorization", "Bearer secret-tok")),
        ),
        *(
            Case(
                f"token_with_{name}",
                f"The OAuth2 service answers a token with {what}, which cannot go in a header. `hpl` "
                "refuses it before any login or API call, naming the field, never the token.",
                token=token(value),
                generated=TOKENS_ARE_YOURS,
                hpl=Raises(hpl.InvalidResponseError, says="access_token", sent=0, logins=0),
            )
            for name, (value, what) in unusable.items()
        ),
        Case(
            "token_service_error_that_echoes_the_secret",
            "The OAuth2 service refuses with a description that quotes the client secret: "
            "`AuthenticationError`, and the secret is in neither its message nor its `.text`.",
            token=json_answer(
                401, {"error": "invalid_client", "error_description": "bad secret fake-client-secret-value"}
            ),
            generated=TOKENS_ARE_YOURS,
            hpl=Raises(hpl.AuthenticationError, {"error_code": "invalid_client"}, sent=0),
        ),
    ]


def _usage(imei: str, **extra: Any) -> dict[str, Any]:
    return {"imei": imei, "numberOfSessions": 1, "bytesTransferred": 10, **extra}


def _message_cases() -> list[Case]:
    two_devices = _message(
        {"txid": TXID, "usage": [_usage(DEVICE)], "errors": [{"imei": OTHER_DEVICE, "errorMessage": "Device inactive"}]}
    )
    return [
        Case(
            "message_carrying_two_devices",
            "One callback message with one device's usage and another device's error: it completes both.",
            message=two_devices,
            receiver=Receives(
                200, wait_for=[DEVICE, OTHER_DEVICE], report={"usage.0.imei": DEVICE, "errors.0.imei": OTHER_DEVICE}
            ),
        ),
        Case(
            "message_carrying_two_devices_delivered_twice",
            "The same two-device message delivered twice (the service retries deliveries): each device "
            "counts and is reported once.",
            message=two_devices,
            deliveries=2,
            receiver=Receives(
                200, wait_for=2, report={"usage": Length(1), "usage.0.imei": DEVICE, "errors": Length(1)}
            ),
        ),
        Case(
            "messages_naming_no_device",
            "Three messages whose usage names no IMEI: accepted (200) but counted in `deviceless`, never "
            "toward completion, so waiting for one device times out.",
            message=_message({"txid": TXID, "usage": [{"numberOfSessions": 1}]}),
            deliveries=3,
            receiver=Receives(200, wait_for=1, complete=False, counters={"deviceless": 3}),
        ),
        Case(
            "unknown_http_status_code_in_a_message",
            "A device's error carrying `httpStatusCode: 499 CLIENT_CLOSED`: 200, and the device's result "
            "is kept with the value raw.",
            message=_message(
                {
                    "txid": TXID,
                    "errors": [
                        {
                            "imei": DEVICE,
                            "errorMessage": "Busy",
                            "errorResponse": {"httpStatusCode": "499 CLIENT_CLOSED"},
                        }
                    ],
                }
            ),
            receiver=Receives(
                200,
                wait_for=[DEVICE],
                report={
                    "errors.0.imei": DEVICE,
                    "errors.0.error_message": "Busy",
                    "errors.0.error_response.http_status_code": Unknown("499 CLIENT_CLOSED"),
                },
            ),
        ),
        Case(
            "unknown_error_code_in_a_message",
            "A device's error carrying `errorCode: DEVICE_ON_FIRE`: 200, the code kept raw.",
            message=_message(
                {"txid": TXID, "errors": [{"imei": DEVICE, "errorResponse": {"errorCode": "DEVICE_ON_FIRE"}}]}
            ),
            receiver=Receives(
                200, wait_for=[DEVICE], report={"errors.0.error_response.error_code": Unknown("DEVICE_ON_FIRE")}
            ),
        ),
        Case(
            "nulls_in_a_message",
            "`errors: null` and `numberOfSessions: null`: absent, and the device's usage is kept.",
            message=_message(
                {"txid": TXID, "errors": None, "usage": [_usage(DEVICE, numberOfSessions=None, bytesTransferred=3)]}
            ),
            receiver=Receives(
                200,
                wait_for=[DEVICE],
                report={"usage.0.imei": DEVICE, "usage.0.bytes_transferred": 3, "usage.0.number_of_sessions": ABSENT},
            ),
        ),
        Case(
            "json_nested_100000_deep_as_a_message",
            "100,000 nested `[` posted to the listener: 400 (never 500), counted in `rejected`.",
            message=b"[" * 100_000,
            receiver=Receives(400, counters={"rejected": 1}),
        ),
        Case(
            "json_nested_100000_deep_inside_a_message",
            "A message whose `usage` holds 100,000 nested `[`: 400.",
            message=b'{"txid": "t", "usage": [' + b"[" * 100_000 + b"]}",
            receiver=Receives(400, counters={"rejected": 1}),
        ),
        Case(
            "message_that_is_not_utf_8",
            "A message with bytes that are not UTF-8: 400.",
            message=b'{"txid": "' + b"\xff\xfe" + b'"}',
            receiver=Receives(400, counters={"rejected": 1}),
        ),
    ]


CASES: list[Case] = [*_api_cases(), *_status_cases(), *_token_cases(), *_message_cases()]
