"""Roll-ups answer in any time zone as the raw rows do, and say what they round.

India (+05:30) and Nepal (+05:45) split UTC hours: roll-ups kept per quarter
hour still put every session in its local hour and day. What stays approximate
(distinct counts, window edges between quarter hours, hourly roll-ups of older
stores) is said in ``notes`` and under the table.
"""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
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
    assert rolled["totals"]["total_plays"] == raw["totals"]["total_plays"]
    assert answer(store, "track", "t3", *WINDOW, "--tz", zone)["plays_by_hour"] == \
        track["plays_by_hour"]
    after = answer(store, "event", "ev1", "--period", "hour", *WINDOW, "--tz", zone)
    assert [(p["period"], p["total_views"]) for p in after["periods"]] == \
        [(p["period"], p["total_views"]) for p in periods["periods"]]


def test_an_answer_from_rollups_says_so(store):
    assert answer(store, "report", *WINDOW)["notes"] == []
    expire(store)
    notes = answer(store, "report", *WINDOW)["notes"]
    assert len(notes) == 2 and "estimates" in notes[0]
    assert notes[1].startswith("Bounce rate, the funnel and demographics count the raw records")
    table = answer(store, "report", *WINDOW, fmt="table")
    assert "Note: Answered from roll-ups" in table


def test_window_edges_between_quarter_hours_are_named(store):
    expire(store)
    found = answer(store, "top-tracks", "--from", "2026-11-12T10:07Z", "--to", "2026-11-20T09:00Z")
    assert any("the counts cover 2026-11-12T10:15:00Z to 2026-11-20T09:00:00Z" in n
               for n in found["notes"]), found["notes"]


def hourly_rollups_of_an_older_store(data, before: str = "9999") -> None:
    """Rewrite the roll-ups of the days before ``before`` as a store written before
    quarter hours were kept."""
    con = duckdb.connect()
    for name in ("rollup_plays", "rollup_users", "rollup_events", "rollup_sketches"):
        for path in (data / name).glob("date=*/*.parquet"):
            if path.parent.name.removeprefix("date=") < before:
                con.execute(f"COPY (SELECT * EXCLUDE (minute) FROM read_parquet('{path}')) "
                            f"TO '{path}' (FORMAT parquet)")


def test_hourly_rollups_of_an_older_store_are_flagged_in_odd_zones(store):
    expire(store)
    hourly_rollups_of_an_older_store(store)
    paris = answer(store, "report", *WINDOW, "--tz", "Europe/Paris")
    assert not any("whole UTC hours" in n for n in paris["notes"])
    kolkata = answer(store, "report", *WINDOW, "--tz", "Asia/Kolkata")
    assert any("whole UTC hours" in n and "UTC+05:30" in n and "30 minutes" in n
               for n in kolkata["notes"]), kolkata["notes"]
    # the window's edges (18:30 UTC) fall inside whole hours too
    assert any("count whole UTC hours: the counts cover 2026-11-11T00:30:00+05:30" in n
               for n in kolkata["notes"]), kolkata["notes"]


def test_some_hourly_days_among_quarter_hours(store):
    raw = answer(store, "report", *WINDOW, "--tz", "Asia/Kolkata")
    expire(store)
    hourly_rollups_of_an_older_store(store, before="2026-11-14")
    mixed = answer(store, "report", *WINDOW, "--tz", "Asia/Kolkata")
    assert any("whole UTC hours" in n for n in mixed["notes"])
    later = {d: n for d, n in mixed["plays_by_day"].items() if d >= "2026-11-15"}
    assert later == {d: n for d, n in raw["plays_by_day"].items() if d >= "2026-11-15"}
    utc = answer(store, "report", *WINDOW)
    assert utc["totals"]["total_plays"] == 1500  # whole hours add up in UTC
