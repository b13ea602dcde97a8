"""Roll-ups: their cost at ingest, and a year-long report from them against raw rows.

    python benchmarks/rollup_bench.py                 # 365 days, about 1.5 million records
    python benchmarks/rollup_bench.py --records 300000

Generates a year of native records (cached under --work), ingests them once and
reports the share of the run spent rebuilding roll-ups (``stage_seconds``). Then,
in the same run, times ``playlog report --days 365`` (best of --repeat, each a
fresh process) on the store as ingested — answered from raw rows — and on a copy
cleaned with ``playlog cleanup --older-than 1d`` — answered from roll-ups — and
prints both, their ratio, peak memory, and the disk used by raw rows and roll-ups.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_bench import run_measured  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
END = "2026-11-20T21:30:00+00:00"
UNTIL = "2026-11-21"
ROLLUPS = ("rollup_plays", "rollup_users", "rollup_events", "rollup_sketches")
RAW = ("sessions", "events", "progress")


def playlog(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playlog", *args], capture_output=True, text=True,
                          check=True)


def timed(args: list[str], repeat: int) -> tuple[float, float, dict]:
    """(best seconds, peak RSS MiB, parsed JSON) of a command, each run a fresh process."""
    best, peak, out = float("inf"), 0.0, {}
    for _ in range(repeat):
        seconds, rss, _cpu, text = run_measured([sys.executable, "-m", "playlog", *args])
        best, peak, out = min(best, seconds), max(peak, rss), json.loads(text)
    return best, peak, out


def size(data: Path, names: tuple[str, ...]) -> int:
    return sum(p.stat().st_size for n in names for p in (data / n).glob("date=*/*.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_500_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/playlog-rollup-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logs = args.work / f"logs-{args.records}"
    if not (logs / "stream.jsonl").exists():
        print(f"generating about {args.records:,} records over 365 days …", flush=True)
        subprocess.run([sys.executable, str(ROOT / "sample_data" / "generate.py"), "--records",
                        str(args.records), "--days", "365", "--end", END, "--out", str(logs),
                        "--single-file", "--no-bad-lines"], check=True, capture_output=True)
    raw = args.work / "store-raw"
    shutil.rmtree(raw, ignore_errors=True)
    ingest_s, _rss, ingest_cpu, text = run_measured(
        [sys.executable, "-m", "playlog", "ingest", str(logs), "--data", str(raw), "--format",
         "json", "--no-progress"])
    summary = json.loads(text)
    stages = summary["stage_seconds"]
    rollup_share = stages["rollups"] / (sum(stages.values()) - stages["rollups"])
    print(f"ingest: {summary['records']:,} records in {ingest_s:.1f} s ({ingest_cpu:.1f} CPU s); "
          f"stages {stages}; roll-ups add {rollup_share:.1%} to the rest of the run")

    cleaned = args.work / "store-cleaned"
    shutil.rmtree(cleaned, ignore_errors=True)
    shutil.copytree(raw, cleaned)
    playlog("cleanup", "--data", str(cleaned), "--older-than", "1d", "--format", "json")

    report = ["report", "--days", "365", "--until", UNTIL, "--format", "json"]
    raw_s, raw_rss, raw_out = timed([*report, "--data", str(raw)], args.repeat)
    roll_s, roll_rss, roll_out = timed([*report, "--data", str(cleaned)], args.repeat)
    same = raw_out["totals"]["total_plays"] == roll_out["totals"]["total_plays"]
    listeners = (raw_out["totals"]["unique_listeners"], roll_out["totals"]["unique_listeners"])
    print(f"\n{'report --days 365':34} {'seconds':>8} {'peak MiB':>9}")
    print(f"{'from raw rows':34} {raw_s:>8.2f} {raw_rss:>9,.0f}")
    print(f"{'from roll-ups (after cleanup)':34} {roll_s:>8.2f} {roll_rss:>9,.0f}")
    print(f"roll-ups / raw: {roll_s / raw_s:.2f}; plays equal: {same}; unique listeners "
          f"raw {listeners[0]:,} vs estimate {listeners[1]:,} "
          f"({abs(listeners[1] - listeners[0]) / max(listeners[0], 1):.2%} apart)")
    print(f"disk: raw rows {size(raw, RAW) / 1e6:,.1f} MB, roll-ups {size(raw, ROLLUPS) / 1e6:,.1f} MB "
          f"for {summary['records']:,} records")


if __name__ == "__main__":
    main()
