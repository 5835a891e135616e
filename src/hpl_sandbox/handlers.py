"""The handler table: for each operationId of the spec, the function that applies the operation's
rules (reports.py, listeners.py) to a call that passed authentication, account binding and the
spec's schemas, and answers (status, JSON body). `create_app` refuses to start when this table and
the spec do not name the same operations (app.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hpl_sandbox import listeners, reports
from hpl_sandbox.errors import ApiError
from hpl_sandbox.jobs import IdempotencyKey, body_digest
from hpl_sandbox.runtime import Sandbox
from hpl_sandbox.validation import Operation

IDEMPOTENCY_KEY = "Idempotency-Key"
NOT_IN_BODY = frozenset({"X-Portal-Initiated", IDEMPOTENCY_KEY})


@dataclass(frozen=True)
class Call:
    """A call that passed auth, binding and schema validation."""

    operation: Operation
    account: str
    params: dict[str, Any]
    body: Any
    now_ms: int

    @property
    def report_headers(self) -> list[str]:
        """The headers that copy a body field (D2); the other two are not in the body."""
        return [p.name for p in self.operation.parameters if p.location == "header" and p.name not in NOT_IN_BODY]


async def _sessions(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    body = reports.normalized_body(call.body)
    report = reports.sessions_report(sandbox.store, call.account, call.params, body, call.report_headers, call.now_ms)
    return 200, report


async def _aggregate(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    limit = reports.SYNC_DEVICE_LIMIT
    body = reports.normalized_aggregate_body(call.body)
    query = reports.aggregate_query(call.account, call.params, body, call.report_headers, call.now_ms, limit)
    return 200, reports.aggregate_report(reports.run_aggregate(sandbox.store, query, limit))


async def _async_aggregate(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    limit = reports.ASYNC_DEVICE_LIMIT
    body = reports.normalized_aggregate_body(call.body)
    query = reports.aggregate_query(call.account, call.params, body, call.report_headers, call.now_ms, limit)
    if query.imeis is None:
        reports.run_aggregate(sandbox.store, query, limit)

    def require_listener() -> None:
        if not listeners.has_listener(sandbox.store, call.account):
            raise ApiError(409, "No callback listener registered")

    key = call.params.get(IDEMPOTENCY_KEY)
    # The body as sent decides "the same body" (D8), so a retry matches however it is spelled.
    idempotency = None if key is None else IdempotencyKey(key, body_digest(call.body))
    txid = sandbox.jobs.submit(
        reports.fresh_txid(),
        query,
        bool(call.params.get("X-Portal-Initiated", False)),
        call.now_ms,
        idempotency,
        require_listener,
    )
    return 200, {"txid": txid, "status": "QUEUED"}


async def _list_listeners(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    return 200, listeners.list_listeners(sandbox.store, call.account)


async def _register(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    return 200, listeners.register(sandbox.store, call.account, call.body["name"], call.body["url"])


async def _deregister(sandbox: Sandbox, call: Call) -> tuple[int, Any]:
    return 200, listeners.deregister(sandbox.store, call.account, call.params["service"])


Handler = Callable[[Sandbox, "Call"], Awaitable[tuple[int, Any]]]

HANDLERS: dict[str, Handler] = {
    "getSessionsReport": _sessions,
    "calculateAggregatedReportSynchronous": _aggregate,
    "calculateAggregatedReportAsynchronous": _async_aggregate,
    "listRegisteredCallbacks": _list_listeners,
    "registerCallback": _register,
    "deregisterCallback": _deregister,
}
