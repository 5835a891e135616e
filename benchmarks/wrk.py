"""Running `wrk` with a generated Lua script: a fixed set of requests, JSON results from `done`."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.stats import PERCENTILES

_LUA = """
local requests = {}
local n = 0
local payloads = %(payloads)s
init = function(args)
  for _, p in ipairs(payloads) do
    n = n + 1
    requests[n] = wrk.format("POST", p.path, p.headers, p.body)
  end
end
local i = 0
request = function()
  i = i %% n + 1
  return requests[i]
end
done = function(summary, latency, requests)
  local parts = {}
  for _, p in ipairs({%(percentiles)s}) do
    parts[#parts + 1] = string.format('"%%s": %%d', tostring(p), latency:percentile(p))
  end
  io.write(string.format(
    'WRK-JSON {"requests": %%d, "duration_us": %%d, "status_errors": %%d, "socket_errors": %%d, '
    .. '"max_us": %%d, "percentiles_us": {%%s}}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency.max, table.concat(parts, ", ")))
end
"""


@dataclass(frozen=True)
class Payload:
    path: str
    headers: dict[str, str]
    body: str


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    status_errors: int
    socket_errors: int
    percentiles_ms: dict[float, float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def p(self, q: float) -> float:
        return self.percentiles_ms[q]


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for this ASCII text


def _lua_payloads(payloads: list[Payload]) -> str:
    items = []
    for p in payloads:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in p.headers.items())
        items.append(f"{{path = {_lua_string(p.path)}, headers = {{{headers}}}, body = {_lua_string(p.body)}}}")
    return "{" + ",\n".join(items) + "}"


def available() -> bool:
    return shutil.which("wrk") is not None


def run(origin: str, payloads: list[Payload], *, threads: int, connections: int, seconds: float) -> WrkResult:
    """`wrk -tT -cC -dDs` cycling through the payloads; refuses results with any failed request."""
    script = _LUA % {"payloads": _lua_payloads(payloads), "percentiles": ", ".join(f"{p:g}" for p in PERCENTILES)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        # wrk takes whole seconds only.
        duration = max(1, round(seconds))
        argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", handle.name, origin]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    finally:
        Path(handle.name).unlink()
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK-JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-1000:]} {out.stderr[-1000:]}")
    data = json.loads(line.removeprefix("WRK-JSON "))
    result = WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        status_errors=data["status_errors"],
        socket_errors=data["socket_errors"],
        percentiles_ms={float(k): v / 1000 for k, v in data["percentiles_us"].items()},
    )
    if result.status_errors or result.socket_errors:
        raise RuntimeError(
            f"wrk against {origin}: {result.status_errors} non-2xx answers and {result.socket_errors} socket errors "
            f"in {result.requests} requests"
        )
    return result


def curve_ms(result: WrkResult) -> list[float]:
    """wrk's latency distribution as a curve over PERCENTILES, in ms."""
    return [result.p(q) for q in PERCENTILES]
