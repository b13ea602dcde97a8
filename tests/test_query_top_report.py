"""Top lists and the period report on a hand-made week."""

from __future__ import annotations

import pytest
from storebuild import event, session, store

from playlog.query.report import period_report
from playlog.query.top import top_events, top_tracks
from playlog.query.window import resolve_window
from playlog.store.reader import connect

WEEK = dict(from_="2026-11-16", to="2026-11-23")

SESSIONS = [
    # tA: 3 plays, 2 listeners, 9 min.
    session("a1", "2026-11-16 08:00", 3, track_id="tA"),
    session("a2", "2026-11-17 08:00", 3, track_id="tA", skip_reason="user_skip"),
    session("a3", "2026-11-18 08:00", 3, track_id="tA", user_id="u2"),
    # tB: 2 plays, 2 listeners, 20 min.
    session("b1", "2026-11-18 09:00", 10, track_id="tB", user_id="u3", country="DE"),
    session("b2", "2026-11-19 09:00", 10, track_id="tB", user_id="u4", platform="mobile"),
    # tC: 3 plays, 3 listeners (one anonymous), 3 min.
    session("c1", "2026-11-20 21:00", 1, track_id="tC", user_id="u5"),
    session("c2", "2026-11-21 21:00", 1, track_id="tC", user_id="u6"),
    session("c3", "2026-11-22 21:00", 1, track_id="tC", user_id=None, anon_key="k7",
            skip_reason="timeout"),
    # tD: 2 plays by one listener, 2 min.
    session("d1", "2026-11-22 22:00", 1, track_id="tD", user_id="u8", quality="low"),
    session("d2", "2026-11-22 22:30", 1, track_id="tD", user_id="u8", quality="low"),
    # The previous week: 2 plays of tA by u1.
    session("p1", "2026-11-10 08:00", 3, track_id="tA"),
    session("p2", "2026-11-11 08:00", 3, track_id="tA"),
]
EVENTS = [
    event("eA", "view", "2026-11-16 10:00", session_id="s1"),
    event("eA", "view", "2026-11-16 10:05", session_id="s1"),
    event("eA", "click", "2026-11-16 10:06", session_id="s1"),
    event("eB", "view", "2026-11-17 10:00", session_id="s2", source="google"),
    event("eB", "view", "2026-11-17 10:00", session_id="s3", device_type="mobile"),
    event("eB", "click", "2026-11-17 10:01", session_id="s3"),
    event("eB", "click", "2026-11-17 10:02", session_id="s3"),
    event("eC", "view", "2026-11-23 10:00", session_id="s4"),  # after the window
]


@pytest.fixture
def con(tmp_path):
    return connect(store(tmp_path, sessions=SESSIONS, events=EVENTS))


@pytest.mark.parametrize(
    "by, expected",
    [
        ("plays", ["tA", "tC", "tB", "tD"]),  # tA and tC tie at 3: by id
        ("listeners", ["tC", "tA", "tB", "tD"]),  # tA and tB tie at 2
        ("time", ["tB", "tA", "tC", "tD"]),
    ],
)
def test_top_tracks_order(con, by, expected):
    rows = top_tracks(con, resolve_window(**WEEK), by=by)
    assert [r["track_id"] for r in rows] == expected
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]


def test_top_tracks_row(con):
    first = top_tracks(con, resolve_window(**WEEK), limit=1)
    assert first == [{
        "rank": 1, "track_id": "tA", "title": None, "artist": None, "total_plays": 3,
        "unique_listeners": 2, "total_duration_played_ms": 540_000,
        "average_completion_rate": 1.0, "skip_rate": pytest.approx(1 / 3),
    }]


@pytest.mark.parametrize(
    "by, expected", [("views", ["eA", "eB"]), ("unique", ["eB", "eA"]), ("clicks", ["eB", "eA"])]
)
def test_top_events_order(con, by, expected):
    rows = top_events(con, resolve_window(**WEEK), by=by)
    assert [r["event_id"] for r in rows] == expected


def test_top_events_row(con):
    rows = top_events(con, resolve_window(**WEEK))
    # eA: one visit (s1) with two views and a click: it did not bounce, and clicked.
    assert rows[0] == {"rank": 1, "event_id": "eA", "title": None, "total_views": 2,
                       "total_unique_views": 1, "total_clicks": 1, "total_shares": 0,
                       "total_favorites": 0, "total_ticket_clicks": 0,
                       "total_external_clicks": 0, "avg_time_on_page_seconds": 0.0,
                       "bounce_rate": 0.0, "view_to_click_rate": 1.0,
                       "click_to_ticket_rate": 0.0, "view_to_ticket_rate": 0.0}
    # eB: s2 viewed only (bounced), s3 viewed and clicked twice.
    assert rows[1]["bounce_rate"] == 0.5 and rows[1]["view_to_click_rate"] == 0.5


def test_period_report(con):
    r = period_report(con, resolve_window(**WEEK))
    t = r["totals"]
    assert t["total_plays"] == 10 and t["unique_listeners"] == 8
    assert t["total_duration_played_ms"] == (9 + 20 + 3 + 2) * 60_000
    assert t["skip_rate"] == pytest.approx(1 / 10) and t["error_rate"] == pytest.approx(1 / 10)
    assert r["previous_totals"]["total_plays"] == 2
    assert r["change"]["total_plays"] == pytest.approx(4.0)  # (10 - 2) / 2
    assert r["change"]["unique_listeners"] == pytest.approx(7.0)  # (8 - 1) / 1
    assert [u["user_id"] for u in r["top_users"]][:3] == ["u3", "u4", "u1"]  # 10, 10, 6 min
    assert r["plays_by_day"] == {
        "2026-11-16": 1, "2026-11-17": 1, "2026-11-18": 2, "2026-11-19": 1,
        "2026-11-20": 1, "2026-11-21": 1, "2026-11-22": 3,
    }
    minute = 60_000
    assert r["listening_time_by_day"] == {
        "2026-11-16": 3 * minute, "2026-11-17": 3 * minute, "2026-11-18": 13 * minute,
        "2026-11-19": 10 * minute, "2026-11-20": minute, "2026-11-21": minute,
        "2026-11-22": 3 * minute,
    }
    assert r["plays_by_weekday_hour"]["Sunday"][22] == 2
    assert r["plays_by_weekday_hour"]["Sunday"][21] == 1
    assert sum(map(sum, r["plays_by_weekday_hour"].values())) == 10
    assert r["platform_distribution"] == {"web": 9, "mobile": 1}
    assert r["quality_distribution"] == {"high": 8, "low": 2}
    assert r["geographic_distribution"] == {"FR": 9, "DE": 1}
    assert r["events"] == {"total_views": 4, "total_unique_views": 3, "total_clicks": 3,
                           "total_shares": 0, "total_favorites": 0, "total_ticket_clicks": 0,
                           "total_external_clicks": 0}
    assert [e["event_id"] for e in r["top_events"]] == ["eA", "eB"]
    assert r["traffic_sources"] == {"direct": 6, "google": 1}
    assert r["device_types"] == {"desktop": 6, "mobile": 1}


def test_empty_report_is_all_zeros(tmp_path):
    (tmp_path / "state").mkdir()  # a store that holds nothing yet
    r = period_report(connect(tmp_path), resolve_window(**WEEK))
    assert r["totals"]["total_plays"] == 0 and r["top_tracks"] == []
    assert r["events"]["total_views"] == 0
    assert r["change"]["total_plays"] is None
    assert list(r["plays_by_day"].values()) == [0] * 7
    assert list(r["listening_time_by_day"].values()) == [0] * 7
