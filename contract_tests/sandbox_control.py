"""The sandbox's control plane (`/_sandbox/`), for tests that arrange state only the sandbox offers."""

from __future__ import annotations

from typing import Any

import httpx


class SandboxControl:
    def __init__(self, origin: str) -> None:
        self._http = httpx.Client(base_url=f"{origin}/_sandbox", timeout=15.0)

    def close(self) -> None:
        self._http.close()

    def _json(self, response: httpx.Response) -> Any:
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._json(self._http.post("/reset"))

    def devices(self, account: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._json(self._http.get("/devices", params={"accountNumber": account}))
        return found

    def advance_clock(self, seconds: float) -> None:
        self._json(self._http.post("/clock", json={"advance_seconds": seconds}))

    def reset_clock(self) -> None:
        now = self._json(self._http.get("/clock"))
        self.advance_clock(-float(now["offset_seconds"]))

    def force(self, operation_id: str, status: int, times: int = 1) -> None:
        self._json(self._http.post("/force", json={"operationId": operation_id, "status": status, "times": times}))

    def clear_forced(self) -> None:
        self._http.delete("/force").raise_for_status()

    def deliveries(self, txid: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._json(self._http.get("/deliveries", params={"txid": txid}))
        return found
