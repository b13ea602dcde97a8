"""The report commands through the CLI: exit statuses, messages, formats, help."""

from __future__ import annotations

import json

import pytest
from sample import T, build_sample
from typer.testing import CliRunner

from playlog.cli.app import app

REPORTS = ["track", "user", "event", "top-tracks", "top-events", "realtime", "report"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return str(build_sample(tmp_path_factory.mktemp("sample")))


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_piped_output_defaults_to_json(data):
    result = run("track", "t1", "--data", data, "--until", T)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["track_id"] == "t1"


def test_json_has_exactly_the_spec_keys(data):
    track = json.loads(run("track", "t1", "--data", data, "--until", T).stdout)
    assert list(track) == [
        "track_id", "title", "artist", "total_plays", "unique_listeners",
        "total_duration_played_ms", "average_completion_rate", "peak_concurrent_listeners",
        "plays_by_hour", "plays_by_day", "skip_rate", "quality_distribution",
        "geographic_distribution", "platform_distribution", "virality_score",
        "peak_listening_hour", "window", "filters", "partial_days", "notes",
    ]
    now = json.loads(run("realtime", "--data", data, "--at", T).stdout)
    assert set(now) == {
        "current_listeners", "streams_started_last_hour", "bytes_served_last_hour",
        "top_tracks_now", "geographic_activity", "quality_distribution_now",
        "error_rate_percentage", "average_buffer_health", "live_visitors", "views_last_hour",
        "live_pages", "window", "filters", "notes",
    }
    assert now["current_listeners"] == 4


def test_unknown_id_is_one_line_and_status_1(data):
    result = run("track", "t7", "--data", data)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("playlog: error: no track 't7'")
    assert "did you mean t1" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args, option",
    [
        (["report", "--from", "2026-02-30"], "--from"),
        (["report", "--tz", "Nowhere/City"], "--tz"),
        (["report", "--days", "3", "--from", "2026-11-01"], "--days"),
        (["realtime", "--at", "noon"], "--until"),
    ],
)
def test_malformed_window_is_a_usage_error(data, args, option):
    result = run(*args, "--data", data)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"playlog: error: {option}:")


def test_empty_window_says_where_the_data_is(data):
    result = run("report", "--data", data, "--from", "2026-01-01", "--to", "2026-01-08",
                 "--format", "table")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "no plays between 2026-01-01T00:00:00Z and 2026-01-08T00:00:00Z; "
        "the data spans 2026-11-14 to 2026-11-20 (UTC days)"
    )


def test_empty_window_in_json_is_zeros(data):
    result = run("top-tracks", "--data", data, "--from", "2026-01-01", "--to", "2026-01-08")
    assert json.loads(result.stdout) == {
        "window": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z", "tz": "UTC"},
        "filters": [], "top_tracks": [], "notes": []}
    csv = run("top-tracks", "--data", data, "--from", "2026-01-01", "--to", "2026-01-08",
              "--format", "csv")
    assert csv.stdout.startswith("rank,track_id,title,artist,total_plays")


def test_empty_store_message(tmp_path):
    (tmp_path / "state").mkdir()  # a store no session reached yet
    result = run("top-tracks", "--data", tmp_path, "--format", "table")
    assert "holds no sessions yet" in result.stdout


def test_include_bots(data):
    plain = json.loads(run("track", "t1", "--data", data, "--until", T).stdout)
    bots = json.loads(run("track", "t1", "--data", data, "--until", T, "--include-bots").stdout)
    assert bots["total_plays"] == plain["total_plays"] + 1


def test_tz_from_the_environment(data, monkeypatch):
    monkeypatch.setenv("PLAYLOG_TZ", "Asia/Tokyo")
    hours = json.loads(run("track", "t1", "--data", data, "--until", T).stdout)["plays_by_hour"]
    utc = json.loads(run("track", "t1", "--data", data, "--until", T, "--tz", "UTC").stdout)
    assert hours["9"] == utc["plays_by_hour"]["0"]  # UTC+9


@pytest.mark.parametrize("name", REPORTS)
def test_help_has_examples(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout and f"playlog {name}" in result.stdout


def test_realtime_follow_needs_watch(data):
    result = run("realtime", "--data", data, "--follow", data)
    assert result.exit_code == 2 and "--follow" in result.stderr


def test_installed_command_runs(data):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "playlog", "top-tracks", "--data", data, "--until", T, "-n", "2"],
        capture_output=True, text=True, check=True,
    )
    assert [r["rank"] for r in json.loads(out.stdout)["top_tracks"]] == [1, 2]


def test_watch_rereads_the_store_each_refresh(tmp_path, monkeypatch):
    """--watch prints one object per refresh (JSON when piped) until interrupted."""
    import playlog.cli.live as live
    from storebuild import session, store

    refreshes = []

    def sleep(seconds):
        refreshes.append(seconds)
        if len(refreshes) == 1:  # a new session lands between two refreshes
            store(tmp_path, sessions=[session("late", "2026-11-20 10:00", 3, ended=False)])
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(live.time, "sleep", sleep)
    monkeypatch.setattr("playlog.query.window.now_utc", lambda: at_noon())
    (tmp_path / "state").mkdir()  # a store no session reached yet
    result = run("realtime", "--data", tmp_path, "--watch", "2", "--format", "json")
    assert result.exit_code == 0 and refreshes == [2.0, 2.0]
    first, second = _objects(result.stdout)
    assert (first["current_listeners"], second["current_listeners"]) == (0, 1)


def at_noon():
    from storebuild import at

    return at("2026-11-20 12:00")


def _objects(text):
    decoder, out, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        obj, i = decoder.raw_decode(text, i)
        out.append(obj)
    return out


def test_watch_follow_ingests_new_lines_before_each_refresh(tmp_path, monkeypatch):
    """--follow reads what the logs gained since the last refresh, then re-reads the store."""
    import playlog.cli.live as live
    from logs import session, write_log

    log = tmp_path / "live.jsonl"
    write_log(log, session("a", 0, progress=1))  # open at 12:00:30
    refreshes = []

    def sleep(seconds):
        refreshes.append(seconds)
        if len(refreshes) == 1:  # the writer appends a second listener
            write_log(log, session("b", 1, progress=1), mode="a")
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(live.time, "sleep", sleep)
    from storebuild import at

    monkeypatch.setattr("playlog.query.window.now_utc", lambda: at("2026-11-20 12:02"))
    result = run("realtime", "--data", tmp_path / "d", "--watch", "1", "--follow", log,
                 "--format", "json")
    assert result.exit_code == 0, result.output
    first, second = _objects(result.stdout)
    assert (first["current_listeners"], second["current_listeners"]) == (1, 2)
