"""User metrics on a hand-made week; every expected value is worked out below."""

from __future__ import annotations

import pytest
from storebuild import at, session, store

from playlog.errors import NotFoundError
from playlog.query.user import user_report
from playlog.query.window import resolve_window
from playlog.store.reader import connect

CATALOG = [
    {"track_id": "t1", "title": "A", "artist": "X", "genre": "rock", "duration_ms": 180_000},
    {"track_id": "t2", "title": "B", "artist": "Y", "genre": "jazz", "duration_ms": 180_000},
]

# Window: Monday 2026-11-16 to Monday 2026-11-23 (UTC): 5 weekdays, 2 weekend days.
BINGE = [  # Monday: five sessions, each starting <= 10 min after the previous ended.
    session("b1", "2026-11-16 08:00", 3),  # ends 08:03
    session("b2", "2026-11-16 08:13", 3),  # 10 min gap exactly: same run
    session("b3", "2026-11-16 08:20", 3),
    session("b4", "2026-11-16 08:25", 3),
    session("b5", "2026-11-16 08:30", 3),
]
SHORT_RUN = [  # Tuesday: c1, then an 11 min gap, then a run of only four.
    session("c1", "2026-11-17 20:00", 3, track_id="t2", quality="low"),
    session("c2", "2026-11-17 20:14", 1, track_id="t2", quality="low", skip_reason="user_skip"),
    session("c3", "2026-11-17 20:20", 3, track_id="t2", quality="low"),
    session("c4", "2026-11-17 20:25", 3, track_id="t2", quality="low"),
    session("c5", "2026-11-17 20:30", 3, track_id="t2", quality="low"),
]
WEEKEND = [
    session("w1", "2026-11-21 14:00", 2, track_id="t3", platform="mobile", quality="medium",
            skip_reason="user_skip"),
    session("w2", "2026-11-22 14:00", 3, platform="mobile", quality="medium"),
]
OTHERS = [
    session("old", "2026-11-10 08:00", 3),  # before the window
    session("x1", "2026-11-18 08:00", 3, user_id="u2"),  # someone else
]


@pytest.fixture
def con(tmp_path):
    sessions = BINGE + SHORT_RUN + WEEKEND + OTHERS
    return connect(store(tmp_path, sessions=sessions, catalog=CATALOG))


WEEK = dict(from_="2026-11-16", to="2026-11-23")


def test_user_metrics(con):
    r = user_report(con, "u1", resolve_window(**WEEK))
    assert r["user_id"] == "u1"
    assert r["tracks_played"] == 12
    assert r["total_listening_time_ms"] == 10 * 180_000 + 60_000 + 120_000
    assert r["unique_tracks"] == 3
    assert r["average_session_duration_ms"] == 165_000
    # rock: b1-b5 + w2 = 1 080 000 ms; jazz: c1-c5 = 780 000 ms; t3 has no catalog entry.
    assert r["favorite_genres"] == ["rock", "jazz"]
    p = r["listening_patterns"]
    assert p["average_skip_time_ms"] == 90_000  # c2 60 s, w1 120 s
    assert p["completion_rate"] == pytest.approx((10 + 1 / 3 + 2 / 3) / 12)
    assert p["binge_listening_tendency"] == pytest.approx(5 / 12)
    assert p["peak_listening_hour"] == 8  # 8 h and 20 h both have 5: the earlier wins
    # (2 sessions / 2 weekend days) / (10 sessions / 5 weekdays)
    assert p["weekend_vs_weekday_ratio"] == pytest.approx(0.5)
    assert r["device_preferences"] == {"web": 10, "mobile": 2}
    assert r["quality_preference"] == "high"  # high 5, low 5: alphabetical on a tie
    assert r["most_active_hours"] == [8, 20, 14]
    assert r["discovery_rate"] == pytest.approx(3 / 12)
    assert r["last_activity"] == at("2026-11-22 14:03")


def test_weekend_ratio_counts_days_without_sessions(con):
    # Two weeks: 4 weekend days, 10 weekdays; the same 12 sessions.
    r = user_report(con, "u1", resolve_window(from_="2026-11-11", to="2026-11-25"))
    # 'old' (Tue 10th) is outside; (2 / 4) / (10 / 10)
    assert r["listening_patterns"]["weekend_vs_weekday_ratio"] == pytest.approx(0.5)


def test_weekend_ratio_is_null_without_weekday_sessions(con):
    w = resolve_window(from_="2026-11-20", to="2026-11-23")  # Fri, Sat, Sun
    assert user_report(con, "u1", w)["listening_patterns"]["weekend_vs_weekday_ratio"] is None


def test_binge_run_broken_by_an_overlap_free_gap(tmp_path):
    # Six sessions back to back (gap 0) then one more 30 min later: 6 of 7 binge.
    rows = [session(f"s{i}", f"2026-11-16 10:{3 * i:02d}", 3) for i in range(6)]
    rows.append(session("late", "2026-11-16 10:48", 3))
    con = connect(store(tmp_path, sessions=rows))
    r = user_report(con, "u1", resolve_window(**WEEK))
    assert r["listening_patterns"]["binge_listening_tendency"] == pytest.approx(6 / 7)


def test_unknown_user(con):
    with pytest.raises(NotFoundError) as caught:
        user_report(con, "u9", resolve_window(**WEEK))
    assert "u9" in str(caught.value)
    assert "u1" in caught.value.hint and "u2" in caught.value.hint
