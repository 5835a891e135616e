"""The /_sandbox/ control plane: reset, seed, devices, journal, deliveries, jobs, clock and forced
responses. It exists only in the sandbox, needs no credentials, and speaks JSON."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from hpl_sandbox.clock import parse_rfc3339_ms, to_rfc3339
from hpl_sandbox.errors import ApiError, bad_request, default_code
from hpl_sandbox.store import Store

if TYPE_CHECKING:
    from hpl_sandbox.runtime import Sandbox

PREFIX = "/_sandbox"
MAX_SEED_DEVICES = 100_000
MAX_SEED_DAYS = 3660


# The body forms a forced answer can take, as stored in the `forced.gateway_html` column.
SPEC_BODY, HTML_PAGE, GATEWAY_ENVELOPE = 0, 1, 2

# Fault codes of the WSO2-style API gateway in front of ThingSpace, for the statuses it answers
# itself; 900906 is the one in the vendor SDK's example. Other statuses carry the status as code.
GATEWAY_FAULTS = {
    401: ("900901", "Invalid Credentials", "Invalid Credentials. Make sure you have given the correct access token"),
    403: (
        "900910",
        "The access token does not allow you to access the requested resource",
        "Access failure for API. The access token does not allow you to access the requested resource",
    ),
    404: (
        "900906",
        "No matching resource found in the API for the given request",
        "Access failure for API. Check the API documentation and add a proper REST resource path to the"
        " invocation URL.",
    ),
}


def gateway_body(status: int, operation_id: str) -> dict[str, Any]:
    """The gateway's error envelope `{responseCode, message, fault}` (D8) for a forced status."""
    message = f"Forced {status} for {operation_id} by the sandbox control plane"
    code, fault_message, description = GATEWAY_FAULTS.get(status, (str(status), message, message))
    return {
        "responseCode": "UNAUTHORIZED" if status == 401 else default_code(status),
        "message": fault_message,
        "fault": {"code": code, "message": fault_message, "description": description},
    }


@dataclass
class Forced:
    status: int
    latency_ms: int
    times: int
    gateway_html: bool
    gateway_envelope: bool = False

    @property
    def form(self) -> int:
        return HTML_PAGE if self.gateway_html else GATEWAY_ENVELOPE if self.gateway_envelope else SPEC_BODY

    @classmethod
    def from_row(cls, status: int, latency_ms: int, times: int, form: int) -> Forced:
        return cls(status, latency_ms, times, form == HTML_PAGE, form == GATEWAY_ENVELOPE)

    def response(self, operation_id: str) -> Response:
        if self.gateway_html:
            page = f"<html><body><h1>{self.status}</h1><p>Gateway error</p></body></html>"
            return HTMLResponse(page, status_code=self.status)
        if self.gateway_envelope:
            return JSONResponse(gateway_body(self.status, operation_id), status_code=self.status)
        return ApiError(self.status, f"Forced {self.status} for {operation_id} by the sandbox control plane").response()


class ForcedResponses:
    """Queued overrides per operationId, consumed one call at a time, kept in the database so that
    every process serving the file takes from the same queue. Which operations have any is kept
    in memory, so a call with nothing forced reads nothing."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: set[str] = set()
        self.reload()

    def reload(self) -> None:
        self._pending = {op for (op,) in self._store.query("SELECT DISTINCT operation_id FROM forced")}

    def add(self, operation_id: str, forced: Forced) -> None:
        self._store.execute(
            "INSERT INTO forced (operation_id, status, latency_ms, times, gateway_html) VALUES (?, ?, ?, ?, ?)",
            (operation_id, forced.status, forced.latency_ms, forced.times, forced.form),
        )
        self._pending.add(operation_id)

    def take(self, operation_id: str) -> Forced | None:
        if operation_id not in self._pending:
            return None
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT id, status, latency_ms, times, gateway_html FROM forced WHERE operation_id = ?"
                " ORDER BY id LIMIT 1",
                (operation_id,),
            ).fetchone()
            if row is not None:
                if row[3] <= 1:
                    db.execute("DELETE FROM forced WHERE id = ?", (row[0],))
                else:
                    db.execute("UPDATE forced SET times = times - 1 WHERE id = ?", (row[0],))
        self.reload()
        return None if row is None else Forced.from_row(row[1], row[2], row[3] - 1, row[4])

    def clear(self) -> None:
        self._store.execute("DELETE FROM forced")
        self._pending.clear()

    def pending(self) -> dict[str, list[dict[str, Any]]]:
        queues: dict[str, list[dict[str, Any]]] = {}
        for op, status, latency_ms, times, gateway_html in self._store.query(
            "SELECT operation_id, status, latency_ms, times, gateway_html FROM forced ORDER BY id"
        ):
            forced = Forced.from_row(status, latency_ms, times, gateway_html)
            queues.setdefault(op, []).append(vars(forced).copy())
        return queues


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise bad_request(f"Malformed JSON: {error}") from error
    if not isinstance(value, dict):
        raise bad_request("The body must be a JSON object")
    return value


def _int(data: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise bad_request(f"{name} must be an integer in [{low}, {high}]")
    return value


def _query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise bad_request(f"{name} must be a non-negative integer")
    return int(raw)


async def reset(request: Request) -> Response:
    _sandbox(request).reset()
    return JSONResponse({"ok": True})


async def seed(request: Request) -> Response:
    sandbox = _sandbox(request)
    data = await _json_object(request)
    devices = _int(data, "devices", sandbox.config.demo_devices, 1, MAX_SEED_DEVICES)
    days = _int(data, "days", sandbox.config.demo_days, 0, MAX_SEED_DAYS)
    seed_value = _int(data, "seed", sandbox.config.seed, 0, 2**31 - 1)
    sessions = sandbox.store.seed(sandbox.clock.now_ms(), devices, days, seed_value)
    return JSONResponse({"ok": True, "devices": devices, "days": days, "seed": seed_value, "sessions": sessions})


async def devices(request: Request) -> Response:
    account = request.query_params.get("accountNumber")
    return JSONResponse(_sandbox(request).store.devices(account))


async def journal(request: Request) -> Response:
    sandbox = _sandbox(request)
    if request.method == "DELETE":
        sandbox.journal.clear()
        return JSONResponse({"ok": True})
    return JSONResponse(sandbox.journal.entries(_query_int(request, "limit")))


async def deliveries(request: Request) -> Response:
    return JSONResponse(_sandbox(request).jobs.deliveries(request.query_params.get("txid")))


async def jobs(request: Request) -> Response:
    return JSONResponse(_sandbox(request).jobs.jobs(request.query_params.get("txid")))


def _clock_view(sandbox: Sandbox) -> dict[str, Any]:
    return {"now": to_rfc3339(sandbox.clock.now_ms()), "offset_seconds": sandbox.clock.offset_seconds}


async def clock(request: Request) -> Response:
    sandbox = _sandbox(request)
    if request.method == "POST":
        data = await _json_object(request)
        if "advance_seconds" in data:
            step = data["advance_seconds"]
            if not isinstance(step, int | float) or isinstance(step, bool) or abs(step) > 1e10:
                raise bad_request("advance_seconds must be a number")
            sandbox.state.advance_clock(step)
        elif "now" in data:
            if not isinstance(data["now"], str):
                raise bad_request("now must be an RFC 3339 date-time")
            try:
                sandbox.state.set_clock(parse_rfc3339_ms(data["now"]))
            except (ValueError, OverflowError) as error:
                raise bad_request(f"now: {error}") from error
        elif data.get("reset") is True:
            sandbox.state.reset_clock()
        else:
            raise bad_request('send {"advance_seconds": x}, {"now": "<RFC 3339>"} or {"reset": true}')
    return JSONResponse(_clock_view(sandbox))


async def force(request: Request) -> Response:
    sandbox = _sandbox(request)
    if request.method == "DELETE":
        sandbox.forced.clear()
        return JSONResponse({"ok": True})
    if request.method == "GET":
        return JSONResponse(sandbox.forced.pending())
    data = await _json_object(request)
    operation_id = data.get("operationId")
    if not isinstance(operation_id, str) or operation_id not in sandbox.operations:
        raise bad_request(f"operationId must be one of {sorted(sandbox.operations)}")
    operation = sandbox.operations[operation_id]
    status = _int(data, "status", 200, 100, 599)
    if status not in operation.statuses:
        raise bad_request(f"{operation_id} documents only {sorted(operation.statuses)}, not {status}")
    gateway_html = data.get("gateway_html", False)
    if not isinstance(gateway_html, bool):
        raise bad_request("gateway_html must be a boolean")
    gateway_envelope = data.get("gateway_envelope", False)
    if not isinstance(gateway_envelope, bool):
        raise bad_request("gateway_envelope must be a boolean")
    if gateway_html and gateway_envelope:
        raise bad_request("gateway_html and gateway_envelope exclude each other")
    forced = Forced(
        status=status,
        latency_ms=_int(data, "latency_ms", 0, 0, 600_000),
        times=_int(data, "times", 1, 1, 1_000_000),
        gateway_html=gateway_html,
        gateway_envelope=gateway_envelope,
    )
    sandbox.forced.add(operation_id, forced)
    return JSONResponse({"ok": True, "operationId": operation_id, **vars(forced)})


async def apply_forced(sandbox: Sandbox, operation_id: str) -> Response | None:
    """The forced answer of this call, if one is queued; a forced 200 only adds its latency."""
    forced = sandbox.forced.take(operation_id)
    if forced is None:
        return None
    if forced.latency_ms:
        await asyncio.sleep(forced.latency_ms / 1000)
    return None if forced.status == 200 else forced.response(operation_id)


routes = [
    Route(f"{PREFIX}/reset", reset, methods=["POST"]),
    Route(f"{PREFIX}/seed", seed, methods=["POST"]),
    Route(f"{PREFIX}/devices", devices, methods=["GET"]),
    Route(f"{PREFIX}/journal", journal, methods=["GET", "DELETE"]),
    Route(f"{PREFIX}/deliveries", deliveries, methods=["GET"]),
    Route(f"{PREFIX}/jobs", jobs, methods=["GET"]),
    Route(f"{PREFIX}/clock", clock, methods=["GET", "POST"]),
    Route(f"{PREFIX}/force", force, methods=["GET", "POST", "DELETE"]),
]
