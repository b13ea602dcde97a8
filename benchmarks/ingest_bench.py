"""Ingest throughput and memory against a bare DuckDB copy of the same file.

    python benchmarks/ingest_bench.py                     # 2 million records
    python benchmarks/ingest_bench.py --records 500000 --scaling
    python benchmarks/ingest_bench.py --sizes 500000 2000000 8000000   # the scaling table

Generates N native records once (cached under --work), then, in the same run and
each in a fresh process:

- baseline: DuckDB ``COPY (SELECT *, date FROM read_json(…)) TO … (FORMAT parquet,
  PARTITION_BY (date))`` — parse and write, nothing else;
- playlog: ``playlog ingest FILE`` — parse, validate, quarantine, enrich,
  sessionize, de-duplicate, ledger, atomic commit;
- with --variants, playlog again without enrichment (``--no-enrich``), to show
  what enrichment costs (target: full enrichment within 1.3x of ``--no-enrich``);
- with --scaling, playlog on a quarter of the file, to show that peak memory
  does not grow with the input;
- with --sizes, the baseline and playlog on a generated file of each size, and a
  table of how seconds, CPU seconds and peak memory grow with the records
  (docs/performance.md, "Scaling").

Prints seconds, records/s, peak RSS and the ratio to the baseline, then each
playlog run's ``stage_seconds`` (read, sessions, rollups, commit) and the share of
the run spent maintaining roll-ups (target: at most 20 %).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_measured(cmd: list[str]) -> tuple[float, float, float, str]:
    """(wall seconds, peak RSS MiB, CPU seconds, stdout) of `cmd`, from its own rusage
    read by a small wrapper process."""
    wrapper = (
        "import resource, subprocess, sys, time, json;"
        "t = time.perf_counter();"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "s = time.perf_counter() - t;"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "sys.stderr.write(p.stderr);"
        "print(json.dumps({'seconds': s, 'rss': u.ru_maxrss / 1024, 'cpu': u.ru_utime + u.ru_stime,"
        " 'code': p.returncode, 'out': p.stdout}))"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    result = json.loads(proc.stdout)
    if result["code"]:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
    return result["seconds"], result["rss"], result["cpu"], result["out"]


def generate(work: Path, records: int) -> Path:
    out = work / f"data-{records}"
    log = out / "stream.jsonl"
    if not log.exists():
        print(f"generating about {records:,} records in {out} …", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "sample_data" / "generate.py"), "--records", str(records),
             "--out", str(out), "--single-file", "--agents", "5000", "--ips", "200000",
             "--days", "10", "--no-bad-lines"],
            check=True,
        )
    return log


def head(log: Path, fraction: float) -> Path:
    part = log.with_name(f"head-{fraction}.jsonl")
    if not part.exists():
        size = int(log.stat().st_size * fraction)
        with log.open("rb") as src, part.open("wb") as dst:
            dst.write(src.read(size))
            dst.write(src.readline())
    return part


COLUMNS = {
    "type": "VARCHAR", "ts": "TIMESTAMPTZ", "session_id": "VARCHAR", "track_id": "VARCHAR",
    "user_id": "VARCHAR", "client_ip": "VARCHAR", "user_agent": "VARCHAR", "quality": "VARCHAR",
    "platform": "VARCHAR", "referrer": "VARCHAR", "skip_reason": "VARCHAR", "event_id": "VARCHAR",
    "event_type": "VARCHAR", "page_url": "VARCHAR", "duration_played_ms": "BIGINT",
    "total_duration_ms": "BIGINT", "buffer_health": "DOUBLE", "bytes_sent": "BIGINT",
    "time_on_page_ms": "BIGINT", "metadata": "JSON",
}

# The records have different fields by type, so the columns are given (as playlog knows them).
BARE = """
import duckdb
con = duckdb.connect(config={{"memory_limit": "1GB"}})
con.execute("SET TimeZone = 'UTC'")
con.execute(\"\"\"COPY (SELECT *, CAST(ts AS DATE) AS date
    FROM read_json('{log}', format = 'newline_delimited', columns = {columns}))
    TO '{out}' (FORMAT parquet, PARTITION_BY (date))\"\"\")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/playlog-bench"))
    parser.add_argument("--variants", action="store_true", help="also without enrichment")
    parser.add_argument("--scaling", action="store_true", help="also on a quarter of the file")
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="the scaling table: baseline and playlog at each size")
    args = parser.parse_args()
    if args.sizes:
        scaling(args.work, args.sizes)
        return
    log = generate(args.work, args.records)
    lines = sum(1 for _ in log.open("rb"))
    size_mb = log.stat().st_size / 1e6
    print(f"input: {log} — {lines:,} records, {size_mb:,.0f} MB")

    rows = []
    stages: list[tuple[str, float, dict[str, float]]] = []
    out = args.work / "bare-out"
    shutil.rmtree(out, ignore_errors=True)
    secs, rss, cpu, _ = run_measured(
        [sys.executable, "-c", BARE.format(log=log, out=out, columns=COLUMNS)]
    )
    rows.append(("duckdb COPY (baseline)", lines, secs, rss, cpu, ""))
    base = secs

    def playlog(label: str, path: Path, count: int, *extra: str) -> None:
        data = args.work / "store"
        shutil.rmtree(data, ignore_errors=True)
        cmd = [sys.executable, "-m", "playlog", "ingest", str(path), "--data", str(data),
               "--format", "json", "--no-progress", *extra]
        secs, rss, cpu, out_text = run_measured(cmd)
        summary = json.loads(out_text)
        rows.append((label, count, secs, rss, cpu, f"{summary['sessions']:,} sessions"))
        stages.append((label, summary["seconds"], summary.get("stage_seconds", {})))

    playlog("playlog ingest", log, lines)
    if args.variants:
        playlog("playlog ingest --no-enrich", log, lines, "--no-enrich")
    if args.scaling:
        quarter = head(log, 0.25)
        playlog("playlog ingest (first quarter)", quarter, sum(1 for _ in quarter.open("rb")))

    # CPU seconds (user + system, all threads) say how much work a run did even
    # when other processes share the machine and stretch the wall time.
    print(f"\n{'run':34} {'records':>11} {'seconds':>8} {'records/s':>11} {'peak MiB':>9} "
          f"{'CPU s':>7} {'x baseline':>10}")
    for label, count, secs, rss, cpu, note in rows:
        ratio = "" if "quarter" in label else f"{secs / base:.2f}"
        print(f"{label:34} {count:>11,} {secs:>8.2f} {count / secs:>11,.0f} {rss:>9,.0f} "
              f"{cpu:>7.1f} {ratio:>10}  {note}")

    print(f"\n{'stages (s, in-process)':34} {'read':>8} {'sessions':>8} {'rollups':>8} "
          f"{'commit':>8} {'total':>8} {'rollups %':>9}")
    for label, total, st in stages:
        share = 100 * st.get("rollups", 0.0) / total if total else 0.0
        print(f"{label:34} " + " ".join(f"{st.get(k, 0.0):>8.2f}" for k in
              ("read", "sessions", "rollups", "commit")) + f" {total:>8.2f} {share:>8.1f}%")
    if args.variants:
        full = next(row for row in rows if row[0] == "playlog ingest")
        bare = next(row for row in rows if row[0].endswith("--no-enrich"))
        print(f"\nenrichment: {full[2] / bare[2]:.2f}x the run without it in seconds, "
              f"{full[4] / bare[4]:.2f}x in CPU seconds (target <= 1.3x)")


def bare_copy(log: Path, out: Path) -> tuple[float, float, float]:
    shutil.rmtree(out, ignore_errors=True)
    secs, rss, cpu, _ = run_measured(
        [sys.executable, "-c", BARE.format(log=log, out=out, columns=COLUMNS)])
    return secs, rss, cpu


def scaling(work: Path, sizes: list[int]) -> None:
    """Each size's file through the bare copy and playlog, in one run; how cost grows."""
    rows = []
    for size in sizes:
        log = generate(work, size)
        lines = sum(1 for _ in log.open("rb"))
        base = bare_copy(log, work / "bare-out")
        data = work / "store"
        shutil.rmtree(data, ignore_errors=True)
        secs, rss, cpu, _ = run_measured(
            [sys.executable, "-m", "playlog", "ingest", str(log), "--data", str(data),
             "--format", "json", "--no-progress"])
        rows.append((lines, log.stat().st_size / 1e6, secs, cpu, rss, base))
        print(f"{lines:,} records: playlog {secs:.1f} s ({cpu:.1f} CPU s, {rss:,.0f} MiB), "
              f"bare copy {base[0]:.1f} s ({base[2]:.1f} CPU s)", flush=True)
    print(f"\n{'records':>11} {'MB':>7} {'seconds':>8} {'CPU s':>7} {'peak MiB':>9} "
          f"{'µs/record':>10} {'CPU µs/rec':>10} {'x bare (wall)':>13} {'x bare (CPU)':>12}")
    for lines, mb, secs, cpu, rss, (bsecs, _brss, bcpu) in rows:
        print(f"{lines:>11,} {mb:>7,.0f} {secs:>8.1f} {cpu:>7.1f} {rss:>9,.0f} "
              f"{1e6 * secs / lines:>10.1f} {1e6 * cpu / lines:>10.1f} {secs / bsecs:>13.2f} "
              f"{cpu / bcpu:>12.2f}")


if __name__ == "__main__":
    main()
