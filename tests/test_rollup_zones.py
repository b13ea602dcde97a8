"""Roll-ups answer in any time zone as the raw rows do.

India (+05:30) and Nepal (+05:45) split UTC hours: roll-ups kept per quarter
hour still put every session in its local hour and day.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from logs import run, write_log
from test_retention import NOW, traffic
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.config import load_settings
from playlog.retention import cleanup

WINDOW = ("--from", "2026-11-11", "--to", "2026-11-21")
SHAPES = ("plays_by_day", "plays_by_hour", "plays_by_weekday_hour")


@pytest.fixture
def store(tmp_path):
    data = tmp_path / "data"
    run(write_log(tmp_path / "logs" / "all.jsonl", traffic(per_day=150)), data)
    return data


def answer(data, *args: str, fmt: str = "json"):
    result = CliRunner().invoke(app, [*args, "--data", str(data), "--format", fmt])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if fmt == "json" else result.stdout


def expire(data) -> None:
    cleanup(load_settings(data=data), older_than=timedelta(days=4), now=NOW)


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"])
def test_quarter_hour_zones_give_the_raw_answer_after_cleanup(store, zone):
    raw = answer(store, "report", *WINDOW, "--tz", zone)
    track = answer(store, "track", "t3", *WINDOW, "--tz", zone)
    periods = answer(store, "event", "ev1", "--period", "hour", *WINDOW, "--tz", zone)
    expire(store)
    rolled = answer(store, "report", *WINDOW, "--tz", zone)
    for key in SHAPES:
        assert rolled[key] == raw[key], key
    assert rolled["totals"]["plays"] == raw["totals"]["plays"]
    assert answer(store, "track", "t3", *WINDOW, "--tz", zone)["plays_by_hour"] == \
        track["plays_by_hour"]
    after = answer(store, "event", "ev1", "--period", "hour", *WINDOW, "--tz", zone)
    assert [(p["period"], p["views"]) for p in after] == \
        [(p["period"], p["views"]) for p in periods]
