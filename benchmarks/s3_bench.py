"""Ingest and ``report --days 7`` on local disk vs a local S3 server, same records.

    python benchmarks/s3_bench.py                  # 2 million records
    python benchmarks/s3_bench.py --records 200000

Generates N native records once (benchmarks/ingest_bench.py's generator, cached
under --work), starts a local S3-compatible server (moto, tests/s3server.py) and,
each in a fresh process, runs in the same run:

- ``playlog ingest FILE --data DIR`` (the baseline: a local folder) and
  ``--data s3://bench/…``;
- ``playlog report --days 7`` on each store.

Prints wall and CPU seconds (of the playlog process; the server's own CPU is
printed apart), records/s, the ratio to the local run, and the store's size and
object count (for the per-million-record figures of docs/scale.md). A local S3
server has no network latency: the ratios show what the object-store code path
costs (requests, copies at commit), not a real service's round trips.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from ingest_bench import generate, run_measured
from s3server import S3Server

NOW = "2026-11-21T00:00:00Z"


def server_cpu(server: S3Server) -> float:
    with open(f"/proc/{server.process.pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def size_of(server: S3Server, url: str) -> tuple[int, int]:
    bucket, _, prefix = url[len("s3://"):].partition("/")
    pages = server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                       Prefix=prefix + "/")
    objects = [o for page in pages for o in page.get("Contents", [])]
    return sum(o["Size"] for o in objects), len(objects)


def local_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "playlog-bench")
    args = parser.parse_args()
    log = generate(args.work, args.records)
    with log.open("rb") as fh:
        records = sum(1 for _ in fh)  # the generator's count is approximate
    playlog = [sys.executable, "-m", "playlog"]
    server = S3Server.start()
    os.environ.update(server.env())
    os.environ["PLAYLOG_NOW"] = NOW
    try:
        server.bucket("bench")
        local = args.work / f"store-local-{uuid.uuid4().hex[:6]}"
        remote = f"s3://bench/{uuid.uuid4().hex[:6]}"
        rows = []
        for name, data in (("local disk", str(local)), ("local S3 server", remote)):
            before = server_cpu(server)
            ingest = run_measured([*playlog, "ingest", str(log), "--data", data, "--no-enrich"])
            ingest_server = server_cpu(server) - before
            before = server_cpu(server)
            report = run_measured([*playlog, "report", "--days", "7", "--data", data,
                                   "--format", "json"])
            report_server = server_cpu(server) - before
            size = local_size(local) if name == "local disk" else size_of(server, remote)
            rows.append((name, ingest, ingest_server, report, report_server, size))
        base_ingest, base_report = rows[0][1][0], rows[0][3][0]
        print(f"\n{records:,} records, {log.stat().st_size / 2**20:,.0f} MiB of log")
        print(f"{'store':<16} {'ingest s':>9} {'cpu s':>7} {'rec/s':>9} {'x':>5} "
              f"{'server cpu':>10} | {'report s':>8} {'cpu s':>6} {'x':>5} {'server cpu':>10} "
              f"| {'MiB':>6} {'objects':>7}")
        for name, ing, ing_srv, rep, rep_srv, (size, count) in rows:
            print(f"{name:<16} {ing[0]:>9.1f} {ing[2]:>7.1f} {records / ing[0]:>9,.0f} "
                  f"{ing[0] / base_ingest:>5.2f} {ing_srv:>10.1f} | {rep[0]:>8.2f} {rep[2]:>6.1f} "
                  f"{rep[0] / base_report:>5.2f} {rep_srv:>10.1f} | {size / 2**20:>6.1f} "
                  f"{count:>7}")
    finally:
        server.stop()
        time.sleep(0.1)


if __name__ == "__main__":
    main()
