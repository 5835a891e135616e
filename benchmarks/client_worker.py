"""One client under measurement, in its own process: `python -m benchmarks.client_worker KIND CONFIG_JSON`.

The runner starts one worker per client and feeds them rounds in turn over stdin (a line `N`:
make N calls), so every client is measured side by side in the same minutes. Each round answers
one JSON line: the process CPU time and wall time of the N calls and each call's latency. The
vendor SDK's worker runs under its own venv, so this file imports only the standard library at
module level and each client's package inside its factory.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

Call = Callable[[], None]


def _raw_httpx(cfg: dict[str, Any]) -> Call:
    import httpx

    client = httpx.Client(base_url=cfg["base_url"])
    body = json.dumps(cfg["body"], separators=(",", ":")).encode()
    headers = cfg["headers"]

    def call() -> None:
        response = client.post("/report/aggregate", content=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"raw httpx: {response.status_code} {response.text[:200]}")
        response.json()

    return call


def _generated(cfg: dict[str, Any]) -> Call:
    from hpl_client import AuthenticatedClient
    from hpl_client.api.device_reports import calculate_aggregated_report_synchronous as operation
    from hpl_client.models import AggregateSessionReport, AggregateSessionReportRequest

    headers = cfg["headers"]
    client = AuthenticatedClient(
        base_url=cfg["base_url"], token=cfg["access_token"], headers={"VZ-M2M-Token": cfg["session_token"]}
    )
    body = AggregateSessionReportRequest.from_dict(cfg["body"])

    def call() -> None:
        report = operation.sync(
            client=client,
            body=body,
            account_number=headers["accountNumber"],
            imei=headers["imei"],
            start_date=headers["startDate"],
            end_date=headers["endDate"],
        )
        if not isinstance(report, AggregateSessionReport):
            raise RuntimeError(f"generated client: {report!r}")

    return call


def _hpl(cfg: dict[str, Any]) -> Call:
    import datetime as dt

    import hpl

    client = hpl.Client(cfg["base_url"], access_token=cfg["access_token"], session_token=cfg["session_token"])
    body = cfg["body"]
    start = dt.datetime.fromisoformat(body["startDate"])
    end = dt.datetime.fromisoformat(body["endDate"])

    def call() -> None:
        client.aggregate(account_number=body["accountNumber"], imeis=body["imei"], start_date=start, end_date=end)

    return call


def _batch(cfg: dict[str, Any], *, concurrency: int, use_async: bool) -> Call:
    import asyncio
    import datetime as dt

    import hpl

    imeis, account = cfg["batch_imeis"], cfg["body"]["accountNumber"]
    start = dt.datetime.fromisoformat(cfg["body"]["startDate"])
    end = dt.datetime.fromisoformat(cfg["body"]["endDate"])
    tokens = {"access_token": cfg["access_token"], "session_token": cfg["session_token"]}

    def check(report: Any) -> None:
        answered = len(report.usage or []) + len(report.errors or [])
        if answered != len(imeis):
            raise RuntimeError(f"batch aggregate answered {answered} of {len(imeis)} devices")

    if not use_async:
        client = hpl.Client(cfg["base_url"], concurrency=concurrency, **tokens)

        def call() -> None:
            check(client.aggregate(account_number=account, imeis=imeis, start_date=start, end_date=end))

        return call

    loop = asyncio.new_event_loop()
    async_client = hpl.AsyncClient(cfg["base_url"], concurrency=concurrency, **tokens)

    def call_async() -> None:
        report = async_client.aggregate(account_number=account, imeis=imeis, start_date=start, end_date=end)
        check(loop.run_until_complete(report))

    return call_async


def _vendor(cfg: dict[str, Any]) -> Call:
    # The SDK lives in its own venv only (tools/vendor_sdk.py), where this worker runs it.
    from verizon.http.auth.thingspace_oauth import ThingspaceOauthCredentials
    from verizon.http.auth.vz_m2m_token import VZM2mTokenCredentials
    from verizon.models.aggregate_session_report_request import AggregateSessionReportRequest
    from verizon.models.oauth_token import OauthToken
    from verizon.verizon_client import VerizonClient

    from tools.vendor_sdk import sandbox_configuration

    base_url = cfg["base_url"]
    token = OauthToken(access_token=cfg["access_token"], token_type="bearer", expiry=int(time.time()) + 86400)
    config = sandbox_configuration(
        base_url.removesuffix("/api/hyper-precise/v1"),
        thingspace_oauth_credentials=ThingspaceOauthCredentials(
            oauth_client_id="unused", oauth_client_secret="unused", oauth_token=token
        ),
        vz_m2m_token_credentials=VZM2mTokenCredentials(vz_m2m_token=cfg["session_token"]),
    )
    reports = VerizonClient(config=config).device_reports
    body = cfg["body"]
    request = AggregateSessionReportRequest(
        account_number=body["accountNumber"],
        imei=body["imei"],
        start_date=body["startDate"],
        end_date=body["endDate"],
    )

    def call() -> None:
        response = reports.calculate_aggregated_report_synchronous(request)
        if response.status_code != 200:
            raise RuntimeError(f"vendor SDK: {response.status_code} {response.text[:200]}")

    return call


FACTORIES: dict[str, Callable[[dict[str, Any]], Call]] = {
    "raw-httpx": _raw_httpx,
    "generated": _generated,
    "hpl": _hpl,
    "vendor-sdk": _vendor,
    "batch-sequential": lambda cfg: _batch(cfg, concurrency=1, use_async=False),
    "batch-threads": lambda cfg: _batch(cfg, concurrency=cfg["concurrency"], use_async=False),
    "batch-asyncio": lambda cfg: _batch(cfg, concurrency=cfg["concurrency"], use_async=True),
}


def main() -> None:
    kind, cfg = sys.argv[1], json.loads(sys.argv[2])
    call = FACTORIES[kind](cfg)
    for _ in range(cfg.get("warmup", 50)):
        call()
    print(json.dumps({"ready": kind}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        n = int(line)
        latencies = []
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            began = time.perf_counter()
            call()
            latencies.append(time.perf_counter() - began)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"cpu": cpu, "wall": wall, "latencies": latencies, "peak_kib": peak_kib}), flush=True)


if __name__ == "__main__":
    main()
