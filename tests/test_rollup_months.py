"""Cleanup merges the roll-ups of months before the raw rows into one file per month and
roll-up; reports read them as they read the day files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import NOW

from playlog.query.run import ReportOptions, run_report
from playlog.schema import ROLLUP_DATASETS
from playlog.store.reader import connect

ROOT = Path(__file__).resolve().parent.parent
END = "2026-11-20T21:00:00Z"


def playlog(*args: str) -> str:
    # The module's store is made before the per-test clock is pinned: pin it here.
    env = {**os.environ, "PLAYLOG_NOW": NOW}
    return subprocess.run([sys.executable, "-m", "playlog", *args], check=True,
                          capture_output=True, text=True, env=env).stdout


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    """70 days of data; raw rows kept from 2026-11-01 (so September and October are
    roll-ups only, merged by month)."""
    base = tmp_path_factory.mktemp("months")
    subprocess.run([sys.executable, str(ROOT / "sample_data" / "generate.py"), "--out",
                    str(base / "logs"), "--days", "70", "--end", END, "--records", "20000",
                    "--single-file", "--no-bad-lines"], check=True, capture_output=True)
    data = base / "data"
    playlog("ingest", str(base / "logs"), "--data", str(data), "--no-progress", "--format", "json")
    playlog("cleanup", "--data", str(data), "--older-than", "20d", "--format", "json")
    return data


def split_months(data: Path) -> None:
    """Each merged month file written back as one file per day (as before the merge)."""
    for name in ROLLUP_DATASETS:
        for path in sorted((data / name).glob("date=*-01/*.parquet")):
            table = pq.read_table(path)
            days = pc.cast(table.column("hour"), "date32")
            for day in pc.unique(days).to_pylist():
                folder = data / name / f"date={day}"
                folder.mkdir(exist_ok=True)
                pq.write_table(table.filter(pc.equal(days, day)), folder / "part-day.parquet")
            path.unlink()


def answer(data: Path, kind: str, options: dict, item: str | None) -> dict:
    """The answer as JSON, floats to 9 digits (sums in another order differ in the last)."""
    found = run_report(connect(data), kind, ReportOptions(**options), item)
    return json.loads(json.dumps(found, default=str), parse_float=lambda x: round(float(x), 9))


def test_months_before_the_raw_rows_are_one_file_each(cleaned):
    for name in ("rollup_plays", "rollup_users", "rollup_events", "rollup_sketches",
                 "rollup_play_totals", "rollup_event_totals"):
        old = [p for p in (cleaned / name).glob("date=*/*.parquet") if p.parent.name < "date=2026-11"]
        assert sorted(p.parent.name for p in old) == ["date=2026-09-01", "date=2026-10-01"], name
    assert len(list((cleaned / "rollup_plays").glob("date=2026-11-*/*.parquet"))) > 15
    again = json.loads(playlog("compact", "--data", str(cleaned), "--format", "json"))
    assert not [a for a in again["actions"] if a["dataset"].startswith("rollup")]


@pytest.mark.parametrize("kind,options", [
    ("report", {"days": 70, "until": "2026-11-21"}),
    ("report", {"from_": "2026-09-20T13:20:00Z", "to": "2026-10-09T04:00:00Z", "tz": "Asia/Kolkata"}),
    ("report", {"from_": "2026-10-20", "to": "2026-11-05", "tz": "Europe/Paris"}),
    ("top-tracks", {"days": 60, "until": "2026-11-10", "by": "listeners"}),
    ("top-events", {"from_": "2026-10-02", "to": "2026-10-31"}),
    ("track", {"days": 70, "until": "2026-11-21"}),
])
def test_merged_months_answer_as_their_days(cleaned, tmp_path, kind, options):
    days = tmp_path / "days"
    shutil.copytree(cleaned, days)
    split_months(days)
    item = "t0000" if kind == "track" else None
    merged = answer(cleaned, kind, options, item)
    assert merged == answer(days, kind, options, item)
    assert merged["notes"]  # answered from the roll-ups
