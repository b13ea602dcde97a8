"""Real-time metrics at a fixed T; every expected value is worked out below."""

from __future__ import annotations

import pytest
from storebuild import at, progress, session, store

from playlog.query.realtime import realtime_report
from playlog.store.reader import connect

T = at("2026-11-20 12:00")
CATALOG = [{"track_id": "t1", "title": "Song", "artist": "Band", "genre": "pop", "duration_ms": 1}]

SESSIONS = [
    # Open, started in the last hour: current.
    session("r1", "2026-11-20 11:30", 20, ended=False, country="FR"),
    # Started at T - 1 h (in the last hour), ended after T: current.
    session("r2", "2026-11-20 11:00", 65, country="DE", quality="low"),
    # Ended with a network error at 11:10: an error of the last hour.
    session("r3", "2026-11-20 10:00", 70, track_id="t2", skip_reason="network_error"),
    # Started and completed inside the last hour.
    session("r4", "2026-11-20 11:15", 5, track_id="t2"),
    # Started at T exactly and open: current, but not "in the last hour" [T-1h, T).
    session("r5", "2026-11-20 12:00", 1, ended=False, track_id="t2", country=None),
    # After T: not there yet.
    session("r6", "2026-11-20 12:00:01", 1, ended=False),
    # Open but started more than 24 h before T: beyond the look-back.
    session("r7", "2026-11-19 06:00", 1, ended=False),
    # A bot: left out, and its progress too.
    session("r8", "2026-11-20 11:40", 30, ended=False, is_bot=True),
    # Ended with its last update at T exactly: no longer listening at T.
    session("r9", "2026-11-20 11:50", 10, track_id="t3"),
]
PROGRESS = [
    progress("r1", "2026-11-20 11:40", bytes_sent=1000, buffer_health=90.0),
    progress("r2", "2026-11-20 11:10", bytes_sent=3000, buffer_health=70.0),
    progress("r8", "2026-11-20 11:41", bytes_sent=5000, buffer_health=10.0),
    progress("r1", "2026-11-20 12:00", bytes_sent=7000, buffer_health=0.0),  # at T: outside
    progress("r1", "2026-11-20 10:59", bytes_sent=9000, buffer_health=0.0),  # too early
]


@pytest.fixture
def con(tmp_path):
    return connect(store(tmp_path, sessions=SESSIONS, progress_rows=PROGRESS, catalog=CATALOG))


def test_realtime_at_t(con):
    r = realtime_report(con, T)
    assert r["current_listeners"] == 3  # r1 r2 r5
    assert r["streams_started_last_hour"] == 4  # r1 r2 r4 r9
    assert r["bytes_served_last_hour"] == 4000
    assert r["top_tracks_now"] == [
        {"track_id": "t1", "title": "Song", "artist": "Band", "current_listeners": 2,
         "started_in_last_hour": 2},
        {"track_id": "t2", "title": None, "artist": None, "current_listeners": 1,
         "started_in_last_hour": 1},
        {"track_id": "t3", "title": None, "artist": None, "current_listeners": 0,
         "started_in_last_hour": 1},
    ]
    assert r["geographic_activity"] == {"DE": 1, "FR": 1, "unknown": 1}
    assert r["quality_distribution_now"] == {"high": 2, "low": 1}
    assert r["error_rate_percentage"] == pytest.approx(50.0)  # r3 of r3 r4
    assert r["average_buffer_health"] == pytest.approx(80.0)


def test_realtime_with_bots(con):
    r = realtime_report(con, T, include_bots=True)
    assert r["current_listeners"] == 4
    assert r["bytes_served_last_hour"] == 9000
    assert r["average_buffer_health"] == pytest.approx(170 / 3)


def test_realtime_on_an_empty_store(tmp_path):
    (tmp_path / "state").mkdir()  # a store that holds nothing yet
    r = realtime_report(connect(tmp_path), T)
    assert r["current_listeners"] == 0 and r["top_tracks_now"] == []
    assert r["error_rate_percentage"] == 0.0 and r["average_buffer_health"] is None
