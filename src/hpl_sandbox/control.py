"""The routes of the /_sandbox/ control plane: reset, seed, devices, journal, deliveries, jobs, clock
and forced responses. It exists only in the sandbox, needs no credentials, and speaks JSON. The
routes keep no state: each reads and changes the `Sandbox` of its app (runtime.py)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hpl_sandbox.clock import parse_rfc3339_ms, to_rfc3339
from hpl_sandbox.errors import bad_request
from hpl_sandbox.facts import CONTROL_PREFIX
from hpl_sandbox.forced import Forced
from hpl_sandbox.runtime import Sandbox

MAX_SEED_DEVICES = 100_000
MAX_SEED_DAYS = 3660


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


routes = [
    Route(f"{CONTROL_PREFIX}/reset", reset, methods=["POST"]),
    Route(f"{CONTROL_PREFIX}/seed", seed, methods=["POST"]),
    Route(f"{CONTROL_PREFIX}/devices", devices, methods=["GET"]),
    Route(f"{CONTROL_PREFIX}/journal", journal, methods=["GET", "DELETE"]),
    Route(f"{CONTROL_PREFIX}/deliveries", deliveries, methods=["GET"]),
    Route(f"{CONTROL_PREFIX}/jobs", jobs, methods=["GET"]),
    Route(f"{CONTROL_PREFIX}/clock", clock, methods=["GET", "POST"]),
    Route(f"{CONTROL_PREFIX}/force", force, methods=["GET", "POST", "DELETE"]),
]
