"""Forced answers queued by `POST /_sandbox/force`: what they are, where they wait (the `forced`
table, so every process serving the file takes from one queue) and the response each one makes.
The routes that queue them are in control.py."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response

from hpl_sandbox.errors import ApiError, default_code
from hpl_sandbox.store import Store

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

    async def answer(self, operation_id: str) -> Response | None:
        """The forced answer of this call, if one is queued; a forced 200 only adds its latency."""
        forced = self.take(operation_id)
        if forced is None:
            return None
        if forced.latency_ms:
            await asyncio.sleep(forced.latency_ms / 1000)
        return None if forced.status == 200 else forced.response(operation_id)
