"""`python -m benchmarks.profiling WHAT [--no-validate-responses]`: the sandbox under load, profiled.

Serves a seeded sandbox under pyinstrument, loads it with `wrk` (aggregate, sessions) or an async
aggregate of every device to a local listener (async), stops it with SIGINT and prints the call
tree: how benchmarks/findings.md was made. Needs pyinstrument and wrk (`make bench` installs both).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import bench_scale, sandbox, wrk
from benchmarks.processes import Process, fast_stack, free_port, python_server


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__)
    parser.add_argument("what", choices=["aggregate", "sessions", "async"])
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--no-validate-responses", action="store_true")
    args = parser.parse_args()
    loop, http = fast_stack()
    with tempfile.TemporaryDirectory(prefix="hpl-profile-") as scratch:
        db = Path(scratch) / "profile.db"
        bench_scale.seed(db, args.devices, 180)
        out = Path(scratch) / "profile.txt"
        port = free_port()
        argv = [str(Path(sys.executable).parent / "pyinstrument"), "--interval", "0.0005", "-o", str(out)]
        argv += ["-m", "benchmarks.serve", "sandbox", "--port", str(port), "--loop", loop, "--http", http]
        argv += ["--db", str(db)] + (["--no-validate-responses"] if args.no_validate_responses else [])
        with Process(argv, port, name="profiled-sandbox") as server:
            tokens = sandbox.login(server.origin)
            imeis = sandbox.active_imeis(server.origin)
            if args.what == "async":
                with python_server("listener", loop=loop, http=http) as listener:
                    took = bench_scale.async_aggregate(server.origin, listener.origin, args.devices)
                print(f"async aggregate of {args.devices} devices: {took:.2f} s", file=sys.stderr)
            else:
                if args.what == "aggregate":
                    body, headers = sandbox.aggregate_request(imeis[:10], tokens)
                else:
                    body, headers = sandbox.sessions_request(imeis[0], tokens)
                payload = wrk.Payload(f"{sandbox.API}/report/{args.what}", headers, json.dumps(body))
                result = wrk.run(server.origin, [payload], threads=2, connections=16, seconds=args.seconds)
                print(f"{result.rps:.0f} req/s under the profiler", file=sys.stderr)
            assert server.proc is not None
            server.proc.send_signal(signal.SIGINT)
            try:
                server.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                server.proc.kill()
        print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
