"""Load test of `playlog serve`: wrk against the write API, then the check that every
acknowledged record is stored once.

    apt-get install -y wrk
    python benchmarks/serve_bench.py                        # granian, 64 connections, 20 s
    python benchmarks/serve_bench.py --server uvicorn       # the same app on uvicorn
    python benchmarks/serve_bench.py --read-store /work/benchstore/10m   # + warm reads

Three phases, each `wrk -c 64 -d 20s --latency` with a Lua script that counts
the 2xx answers: single events (``POST /api/events/{id}/analytics/track``),
sessions (start, progress, end in turn) and batches of 500 native records
(``POST /api/analytics/records``, every record unique). Then serve is stopped,
``playlog ingest <data>/incoming`` runs, and the stored rows are counted:
events + progress rows + quarantined must equal the acknowledged records of
those kinds, with nothing quarantined or duplicated. With --read-store, serve
runs over that store and times ``GET /api/analytics/report?days=7`` cold and
warm (the same query again).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx

COUNT = """
ok = 0
local threads = {}
local made = 0
function setup(thread)
  made = made + 1
  thread:set("id", made .. "x" .. os.time())  -- every thread its own ids (unique records)
  table.insert(threads, thread)
end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("ok") end
  io.write(string.format("OK2XX %d\\n", total))
end
"""

EVENTS = COUNT + """
local n = 0
request = function()
  n = n + 1
  local body = '{"event_type":"view","session_id":"w' .. id .. '-' .. n .. '"}'
  return wrk.format("POST", "/api/events/e" .. (n % 50) .. "/analytics/track",
                    {["Content-Type"] = "application/json"}, body)
end
"""

SESSIONS = COUNT + """
local n = 0
request = function()
  n = n + 1
  local k = n % 3
  local sid = "s" .. id .. "-" .. math.floor(n / 3)
  if k == 0 then
    return wrk.format("POST", "/api/analytics/session/start",
      {["Content-Type"] = "application/json"},
      '{"trackId":"t' .. (n % 100) .. '","quality":"high"}')
  elseif k == 1 then
    return wrk.format("PUT", "/api/analytics/session/" .. sid .. "/progress",
      {["Content-Type"] = "application/json"}, '{"position":' .. n .. ',"bufferHealth":80}')
  end
  return wrk.format("POST", "/api/analytics/session/" .. sid .. "/end",
    {["Content-Type"] = "application/json"}, '{"position":' .. n .. ',"skipReason":"user_skip"}')
end
"""

BATCH = COUNT + """
local n = 0
request = function()
  n = n + 1
  local parts = {}
  for i = 1, 500 do
    parts[i] = '{"type":"event","ts":"2026-11-20T12:00:00.000Z","event_id":"e' .. (i % 50) ..
      '","event_type":"click","session_id":"b' .. id .. '-' .. n .. '-' .. i .. '"}'
  end
  return wrk.format("POST", "/api/analytics/records",
                    {["Content-Type"] = "application/json"}, "[" .. table.concat(parts, ",") .. "]")
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(server: str, data: Path, port: int) -> tuple[subprocess.Popen, float]:
    env = {**os.environ, "PLAYLOG_DATA": str(data)}
    started = time.perf_counter()
    argv = [sys.executable, "-m", "playlog", "serve", "--data", str(data), "--port", str(port),
            "--ingest-every", "0", "--no-cleanup", "--server", server]
    proc = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
            return proc, time.perf_counter() - started
        except httpx.TransportError:
            if proc.poll() is not None:
                raise SystemExit(f"serve did not start: {proc.stderr.read()}") from None
            time.sleep(0.02)


def wrk(port: int, script: str, connections: int, seconds: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
                          "--latency", "--timeout", "10s", "-s", fh.name,
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True).stdout
    os.unlink(fh.name)

    def ms(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: (.*)", out)
    return {"requests": total, "ok": int(re.search(r"OK2XX (\d+)", out).group(1)),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": ms("50"), "p99_ms": ms("99"),
            "socket_errors": errors.group(1) if errors else "none"}


def cpu_seconds() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def write_phases(server: str, connections: int, seconds: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="playlog-serve-bench-"))
    port = free_port()
    proc, startup = start(server, data, port)
    print(f"{server}: up in {startup:.2f} s (process start to first answer)")
    acked = {}
    sys.stdout.flush()
    for name, script, per in (("events", EVENTS, 1), ("sessions", SESSIONS, 1),
                              ("batches of 500", BATCH, 500)):
        cpu = cpu_seconds()
        result = wrk(port, script, connections, seconds)
        records = result["ok"] * per
        acked[name] = (result["ok"], records)
        print(f"  {name:15} {result['rps']:>9,.0f} req/s  {records / seconds:>10,.0f} records/s  "
              f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms  "
              f"2xx {result['ok']:,}/{result['requests']:,}  socket errors: "
              f"{result['socket_errors']}  (wrk CPU {cpu_seconds() - cpu:.1f} s)", flush=True)
    proc.terminate()
    proc.wait(30)
    check(data, acked, connections)
    shutil.rmtree(data)


def check(data: Path, acked: dict[str, tuple[int, int]], connections: int) -> None:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "playlog", "ingest", str(data / "incoming"),
                          "--data", str(data), "--format", "json"], capture_output=True, text=True)
    summary = json.loads(run.stdout)
    con = duckdb.connect()

    def rows(dataset: str) -> int:
        if not (data / dataset).is_dir():
            return 0
        return con.execute(f"SELECT count(*) FROM read_parquet('{data}/{dataset}/*/*.parquet')"
                           ).fetchone()[0]

    sessions_ok = acked["sessions"][1]
    expected_events = acked["events"][1] + acked["batches of 500"][1]
    events, progress = rows("events"), rows("progress")
    total = sum(n for _, n in acked.values())
    print(f"  ingest: {summary['records']:,} lines in {time.perf_counter() - started:.1f} s; "
          f"quarantined {summary['quarantined']}, duplicates {summary['duplicates']}")
    # Requests still in flight when wrk stops were written but their answers not counted:
    # at most one per connection and phase.
    slack = connections * (2 + 500)
    extra = summary["records"] - total
    ok = 0 <= extra <= slack and events >= expected_events and summary["duplicates"] == 0
    print(f"  stored: events {events:,} (acknowledged {expected_events:,}), progress "
          f"{progress:,}; lines read {summary['records']:,}, acknowledged {total:,} "
          f"(+{extra:,} written while wrk stopped, bound {slack:,}): {'OK' if ok else 'MISMATCH'}")
    print(f"  lost {max(-extra, 0)}, duplicated {summary['duplicates']}, session calls "
          f"acknowledged {sessions_ok:,}")


def reads(server: str, store: Path, repeat: int) -> None:
    port = free_port()
    proc, startup = start(server, store, port)
    url = f"http://127.0.0.1:{port}/api/analytics/report?days=7&until=2026-11-21"
    times = []
    with httpx.Client(timeout=120) as client:
        for _ in range(repeat + 1):
            began = time.perf_counter()
            answer = client.get(url)
            times.append(time.perf_counter() - began)
            assert answer.status_code == 200, answer.text
    proc.terminate()
    proc.wait(30)
    warm = sorted(times[1:])
    print(f"report?days=7 on {store}: cold {times[0] * 1000:.0f} ms, warm best "
          f"{warm[0] * 1000:.1f} ms, warm median {warm[len(warm) // 2] * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="granian")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--read-store", type=Path, default=None)
    parser.add_argument("--no-writes", action="store_true")
    args = parser.parse_args()
    if not args.no_writes:
        write_phases(args.server, args.connections, args.seconds)
    if args.read_store:
        reads(args.server, args.read_store, 10)


if __name__ == "__main__":
    main()
