"""`playlog report`: the period report.

One object: the window and the previous window of the same length, totals of
both and their relative change, top tracks, top users by listening time,
plays and listening time by day (with the partial days of the window), plays by
hour and weekday × hour (report time zone), platform, quality and country
distributions, the event pages of the window (totals, top events, traffic
sources, device types) and the notes of an answer from roll-ups. Counts are
named as in the per-item reports (``total_plays``, ``total_views`` …). The
window's sessions and events are
each loaded once (common.load).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playlog.query import common, rollup, top
from playlog.query.window import Window

CURRENT = "report_sessions"
EVENTS = "report_events"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TOP = 10

LOAD_EVENTS = "SELECT * FROM " + top.EVENTS_IN_WINDOW

EVENT_TOTALS = "SELECT " + top.EVENT_COUNTS + " FROM {table}"


def period_report(con: Any, window: Window, *, include_bots: bool = False) -> dict[str, Any]:
    """The whole report over ``window``, with ``web_traffic`` when it has web requests."""
    report = _period_report(con, window, include_bots)
    from playlog.query import traffic

    if traffic.has_requests(con, window):
        report["web_traffic"] = traffic.summary(con, window, include_bots=include_bots)
    return report


def _period_report(con: Any, window: Window, include_bots: bool) -> dict[str, Any]:
    if rollup.needed(con, window):
        return rollup_report(con, window, include_bots)
    common.load_sessions(con, CURRENT, window, include_bots=include_bots, extra="track_id, user_id")
    return _assemble(
        con, window, include_bots,
        totals=common.summary(con, CURRENT),
        buckets=common.local_counts(con, CURRENT, window.tz),
        played=common.local_counts(con, CURRENT, window.tz, measure=common.PLAYED_MS),
        tops={"top_tracks": top.top_tracks(con, window, limit=TOP, source=CURRENT),
              "top_users": top.top_users(con, CURRENT, limit=TOP)},
        dist=lambda column: common.distribution(con, CURRENT, column),
        events=event_section(con, window, include_bots),
    )


def _assemble(con: Any, window: Window, include_bots: bool, *, totals: dict[str, Any],
              buckets: list, played: list, tops: dict[str, Any], dist: Any,
              events: dict[str, Any]) -> dict[str, Any]:
    """The report object from its parts (raw rows or roll-ups)."""
    previous = previous_summary(con, window.previous(), include_bots)
    days = common.by_day(buckets, window)
    return {
        "window": window.as_dict(),
        "previous_window": window.previous().as_dict(),
        "totals": totals,
        "previous_totals": previous,
        "change": change(totals, previous),
        **tops,
        "plays_by_day": days,
        "partial_days": common.partial_days(days, window),
        "listening_time_by_day": common.by_day(played, window),
        "plays_by_hour": common.by_hour(buckets),
        "plays_by_weekday_hour": week_grid(buckets),
        "platform_distribution": dist("platform"),
        "quality_distribution": dist("quality"),
        "geographic_distribution": dist("country"),
        **events,
        "notes": rollup.notes(con, window, include_bots) if rollup.needed(con, window) else [],
    }


def previous_summary(con: Any, previous: Window, include_bots: bool) -> dict[str, Any]:
    if rollup.needed(con, previous):
        return rollup.summary(con, previous, include_bots)
    return common.window_summary(con, previous, include_bots=include_bots)


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, float | None]:
    """(current − previous) / previous for every total; None when previous is 0."""
    return {
        key: (current[key] - previous[key]) / previous[key] if previous[key] else None
        for key in current
    }


def week_grid(buckets: list[tuple[datetime, int]]) -> dict[str, list[int]]:
    """Weekday name → 24 counts of plays by local hour."""
    grid = {day: [0] * 24 for day in WEEKDAYS}
    for local, count in buckets:
        grid[WEEKDAYS[local.weekday()]][local.hour] += count
    return grid


def event_section(con: Any, window: Window, include_bots: bool) -> dict[str, Any]:
    sql = LOAD_EVENTS.format(bots=common.bots_clause(include_bots))
    large = window.length > common.ARROW_SPAN
    common.load(con, EVENTS, sql, top.window_params(window), large=large)
    totals = {k: int(v) for k, v in common.rows(con, EVENT_TOTALS.format(table=EVENTS))[0].items()}
    return {
        "events": totals,
        "top_events": top.top_events(con, window, limit=TOP, source=EVENTS),
        "traffic_sources": common.distribution(con, EVENTS, "source"),
        "device_types": common.distribution(con, EVENTS, "device_type", missing="other"),
    }


def rollup_report(con: Any, window: Window, include_bots: bool) -> dict[str, Any]:
    """The same report from the roll-ups (the window reaches before the raw rows)."""
    counts = rollup.event_totals(con, window, include_bots)
    per_event = {"table": "rollup_events", "measure": "records"}

    def dist(column: str, **kw: Any) -> dict[str, int]:
        return rollup.distribution(con, window, include_bots, column, **kw)

    return _assemble(
        con, window, include_bots,
        totals=rollup.summary(con, window, include_bots),
        buckets=rollup.buckets(con, window, include_bots),
        played=rollup.buckets(con, window, include_bots, measure="listening_ms"),
        tops={"top_tracks": rollup.top_tracks(con, window, limit=TOP, include_bots=include_bots),
              "top_users": rollup.top_users(con, window, limit=TOP, include_bots=include_bots)},
        dist=dist,
        events={
            "events": {f"total_{k}": counts[f"total_{k}"] for k in (
                "views", "unique_views", "clicks", "shares", "favorites", "ticket_clicks",
                "external_clicks")},
            "top_events": rollup.top_events(con, window, limit=TOP, include_bots=include_bots),
            "traffic_sources": dist("source", **per_event),
            "device_types": dist("device_type", missing="other", **per_event),
        },
    )
