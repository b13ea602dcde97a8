"""Music charts with rank movement, breakdowns, recent plays, event-page engagement and
demographics on hand-made stores (every figure below is counted by hand)."""

from __future__ import annotations

import json

import pytest
from storebuild import event, session, store, write_event_catalog
from test_filters import CATALOG
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.query.run import ReportOptions, run_report
from playlog.store.reader import connect

WEEK = {"from_": "2026-11-16", "to": "2026-11-23"}
SESSIONS = [
    # This week: tB 3 plays (Yann), tA 2 + tC 2 (Xavier: 4), tD 1 (not in the catalog).
    *(session(f"b{n}", f"2026-11-1{6 + n} 08:00", 2, track_id="tB", user_id=f"u{n}")
      for n in range(3)),
    session("a1", "2026-11-17 09:00", 3, track_id="tA"),
    session("a2", "2026-11-18 09:00", 3, track_id="tA", user_id="u2"),
    session("c1", "2026-11-19 09:00", 1, track_id="tC"),
    session("c2", "2026-11-20 09:00", 1, track_id="tC", platform="mobile"),
    session("d1", "2026-11-22 23:00", 1, track_id="tD", skip_reason="user_skip"),
    # The week before: tA 3 plays, tD 2, tB 1 (Xavier 3, Yann 1).
    *(session(f"p{n}", f"2026-11-1{n} 08:00", 3, track_id="tA") for n in range(3)),
    session("q1", "2026-11-12 08:00", 1, track_id="tD"),
    session("q2", "2026-11-13 08:00", 1, track_id="tD"),
    session("q3", "2026-11-14 08:00", 1, track_id="tB"),
]
EVENTS = [
    # visit v1 on eA: view, click, ticket click (30 s on the page)
    event("eA", "view", "2026-11-17 10:00", session_id="v1", time_on_page_ms=30_000,
          age_group="25-34", gender="f"),
    event("eA", "click", "2026-11-17 10:01", session_id="v1"),
    event("eA", "ticket_click", "2026-11-17 10:02", session_id="v1"),
    # v2 on eA: view, click (10 s)
    event("eA", "view", "2026-11-18 10:00", session_id="v2", time_on_page_ms=10_000,
          age_group="25-34", gender="m"),
    event("eA", "click", "2026-11-18 10:01", session_id="v2"),
    # v3 and v4 on eA: a view only (bounces, 2 s each)
    event("eA", "view", "2026-11-19 10:00", session_id="v3", time_on_page_ms=2_000,
          age_group="35-44"),
    event("eA", "view", "2026-11-19 11:00", session_id="v4", time_on_page_ms=2_000),
    # v5 on eB: a view, then a ticket click without a click first
    event("eB", "view", "2026-11-20 10:00", session_id="v5", time_on_page_ms=6_000,
          gender="f"),
    event("eB", "ticket_click", "2026-11-20 10:01", session_id="v5"),
]


@pytest.fixture
def data(tmp_path):
    root = store(tmp_path, sessions=SESSIONS, events=EVENTS, catalog=CATALOG)
    write_event_catalog(root, [{"event_id": "eA", "title": "Jazz night", "date": "2026-12-01",
                                "venue": "Olympia", "url": None}])
    return root


def chart(data, kind, **options):
    return run_report(connect(data), kind, ReportOptions(**{**WEEK, **options}))


def test_top_artists_move_against_the_previous_week(data):
    rows = chart(data, "top-artists")["top_artists"]
    assert [(r["artist"], r["total_plays"], r["previous_rank"]) for r in rows] == [
        ("Xavier", 4, 1), ("Yann", 3, 2)]  # tD has no artist: left out
    tracks = chart(data, "top-tracks")["top_tracks"]
    assert [(r["track_id"], r["rank"], r["previous_rank"]) for r in tracks] == [
        ("tB", 1, 3), ("tA", 2, 1), ("tC", 3, None), ("tD", 4, 2)]


def test_top_albums_and_genres_by_listening_time(data):
    albums = chart(data, "top-albums", by="time")["top_albums"]
    assert [(r["album"], r["artist"], r["total_duration_played_ms"]) for r in albums] == [
        ("One", "Xavier", 480_000), ("Two", "Yann", 360_000)]
    genres = chart(data, "top-genres")["top_genres"]
    assert [(r["genre"], r["total_plays"]) for r in genres] == [("jazz", 4), ("rock", 3)]


def test_the_table_shows_the_movement(data):
    out = CliRunner().invoke(app, ["top-tracks", "--data", str(data), "--from", "2026-11-16",
                                   "--to", "2026-11-23", "--format", "table"]).stdout
    assert "▲2" in out and "▼1" in out and "new" in out and "▼2" in out


def test_weekly_chart_series(data):
    found = chart(data, "top-artists", from_="2026-11-09", period="week")
    weeks = found["periods"]
    assert [w["period"] for w in weeks] == ["2026-W46", "2026-W47"]
    assert [(r["artist"], r["total_plays"], r["previous_rank"]) for r in weeks[1]["top_artists"]] \
        == [("Xavier", 4, 1), ("Yann", 3, 2)]
    assert [(r["artist"], r["total_plays"]) for r in weeks[0]["top_artists"]] == [
        ("Xavier", 3), ("Yann", 1)]


def test_breakdown_of_sessions_and_event_pages(data):
    con = connect(data)
    by_platform = run_report(con, "breakdown", ReportOptions(**WEEK), "platform")
    assert [(r["platform"], r["total_plays"], r["share"]) for r in by_platform["breakdown"]] == [
        ("web", 7, 0.875), ("mobile", 1, 0.125)]
    pages = run_report(con, "breakdown", ReportOptions(**WEEK, by="bounce"), "event")
    assert [(r["event_id"], r["bounce_rate"]) for r in pages["breakdown"]] == [
        ("eA", 0.5), ("eB", 0.0)]
    limited = run_report(con, "breakdown", ReportOptions(**WEEK, limit=1), "platform")
    assert len(limited["breakdown"]) == 1 and limited["totals"]["total_plays"] == 8


def test_recent_lists_the_last_plays(data):
    rows = chart(data, "recent", limit=3)["plays"]
    assert [(r["track_id"], r["title"], r["artist"]) for r in rows] == [
        ("tD", None, None), ("tC", "C", "Xavier"), ("tC", "C", "Xavier")]
    assert rows[0]["skip_reason"] == "user_skip" and rows[1]["platform"] == "mobile"
    assert rows[1]["completion"] == pytest.approx(60_000 / 180_000)


def test_funnel_bounce_and_time_on_page(data):
    report = chart(data, "report")
    engagement = report["engagement"]
    # 5 viewing sessions; v3 and v4 bounce; v1, v2 click; v1 goes on to a ticket click
    # (v5's ticket click had no click before it: it is not a step of the funnel)
    assert engagement["bounce_rate"] == pytest.approx(2 / 5)
    assert engagement["avg_time_on_page_seconds"] == pytest.approx(50 / 5)
    assert engagement["funnel"] == {
        "viewing_sessions": 5, "clicking_sessions": 2, "ticket_sessions": 1,
        "view_to_click_rate": pytest.approx(2 / 5), "click_to_ticket_rate": 0.5,
        "view_to_ticket_rate": pytest.approx(1 / 5)}
    top = chart(data, "top-events")["top_events"]
    assert (top[0]["event_id"], top[0]["title"], top[0]["bounce_rate"]) == ("eA", "Jazz night",
                                                                             0.5)
    assert top[0]["view_to_click_rate"] == 0.5 and top[0]["click_to_ticket_rate"] == 0.5


def test_demographics_count_distinct_visitors(data):
    report = chart(data, "report")
    assert report["age_groups"] == {"25-34": 2, "unknown": 2, "35-44": 1}
    assert report["genders"] == {"f": 2, "unknown": 2, "m": 1}
    page = run_report(connect(data), "event", ReportOptions(**WEEK), "eA")
    assert page["age_groups"] == {"25-34": 2, "35-44": 1, "unknown": 1}
    assert page["title"] == "Jazz night"


def test_report_has_top_artists_and_genres(data):
    report = chart(data, "report")
    assert [r["artist"] for r in report["top_artists"]] == ["Xavier", "Yann"]
    assert [r["genre"] for r in report["top_genres"]] == ["jazz", "rock"]


def test_chart_commands_in_json_and_csv(data):
    args = ["top-genres", "--data", str(data), "--from", "2026-11-16", "--to", "2026-11-23"]
    found = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).stdout)
    assert found["top_genres"][0]["previous_rank"] == 1
    csv = CliRunner().invoke(app, [*args, "--format", "csv"]).stdout.splitlines()
    assert csv[0].startswith("rank,genre,") and "previous_rank" in csv[0] and len(csv) == 3
