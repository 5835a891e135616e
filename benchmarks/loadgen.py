"""Latency of sequential requests: `wrk -t1 -c1` when it is installed, else a plain httpx loop."""

from __future__ import annotations

import time

import httpx

from benchmarks import wrk
from benchmarks.stats import PERCENTILES, curve, percentile


def sequential_latencies_ms(
    origin: str, payloads: list[wrk.Payload], *, seconds: float, use_wrk: bool
) -> tuple[str, list[float]]:
    """(how it was measured, latencies in ms) of one connection sending the payloads in turn."""
    if use_wrk:
        result = wrk.run(origin, payloads, threads=1, connections=1, seconds=seconds)
        return f"wrk -t1 -c1 -d{max(1, round(seconds))}s", wrk.curve_ms(result)
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=origin, timeout=30) as http:
        index = 0
        while time.monotonic() < deadline:
            payload = payloads[index % len(payloads)]
            index += 1
            began = time.perf_counter()
            response = http.post(payload.path, content=payload.body, headers=payload.headers)
            latencies.append(1e3 * (time.perf_counter() - began))
            if response.status_code != 200:
                raise RuntimeError(f"{payload.path} answered {response.status_code}: {response.text[:300]}")
    return f"httpx, 1 connection, {seconds:g}s (wrk not used; client time included)", curve(latencies)


def concurrent_load(origin: str, payload: wrk.Payload, *, connections: int, seconds: float) -> wrk.WrkResult:
    """`wrk -cN` in plain asyncio + httpx, for machines without wrk: the client, not the server, is its limit."""
    import asyncio

    async def load() -> tuple[int, list[float], float]:
        latencies: list[float] = []
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(base_url=origin, timeout=30, limits=limits) as http:
            began = time.perf_counter()
            deadline = time.monotonic() + seconds

            async def connection() -> None:
                while time.monotonic() < deadline:
                    sent = time.perf_counter()
                    response = await http.post(payload.path, content=payload.body, headers=payload.headers)
                    latencies.append(1e3 * (time.perf_counter() - sent))
                    if response.status_code != 200:
                        raise RuntimeError(f"{payload.path} answered {response.status_code}: {response.text[:300]}")

            await asyncio.gather(*(connection() for _ in range(connections)))
            return len(latencies), latencies, time.perf_counter() - began

    count, latencies, elapsed = asyncio.run(load())
    return wrk.WrkResult(
        requests=count,
        seconds=elapsed,
        status_errors=0,
        socket_errors=0,
        percentiles_ms={q: percentile(latencies, q) for q in PERCENTILES},
    )
