"""Schemathesis hooks that keep positive cases semantically valid, so that they reach real data.

The spec's prose adds rules no JSON Schema states (decisions D2, D4): headers agree with the body,
date ranges run forwards and span at most 180 days, `durationLow <= durationHigh`, at most ten
devices on the synchronous aggregate, and a report asks for devices its account owns. A schema-valid
case that breaks one of them is rightly refused with 400, which schemathesis would call a rejected
positive case; these hooks rewrite positive cases into requests a correct server must answer with
2xx. Negative cases are left exactly as generated.

The D8 shapes stay as generated where they are valid: `null` in an optional field (meaning absent,
so its header goes), one IMEI string on an aggregate (one device), a boolean `noSessionFlag` (its
header says "true"/"false"). An `Idempotency-Key` is made to name its body, so that two positive
cases never share a key with different bodies (a correct server refuses that with 409).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from schemathesis.generation import GenerationMode

SESSIONS = "/report/sessions"
SYNC_AGGREGATE = "/report/aggregate"
ASYNC_AGGREGATE = "/report/async/aggregate"
CALLBACKS = "/callbacks"
REPORT_PATHS = (SESSIONS, SYNC_AGGREGATE, ASYNC_AGGREGATE)

SYNC_DEVICE_LIMIT = 10
# Async positive cases ask for few devices: each device becomes one callback delivery per listener.
ASYNC_DEVICE_SAMPLE = 3
# Sessions are seeded over the last 180 days; ranges end inside that window to find them.
DATA_WINDOW = timedelta(days=179)
MAX_RANGE = timedelta(days=180)
HEADER_FIELDS = ("accountNumber", "startDate", "endDate", "durationLow", "durationHigh")
FILTER_FIELDS = ("deviceGroup", "dataPlan", "noSessionFlag")
IDEMPOTENCY_KEY = "Idempotency-Key"
MAX_KEY_PREFIX = 200  # the header allows 255 characters; the suffix takes 9
ACCOUNT = re.compile(r"^[0-9]{10}-[0-9]{5}$")
IMEI = re.compile(r"^[0-9]{15}$")


def format_date(moment: datetime) -> str:
    """RFC 3339 in the shape both the body's `date-time` and the header pattern accept."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def header_text(value: Any) -> str:
    """A body value as its header copy: a boolean `noSessionFlag` (D8) is the header's "true"/"false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def device_count(imei: Any) -> int:
    """What the aggregates' `imei` header counts (D2): one for one IMEI string (D8)."""
    return 1 if isinstance(imei, str) else len(imei)


def _pick(value: Any, modulus: int) -> int:
    """A stable index derived from a generated value, so runs stay repeatable under a fixed seed."""
    return zlib.crc32(repr(value).encode()) % max(modulus, 1)


@dataclass
class Semantics:
    """What the hooks need to know about the target: the account, its devices, its filters."""

    account: str = ""
    imeis: tuple[str, ...] = ()
    device_groups: tuple[str, ...] = ()
    data_plans: tuple[str, ...] = ()
    callback_url: str | None = None

    def fix(self, case: Any) -> Any:
        """Rewrite a positive case so that every prose rule of its operation holds; in a negative
        case, point the valid identifiers at the target's own data, so that the server refuses the
        invalid part rather than a foreign account."""
        meta = case.meta
        if meta is None or not self.account:
            return case
        if meta.generation.mode != GenerationMode.POSITIVE:
            self._own_valid_identifiers(case)
        elif case.path in REPORT_PATHS and isinstance(case.body, dict):
            self._fix_report(case)
        elif case.path == CALLBACKS:
            self._fix_callbacks(case)
        return case

    def _own_valid_identifiers(self, case: Any) -> None:
        if isinstance(case.query, dict) and ACCOUNT.match(str(case.query.get("accountNumber", ""))):
            case.query = {**case.query, "accountNumber": self.account}
        if case.path not in REPORT_PATHS:
            return
        headers = case.headers
        if ACCOUNT.match(str(headers.get("accountNumber", ""))):
            headers["accountNumber"] = self.account
        if isinstance(case.body, dict):
            body = dict(case.body)
            if ACCOUNT.match(str(body.get("accountNumber", ""))):
                body["accountNumber"] = self.account
            imei = body.get("imei")
            if case.path == SESSIONS and isinstance(imei, str) and IMEI.match(imei):
                body["imei"] = self.imeis[_pick(imei, len(self.imeis))]
                if IMEI.match(str(headers.get("imei", ""))):
                    headers["imei"] = body["imei"]
            case.body = body
        case.headers = headers

    def _fix_report(self, case: Any) -> None:
        body: dict[str, Any] = dict(case.body)
        body["accountNumber"] = self.account
        if case.path == SESSIONS:
            body["imei"] = self.imeis[_pick(body.get("imei"), len(self.imeis))]
            low, high = body.get("durationLow"), body.get("durationHigh")
            if isinstance(low, int) and isinstance(high, int) and low > high:
                body["durationLow"], body["durationHigh"] = high, low
        else:
            generated = body.get("imei")
            devices = self._devices(case.path, generated)
            # D8: one IMEI string is a list of that one device; keep the shape, with an owned device.
            body["imei"] = devices[0] if isinstance(generated, str) and devices else devices
            self._fix_filters(body)
        self._fix_dates(body)
        case.body = body
        self._agree_headers(case, body)
        self._key_names_body(case, body)

    def _key_names_body(self, case: Any, body: dict[str, Any]) -> None:
        """D8: the same key with another body is a 409; a key that carries its body's digest never is."""
        headers = case.headers
        # Schemathesis keeps headers in a case-insensitive mapping, not a dict.
        key = headers.get(IDEMPOTENCY_KEY) if isinstance(headers, Mapping) else None
        if key is None:
            return
        digest = zlib.crc32(json.dumps(body, sort_keys=True).encode())
        headers[IDEMPOTENCY_KEY] = f"{str(key)[:MAX_KEY_PREFIX]}-{digest:08x}"
        case.headers = headers

    def _devices(self, path: str, generated: Any) -> list[str]:
        """Owned devices standing in for the generated ones; never more than the operation allows."""
        requested = generated if isinstance(generated, list) else [generated] if isinstance(generated, str) else []
        if not requested and path == ASYNC_AGGREGATE:
            return []
        chosen: list[str] = []
        for imei in requested or [None]:
            device = self.imeis[_pick(imei, len(self.imeis))]
            if device not in chosen:
                chosen.append(device)
        limit = SYNC_DEVICE_LIMIT if path == SYNC_AGGREGATE else ASYNC_DEVICE_SAMPLE
        return chosen[:limit]

    def _fix_filters(self, body: dict[str, Any]) -> None:
        for name, known in (("deviceGroup", self.device_groups), ("dataPlan", self.data_plans)):
            if body.get(name) is not None and known:
                body[name] = known[_pick(body[name], len(known))]

    def _fix_dates(self, body: dict[str, Any]) -> None:
        latest = datetime.now(UTC) - timedelta(minutes=5)
        start, end = body.get("startDate"), body.get("endDate")
        if end is not None:
            end_at = latest - timedelta(hours=_pick(end, int(DATA_WINDOW.total_seconds() // 3600)))
            body["endDate"] = format_date(end_at)
            if start is not None:
                span = timedelta(hours=_pick(start, int(MAX_RANGE.total_seconds() // 3600)))
                body["startDate"] = format_date(end_at - span)
        elif start is not None:
            # endDate defaults to now, so the start must lie within the last 180 days.
            start_at = latest - timedelta(hours=_pick(start, int(DATA_WINDOW.total_seconds() // 3600)))
            body["startDate"] = format_date(start_at)

    def _agree_headers(self, case: Any, body: dict[str, Any]) -> None:
        """Every report header that is present carries its body field; absent fields lose their header."""
        headers = case.headers
        names = HEADER_FIELDS if case.path == SESSIONS else (*HEADER_FIELDS[:3], *FILTER_FIELDS)
        for name in names:
            value = body.get(name)
            if value is not None:  # D8: null means absent
                if name in headers or name == "accountNumber":
                    headers[name] = header_text(value)
            elif name in headers:
                del headers[name]
        headers["imei"] = body["imei"] if case.path == SESSIONS else str(device_count(body["imei"]))
        case.headers = headers

    def _fix_callbacks(self, case: Any) -> None:
        if isinstance(case.query, dict) and "accountNumber" in case.query:
            case.query = {**case.query, "accountNumber": self.account}
        if case.method == "POST" and isinstance(case.body, dict) and self.callback_url:
            # One named listener on the suite's own receiver: random URLs would send the target's
            # deliveries out of the test machine.
            case.body = {**case.body, "name": "contract-suite", "url": self.callback_url}


def install(schema: Any, semantics: Semantics) -> None:
    """Register the hooks on one schema (not globally, so other schemas in the process stay untouched)."""

    def map_case(context: Any, case: Any) -> Any:
        return semantics.fix(case)

    # Cases of the examples phase come from the spec's examples and skip the map hooks.
    def before_add_examples(context: Any, examples: list[Any]) -> None:
        for case in examples:
            semantics.fix(case)

    schema.hook(map_case)
    schema.hook(before_add_examples)
