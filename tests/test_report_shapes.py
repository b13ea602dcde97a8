"""One name per quantity across commands; every JSON answer carries its window, written in
the report's zone; the partial first and last days of plays_by_day are marked."""

from __future__ import annotations

import json

import pytest
from sample import T, build_sample
from typer.testing import CliRunner

from playlog.cli.app import app

WEEK = ("--days", "7", "--until", T)
TRACK_KEYS = ("total_plays", "unique_listeners", "total_duration_played_ms",
              "average_completion_rate", "skip_rate")
EVENT_KEYS = ("total_views", "total_unique_views", "total_clicks", "total_shares",
              "total_favorites", "total_ticket_clicks", "total_external_clicks")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return str(build_sample(tmp_path_factory.mktemp("sample")))


def answer(data, *args: str, fmt: str = "json"):
    result = CliRunner().invoke(app, [*args, "--data", data, "--format", fmt])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if fmt == "json" else result.stdout


def test_ranked_tracks_use_the_names_of_the_track_report(data):
    ranked = answer(data, "top-tracks", *WEEK)["top_tracks"]
    assert ranked
    for row in ranked[:3]:
        track = answer(data, "track", row["track_id"], *WEEK)
        for key in TRACK_KEYS:
            assert row[key] == track[key], (row["track_id"], key)


def test_ranked_events_use_the_names_of_the_event_report(data):
    for row in answer(data, "top-events", *WEEK)["top_events"]:
        page = answer(data, "event", row["event_id"], *WEEK)
        for key in EVENT_KEYS:
            assert row[key] == page[key], (row["event_id"], key)


def test_the_report_uses_the_same_names(data):
    report = answer(data, "report", *WEEK)
    assert set(report["totals"]) == {*TRACK_KEYS, "error_rate"}
    assert set(report["events"]) == set(EVENT_KEYS)
    assert report["top_tracks"] == answer(data, "top-tracks", *WEEK)["top_tracks"]
    user = report["top_users"][0]
    alone = answer(data, "user", user["user_id"], *WEEK)
    for key in ("total_listening_time_ms", "tracks_played", "unique_tracks"):
        assert user[key] == alone[key], key
    periods = answer(data, "event", "e1", "--period", "week", *WEEK)["periods"]
    assert set(EVENT_KEYS) <= set(periods[0])


@pytest.mark.parametrize("args", [
    ("track", "t1"), ("user", "u1"), ("event", "e1"), ("event", "e1", "--period", "day"),
    ("top-tracks",), ("top-events",), ("report",), ("realtime",),
])
def test_every_answer_carries_its_window(data, args):
    window = answer(data, *args, "--until", T)["window"]
    assert set(window) == {"from", "to", "tz"} and window["to"] == T
    assert window["tz"] == "UTC"


def test_the_window_is_written_in_the_report_zone(data):
    report = answer(data, "report", "--from", "2026-11-14", "--to", "2026-11-21",
                    "--tz", "europe/paris")
    assert report["window"] == {"from": "2026-11-14T00:00:00+01:00",
                                "to": "2026-11-21T00:00:00+01:00", "tz": "Europe/Paris"}
    assert report["previous_window"]["from"] == "2026-11-07T00:00:00+01:00"
    table = answer(data, "report", "--from", "2026-11-14", "--to", "2026-11-21",
                   "--tz", "Europe/Paris", fmt="table")
    assert "2026-11-14 00:00+01:00" in table and "2026-11-13 23:00" not in table
    now = answer(data, "realtime", "--at", T, "--tz", "Asia/Kolkata")
    assert now["window"]["to"] == "2026-11-20T23:30:00+05:30"


def test_partial_days_are_marked(data):
    week = answer(data, "report", *WEEK)  # 2026-11-13 18:00 to 2026-11-20 18:00 UTC
    assert next(iter(week["plays_by_day"])) == "2026-11-13"
    assert week["partial_days"] == ["2026-11-13", "2026-11-20"]
    whole = answer(data, "report", "--from", "2026-11-14", "--to", "2026-11-21")
    assert whole["partial_days"] == []
    track = answer(data, "track", "t1", *WEEK, "--tz", "Europe/Paris")
    assert track["partial_days"] == ["2026-11-13", "2026-11-20"]
    table = answer(data, "report", *WEEK, fmt="table")
    assert "2026-11-13*" in table and "2026-11-20*" in table
    assert "* 2026-11-13: from 18:00 only" in table and "* 2026-11-20: until 18:00 only" in table
