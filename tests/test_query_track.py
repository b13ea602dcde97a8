"""Track metrics on a hand-made store; every expected value is worked out below."""

from __future__ import annotations

import pytest
from storebuild import event, session, store

from playlog.errors import NotFoundError
from playlog.query.track import track_report
from playlog.query.window import resolve_window
from playlog.store.reader import connect

CATALOG = [{"track_id": "t1", "title": "Song", "artist": "Band", "genre": "rock", "duration_ms": 180_000}]

# Window: 2026-11-20 (UTC), [00:00, 24:00).
SESSIONS = [
    # 10:00-10:03, completed, 100 %.
    session("s1", "2026-11-20 10:00", 3, country="FR"),
    # 10:03-10:04 touches s1's end; skipped at 60 s of 180 s = 1/3.
    session("s2", "2026-11-20 10:03", 1, skip_reason="user_skip", quality="low", country="DE",
            platform="mobile"),
    # Anonymous, 10:01-10:11, holds s2 inside it; total unknown -> no completion.
    session("s3", "2026-11-20 10:01", 10, user_id=None, anon_key="a1", total_duration_ms=None,
            skip_reason="network_error", quality="medium", country=None),
    # Started the day before: outside the window although it ends inside.
    session("s4", "2026-11-19 23:58", 7, user_id="u2"),
    # Starts in the window, crosses midnight, still open.
    session("s5", "2026-11-20 23:59", 3, user_id="u2", ended=False),
    # A bot: left out unless --include-bots.
    session("s6", "2026-11-20 10:02", 2, user_id="crawler", is_bot=True),
    # Starts exactly at the window's end: outside (half-open).
    session("s7", "2026-11-21 00:00", 2, user_id="u3"),
    # Another track.
    session("s8", "2026-11-20 10:00", 2, track_id="t2"),
]


@pytest.fixture
def con(tmp_path):
    return connect(store(tmp_path, sessions=SESSIONS, catalog=CATALOG))


def window(**kw):
    return resolve_window(from_="2026-11-20", to="2026-11-21", tz=kw.pop("tz", "UTC"), **kw)


def test_track_metrics(con):
    r = track_report(con, "t1", window())
    assert (r["track_id"], r["title"], r["artist"]) == ("t1", "Song", "Band")
    assert r["total_plays"] == 4  # s1 s2 s3 s5
    assert r["unique_listeners"] == 3  # u1, anon:a1, u2
    assert r["total_duration_played_ms"] == 180_000 + 60_000 + 600_000 + 180_000
    assert r["average_completion_rate"] == pytest.approx((1 + 1 / 3 + 1) / 3)
    # At 10:03 s1 (closed interval, ends 10:03), s2 (starts 10:03) and s3 overlap.
    assert r["peak_concurrent_listeners"] == 3
    assert r["plays_by_hour"] == {**{str(h): 0 for h in range(24)}, "10": 3, "23": 1}
    assert r["plays_by_day"] == {"2026-11-20": 4}
    assert r["skip_rate"] == pytest.approx(1 / 3)  # s2 of the ended s1 s2 s3
    assert r["quality_distribution"] == {"high": 2, "low": 1, "medium": 1}
    assert r["geographic_distribution"] == {"FR": 2, "DE": 1, "unknown": 1}
    assert r["platform_distribution"] == {"web": 3, "mobile": 1}
    assert r["virality_score"] == pytest.approx(3 / 4)
    assert r["peak_listening_hour"] == 10


def test_bots_count_only_when_asked(con):
    r = track_report(con, "t1", window(), include_bots=True)
    assert r["total_plays"] == 5 and r["unique_listeners"] == 4
    assert r["peak_concurrent_listeners"] == 4  # s6 10:02-10:04 joins at 10:03


def test_nested_and_disjoint_intervals(tmp_path):
    rows = [
        session("a", "2026-11-20 08:00", 60),  # 08:00-09:00
        session("b", "2026-11-20 08:10", 5),  # inside a
        session("c", "2026-11-20 08:20", 5),  # inside a, after b
        session("d", "2026-11-20 09:00:00.001", 5),  # starts 1 ms after a ends
    ]
    r = track_report(connect(store(tmp_path, sessions=rows)), "t1", window())
    assert r["peak_concurrent_listeners"] == 2


def test_peak_hour_tie_goes_to_the_earliest_hour(tmp_path):
    rows = [session(f"s{i}", f"2026-11-20 {h:02d}:00", 1) for i, h in enumerate([15, 15, 9, 9, 20])]
    r = track_report(connect(store(tmp_path, sessions=rows)), "t1", window())
    assert r["peak_listening_hour"] == 9


def test_hours_and_days_in_the_report_zone_across_dst(tmp_path):
    # Europe/Paris: 2026-10-25 03:00 CEST becomes 02:00 CET at 01:00 UTC.
    rows = [
        session("a", "2026-10-24 21:30", 1),  # 23:30 CEST on the 24th: outside
        session("b", "2026-10-24 22:30", 1),  # 00:30 CEST on the 25th
        session("c", "2026-10-25 00:30", 1),  # 02:30 CEST
        session("d", "2026-10-25 01:30", 1),  # 02:30 CET, the second 02:30
        session("e", "2026-10-25 22:30", 1),  # 23:30 CET on the 25th
        session("f", "2026-10-25 23:30", 1),  # 00:30 CET on the 26th: outside
    ]
    w = resolve_window(from_="2026-10-25", to="2026-10-26", tz="Europe/Paris")
    r = track_report(connect(store(tmp_path, sessions=rows)), "t1", w)
    assert r["total_plays"] == 4
    assert {h: n for h, n in r["plays_by_hour"].items() if n} == {"0": 1, "2": 2, "23": 1}
    assert r["plays_by_day"] == {"2026-10-25": 4}
    assert r["peak_listening_hour"] == 2


def test_empty_window_gives_zeros_for_a_known_track(con):
    w = resolve_window(from_="2026-01-01", to="2026-01-02")
    r = track_report(con, "t1", w)
    assert r["total_plays"] == 0 and r["unique_listeners"] == 0
    assert r["average_completion_rate"] == 0 and r["skip_rate"] == 0 and r["virality_score"] == 0
    assert r["peak_concurrent_listeners"] == 0 and r["peak_listening_hour"] is None
    assert r["plays_by_day"] == {"2026-01-01": 0}


def test_unknown_track_names_the_closest_ids(con):
    with pytest.raises(NotFoundError) as caught:
        track_report(con, "t11", window())
    assert "t11" in str(caught.value) and "t1" in (caught.value.hint or "")


def test_catalog_only_track_is_known(tmp_path):
    con = connect(store(tmp_path, catalog=CATALOG, events=[event("e", "view", "2026-11-20 10:00")]))
    assert track_report(con, "t1", window())["total_plays"] == 0
