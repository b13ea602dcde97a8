"""The roll-ups of totals and the month files on an object store (a local S3 server,
tests/s3server.py; real processes): cleanup merges the months before the raw rows into one
object per month and roll-up, compact rebuilds the totals a day lacks, and the reports on
``s3://`` equal those of the same store in a local folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import NOW, SAMPLE_DATA
from s3server import answers, playlog

pytest.importorskip("moto")
SALT = b"the-same-salt-for-both-stores\n"
END = "2026-11-20T21:00:00Z"
TOTALS = ("rollup_play_totals", "rollup_event_totals")
REPORTS = {"report": ["report", "--days", "45", "--until", "2026-11-21"],
           "raw": ["report", "--from", "2026-11-03T10:07:00Z", "--to", "2026-11-18T16:52:00Z"],
           "top": ["top-tracks", "--days", "40"]}


@pytest.fixture(scope="module")
def stores(s3_server, tmp_path_factory):
    """The same 45 days (from 2026-10-07) ingested into a local folder and an s3:// prefix,
    then cleaned up keeping raw rows 20 days: October is roll-ups only."""
    base = tmp_path_factory.mktemp("s3months")
    subprocess.run([sys.executable, os.path.join(SAMPLE_DATA, "generate.py"), "--out",
                    str(base / "logs"), "--days", "45", "--end", END, "--records", "6000",
                    "--single-file", "--no-bad-lines"], check=True, capture_output=True)
    lake = s3_server.lake("months")
    s3_server.put(lake, "state/salt", SALT)
    local = base / "data"
    (local / "state").mkdir(parents=True)
    (local / "state" / "salt").write_bytes(SALT)
    env = {**s3_server.env(), "PLAYLOG_NOW": NOW}
    for data in (lake, str(local)):
        playlog("ingest", str(base / "logs"), "--data", data, env=env)
        playlog("cleanup", "--data", data, "--older-than", "20d", env=env)
    return lake, str(local)


def test_months_before_the_raw_rows_are_one_object_each_on_s3(s3, stores):
    lake, local = stores
    for name in ("rollup_plays", "rollup_users", "rollup_events", *TOTALS):
        october = [k for k in s3.keys(lake, name) if k.startswith(f"{name}/date=2026-10")]
        assert [k.split("/")[1] for k in october] == ["date=2026-10-01"], name
        assert len([k for k in s3.keys(lake, name) if "date=2026-11-" in k]) > 15
    assert answers(lake, REPORTS) == answers(local, REPORTS)


def test_compact_on_s3_builds_the_totals_a_day_lacks(s3, stores):
    lake, local = stores
    lacking = [k for name in TOTALS for k in s3.keys(lake, name) if "/date=2026-11-10/" in k]
    assert lacking
    for key in lacking:  # a day written before the totals existed
        s3.delete(lake, key)
    done = json.loads(playlog("compact", "--data", lake, "--format", "json").stdout)
    assert ["2026-11-10"] == [a["day"] for a in done["actions"] if a["action"] == "rollup"]
    for name in TOTALS:
        assert [k for k in s3.keys(lake, name) if "/date=2026-11-10/" in k], name
    assert answers(lake, REPORTS) == answers(local, REPORTS)
