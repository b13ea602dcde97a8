"""The roll-ups of totals and the month files on an object store (a local S3 server,
tests/s3server.py; real processes): cleanup merges the months before the raw rows into one
object per month and roll-up, compact rebuilds the totals a day lacks, and the reports on
``s3://`` equal those of the same store in a local folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from conftest import NOW, SAMPLE_DATA
from s3server import S3Server

pytest.importorskip("moto")
SALT = b"the-same-salt-for-both-stores\n"
END = "2026-11-20T21:00:00Z"
TOTALS = ("rollup_play_totals", "rollup_event_totals")


def playlog(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "playlog", *args], capture_output=True,
                          text=True, env={**os.environ, "PLAYLOG_NOW": NOW}, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def answers(data: str) -> dict:
    return {name: json.loads(playlog(*cmd, "--data", data, "--format", "json"))
            for name, cmd in {"report": ["report", "--days", "45", "--until", "2026-11-21"],
                              "raw": ["report", "--from", "2026-11-03T10:07:00Z",
                                      "--to", "2026-11-18T16:52:00Z"],
                              "top": ["top-tracks", "--days", "40"]}.items()}


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The same 45 days (from 2026-10-07) ingested into a local folder and an s3:// prefix,
    then cleaned up keeping raw rows 20 days: October is roll-ups only."""
    server = S3Server.start()
    saved = {k: os.environ.get(k) for k in server.env()}
    os.environ.update(server.env())
    try:
        base = tmp_path_factory.mktemp("s3months")
        subprocess.run([sys.executable, os.path.join(SAMPLE_DATA, "generate.py"), "--out",
                        str(base / "logs"), "--days", "45", "--end", END, "--records", "6000",
                        "--single-file", "--no-bad-lines"], check=True, capture_output=True)
        server.bucket("months")
        lake = f"s3://months/{uuid.uuid4().hex[:8]}"
        server.client().put_object(Bucket="months", Key=f"{lake[len('s3://months/'):]}/state/salt",
                                   Body=SALT)
        local = base / "data"
        (local / "state").mkdir(parents=True)
        (local / "state" / "salt").write_bytes(SALT)
        for data in (lake, str(local)):
            playlog("ingest", str(base / "logs"), "--data", data)
            playlog("cleanup", "--data", data, "--older-than", "20d")
        yield server, lake, str(local)
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def keys(server: S3Server, url: str, dataset: str) -> list[str]:
    bucket, _, prefix = url[len("s3://"):].partition("/")
    pages = server.client().get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{prefix}/{dataset}/")
    return sorted(o["Key"][len(prefix) + 1:] for page in pages for o in page.get("Contents", []))


def test_months_before_the_raw_rows_are_one_object_each_on_s3(stores):
    server, lake, local = stores
    for name in ("rollup_plays", "rollup_users", "rollup_events", *TOTALS):
        october = [k for k in keys(server, lake, name) if k.startswith(f"{name}/date=2026-10")]
        assert [k.split("/")[1] for k in october] == ["date=2026-10-01"], name
        assert len([k for k in keys(server, lake, name) if "date=2026-11-" in k]) > 15
    assert answers(lake) == answers(local)


def test_compact_on_s3_builds_the_totals_a_day_lacks(stores):
    server, lake, local = stores
    bucket, _, prefix = lake[len("s3://"):].partition("/")
    lacking = [k for name in TOTALS for k in keys(server, lake, name)
               if "/date=2026-11-10/" in k]
    assert lacking
    for key in lacking:  # a day written before the totals existed
        server.client().delete_object(Bucket=bucket, Key=f"{prefix}/{key}")
    done = json.loads(playlog("compact", "--data", lake, "--format", "json"))
    assert ["2026-11-10"] == [a["day"] for a in done["actions"] if a["action"] == "rollup"]
    for name in TOTALS:
        assert [k for k in keys(server, lake, name) if "/date=2026-11-10/" in k], name
    assert answers(lake) == answers(local)
