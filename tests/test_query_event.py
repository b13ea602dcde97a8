"""Event-page metrics on a hand-made store; every expected value is worked out below."""

from __future__ import annotations

import pytest
from storebuild import at, event, store

from playlog.errors import NotFoundError
from playlog.query.event import event_periods, event_report
from playlog.query.window import resolve_window
from playlog.store.reader import connect

T = "2026-11-20T12:00:00Z"

RECORDS = [
    # Visit sA: a view then a click -> not a bounce.
    event("e1", "view", "2026-11-20 10:00", session_id="sA", time_on_page_ms=30_000,
          source="google", device_type="mobile"),
    event("e1", "click", "2026-11-20 10:01", session_id="sA"),
    # Visit sB by u1: a view only -> bounce. The ingest put utm_source in `source`.
    event("e1", "view", "2026-11-20 11:00", user_id="u1", session_id="sB", time_on_page_ms=10_000,
          source="facebook"),
    # Visit sC by u1 (the same unique viewer as sB): a view and a share.
    event("e1", "view", "2026-11-19 11:30", user_id="u1", session_id="sC"),
    event("e1", "share", "2026-11-19 11:31", user_id="u1", session_id="sC"),
    # Anonymous viewer known only by its key -> its own visit, a bounce.
    event("e1", "view", "2026-11-15 09:00", anon_key="k1", time_on_page_ms=20_000,
          source="news.example.com", device_type="tablet"),
    # More than 30 days before T: in the totals, not in views_30d. A bounce.
    event("e1", "view", "2026-10-10 09:00", user_id="u2", session_id="sD"),
    # A ticket click without a view: not a viewing visit.
    event("e1", "ticket_click", "2026-11-20 11:59:59", session_id="sE"),
    # At T exactly: outside (windows end at T, exclusive).
    event("e1", "external_click", "2026-11-20 12:00", session_id="sE"),
    # A bot view and another page: never counted here.
    event("e1", "view", "2026-11-20 09:00", session_id="bot", is_bot=True, device_type="bot"),
    event("e2", "view", "2026-11-20 10:00", session_id="sA"),
]


@pytest.fixture
def con(tmp_path):
    return connect(store(tmp_path, events=RECORDS))


def test_event_summary(con):
    r = event_report(con, "e1", resolve_window(until=T, default_days=None))
    assert r["event_id"] == "e1"
    assert r["total_views"] == 5
    assert r["total_unique_views"] == 4  # sA, u1, k1, u2
    assert (r["total_clicks"], r["total_shares"], r["total_favorites"]) == (1, 1, 0)
    assert (r["total_ticket_clicks"], r["total_external_clicks"]) == (1, 0)
    assert r["avg_time_on_page_seconds"] == pytest.approx(20.0)  # views with a time: 30, 10, 20
    assert r["bounce_rate"] == pytest.approx(3 / 5)  # sB, k1, sD of sA sB sC k1 sD
    assert r["peak_hour"] == 9  # 9 h and 11 h have two views each: the earlier wins
    assert r["peak_day"] == "Friday"
    assert (r["views_24h"], r["unique_views_24h"], r["clicks_24h"]) == (2, 2, 1)
    assert (r["views_7d"], r["unique_views_7d"]) == (4, 3)
    assert (r["views_30d"], r["unique_views_30d"]) == (4, 3)
    assert r["traffic_sources"] == {"direct": 5, "facebook": 1, "google": 1, "news.example.com": 1}
    assert r["device_types"] == {"desktop": 6, "mobile": 1, "tablet": 1}
    assert r["first_view_at"] == at("2026-10-10 09:00")
    assert r["last_view_at"] == at("2026-11-20 11:00")


def test_bots_only_with_include_bots(con):
    r = event_report(con, "e1", resolve_window(until=T, default_days=None), include_bots=True)
    assert r["total_views"] == 6 and r["device_types"]["bot"] == 1


def test_totals_follow_the_window_and_rolling_counts_end_at_t(con):
    r = event_report(con, "e1", resolve_window(days=1, until=T))
    assert r["total_views"] == 2 and r["total_shares"] == 0
    assert r["views_30d"] == 4  # the rolling windows do not shrink with --days


def test_periods_by_day(con):
    rows = event_periods(con, "e1", resolve_window(days=7, until=T), "day")
    assert [r["period"] for r in rows] == ["2026-11-15", "2026-11-19", "2026-11-20"]
    by_day = {r["period"]: r for r in rows}
    assert by_day["2026-11-15"]["total_views"] == 1 and by_day["2026-11-15"]["bounce_rate"] == 1.0
    assert by_day["2026-11-19"]["total_shares"] == 1
    assert by_day["2026-11-19"]["bounce_rate"] == 0.0
    day = by_day["2026-11-20"]
    assert (day["total_views"], day["total_unique_views"], day["total_clicks"],
            day["total_ticket_clicks"]) == (2, 2, 1, 1)
    assert day["bounce_rate"] == pytest.approx(0.5)
    assert day["start"] == at("2026-11-20 00:00")


def test_periods_by_month_in_a_zone(con):
    w = resolve_window(until=T, tz="Pacific/Kiritimati", default_days=None)  # UTC+14
    rows = event_periods(con, "e1", w, "month")
    assert [(r["period"], r["total_views"]) for r in rows] == [("2026-10", 1), ("2026-11", 4)]
    assert rows[1]["start"] == at("2026-10-31 10:00")


def test_periods_by_week_and_hour(con):
    weeks = event_periods(con, "e1", resolve_window(days=7, until=T), "week")
    assert [(r["period"], r["total_views"]) for r in weeks] == [("2026-W46", 1), ("2026-W47", 3)]  # Sun 15th; 19th + 20th
    hours = event_periods(con, "e1", resolve_window(days=1, until=T), "hour")
    assert [r["period"] for r in hours] == ["2026-11-20T10:00", "2026-11-20T11:00"]


def test_unknown_event(con):
    with pytest.raises(NotFoundError) as caught:
        event_report(con, "e3", resolve_window(until=T))
    assert "e1" in caught.value.hint
