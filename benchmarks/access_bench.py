"""Access-log ingest against GoAccess and a bare DuckDB parse of the same file.

    python benchmarks/access_bench.py                    # 2 million lines
    python benchmarks/access_bench.py --lines 500000 --scaling

Generates a combined (nginx) log of N lines once (sample_data/weblog.py: pages,
assets, crawlers, scanners' 404s, IPv6 clients, `-` sizes, requests that are not
HTTP; cached under --work), then, in the same run and each in a fresh process:

- goaccess: ``goaccess LOG --log-format=COMBINED -o report.json`` (GoAccess
  1.7, its in-memory store; skipped when goaccess is not installed);
- duckdb: a bare parse with DuckDB's CSV reader into day-partitioned Parquet
  (``COPY (SELECT … FROM read_csv(LOG, delim ' ', quote '"', escape '\\'))
  TO … (PARTITION_BY (date))``) — split, time typed, written; nothing else;
- playlog: ``playlog ingest LOG`` — detect, parse, type, enrich (user agents,
  GeoIP, sources), visitor keys, de-duplicate, write, roll up, commit;
- with --scaling, playlog on a quarter of the file: peak memory should not
  grow with the input;
- ``playlog traffic --days 7`` on the store playlog wrote, best of five runs.

Prints lines/s, CPU seconds (user + system of all threads: what the run cost even
when other processes share the machine), peak RSS and the ratios to GoAccess and
to the DuckDB parse, then playlog's stage seconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "sample_data"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ingest_bench import head, run_measured
from weblog import write_access_log

END = "2026-11-21T00:00:00Z"  # the generated week is 2026-11-14 .. 2026-11-20, UTC

# DuckDB's CSV reader on the combined format: space-separated, quoted fields with
# backslash escapes; the time is split in two ("[20/Nov/2026:18:04:05", "+0100]").
BARE = """
import duckdb
con = duckdb.connect(config={{"memory_limit": "1GB"}})
con.execute("SET TimeZone = 'UTC'")
con.execute(r\"\"\"COPY (
    SELECT client_ip, ident, remote_user, ts, request, status, bytes, referrer, user_agent,
           CAST(ts AS DATE) AS date
    FROM (SELECT *, strptime(ltrim(t1, '[') || ' ' || rtrim(t2, ']'), '%d/%b/%Y:%H:%M:%S %z')
                        AS ts
          FROM read_csv('{log}', delim = ' ', quote = '"', escape = '\\', header = false,
                        strict_mode = false, ignore_errors = true, null_padding = true,
                        columns = {{'client_ip': 'VARCHAR', 'ident': 'VARCHAR',
                                   'remote_user': 'VARCHAR', 't1': 'VARCHAR', 't2': 'VARCHAR',
                                   'request': 'VARCHAR', 'status': 'INTEGER',
                                   'bytes': 'VARCHAR', 'referrer': 'VARCHAR',
                                   'user_agent': 'VARCHAR'}})))
    TO '{out}' (FORMAT parquet, PARTITION_BY (date))\"\"\")
print(con.sql("SELECT count(*) FROM read_parquet('{out}/*/*.parquet')").fetchall()[0][0])
"""


def generate(work: Path, lines: int) -> Path:
    log = work / f"access-{lines}.log"
    if not log.exists():
        print(f"generating about {lines:,} lines in {log} …", flush=True)
        write_access_log(log, lines)
    return log


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))


def traffic_seconds(data: Path) -> float:
    """Best wall time of five ``playlog traffic --days 7`` runs, each in a fresh process,
    measured inside the process (the query, not the interpreter's start)."""
    code = ("import time, sys; from playlog.config import load_settings;"
            "from playlog.query.traffic import traffic;"
            "from playlog.query.window import resolve_window;"
            "from playlog.store.reader import connect;"
            f"w = resolve_window(days=7, until='{END}', tz='UTC');"
            f"t = time.perf_counter(); traffic(connect('{data}'), w);"
            "print(time.perf_counter() - t)")
    times = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                  text=True).stdout) for _ in range(5)]
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/playlog-access-bench"))
    parser.add_argument("--scaling", action="store_true", help="also on a quarter of the file")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    log = generate(args.work, args.lines)
    lines = count_lines(log)
    print(f"input: {log} — {lines:,} lines, {log.stat().st_size / 1e6:,.0f} MB")

    rows: list[tuple[str, int, float, float, float]] = []
    goaccess = shutil.which("goaccess")
    if goaccess:
        secs, rss, cpu, _ = run_measured([goaccess, str(log), "--log-format=COMBINED",
                                          "--no-global-config", "--no-progress", "-o",
                                          str(args.work / "goaccess.json")])
        rows.append(("goaccess", lines, secs, rss, cpu))
    out = args.work / "bare-out"
    shutil.rmtree(out, ignore_errors=True)
    secs, rss, cpu, _ = run_measured([sys.executable, "-c", BARE.format(log=log, out=out)])
    rows.append(("duckdb CSV parse to Parquet", lines, secs, rss, cpu))

    stages = {}

    def playlog(label: str, path: Path, count: int) -> Path:
        data = args.work / ("store" if "quarter" not in label else "store-quarter")
        shutil.rmtree(data, ignore_errors=True)
        secs, rss, cpu, text = run_measured(
            [sys.executable, "-m", "playlog", "ingest", str(path), "--data", str(data),
             "--format", "json", "--no-progress"])
        summary = json.loads(text)
        rows.append((label, count, secs, rss, cpu))
        stages[label] = summary
        return data

    store = playlog("playlog ingest", log, lines)
    if args.scaling:
        quarter = head(log, 0.25)
        playlog("playlog ingest (first quarter)", quarter, count_lines(quarter))

    speed = {label: count / secs for label, count, secs, _, _ in rows}
    print(f"\n{'run':32} {'lines':>11} {'seconds':>8} {'lines/s':>10} {'CPU s':>7} "
          f"{'peak MiB':>9} {'vs goaccess':>11} {'vs duckdb':>9}")
    for label, count, secs, rss, cpu in rows:
        vs_goaccess = f"{speed[label] / speed['goaccess']:.1f}x" if goaccess else "—"
        vs_duckdb = f"{speed[label] / speed['duckdb CSV parse to Parquet']:.2f}x"
        print(f"{label:32} {count:>11,} {secs:>8.2f} {speed[label]:>10,.0f} {cpu:>7.1f} "
              f"{rss:>9,.0f} {vs_goaccess:>11} {vs_duckdb:>9}")
    for label, summary in stages.items():
        parts = ", ".join(f"{k} {v:.2f}" for k, v in summary.get("stage_seconds", {}).items())
        print(f"\n{label}: {summary['requests']:,} requests, {summary['quarantined']:,} "
              f"quarantined; stages (s): {parts}")
    print(f"\nplaylog traffic --days 7 (best of 5, in process): {traffic_seconds(store):.3f} s "
          "(target < 0.5 s)")


if __name__ == "__main__":
    main()
