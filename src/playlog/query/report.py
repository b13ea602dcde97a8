"""`playlog report`: the period report.

One object: the window and the previous window of the same length, its
``filters``, and three parts:

- listening: totals of both windows and their relative change, top tracks,
  artists and genres, top users by listening time, plays and listening time by
  day (with the partial days of the window), plays by hour and weekday × hour
  (report time zone), platform, quality and country distributions;
- event pages: totals, top events, traffic sources, device types, engagement
  (bounce rate, time on page, the view → click → ticket funnel) and
  demographics (query/engagement.py);
- ``web_traffic``, when the window has web requests (query/traffic.py).

A part whose dataset lacks a filtered dimension (``--filter genre=jazz`` and
event pages) is left out, and ``notes`` says so, with what of an answer from
roll-ups is estimated. Counts are named as in the per-item reports
(``total_plays``, ``total_views`` …).

Over raw days the listening part's additive figures (totals, by day and hour,
distributions, the previous window's totals) come from the window's cube
(query/blend.py: the roll-up of totals for its whole quarter hours, raw rows for
the rest), its distinct counts and rankings from the raw rows of the window; the
window's event-page records are loaded once (common.load). A window that
reaches before the raw rows is answered from the roll-ups (query/rollup.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playlog.query import blend, common, engagement, rollup, top
from playlog.query.filters import Filters
from playlog.query.window import Window

CURRENT = "report_sessions"
EVENTS = "report_events"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TOP = 10
EVENT_KEYS = ("views", "unique_views", "clicks", "shares", "favorites", "ticket_clicks",
              "external_clicks")
PARTS = {"sessions": "The listening figures are", "events": "The event-page figures are",
         "requests": "The web traffic is"}

def period_report(con: Any, window: Window, *, include_bots: bool = False,
                  filters: Filters | None = None) -> dict[str, Any]:
    """The whole report over ``window`` (see the module docstring)."""
    filters = filters or Filters()
    report: dict[str, Any] = {"window": window.as_dict(),
                              "previous_window": window.previous().as_dict(),
                              "filters": filters.texts}
    notes: list[str] = []
    for dataset, part in PARTS.items():
        if filters.missing(dataset):
            notes.append(f"{part} left out: {dataset} have no "
                         f"{', '.join(filters.missing(dataset))}.")
    if not filters.missing("sessions"):
        report.update(listening(con, window, include_bots, filters, notes))
    if not filters.missing("events"):
        report.update(event_section(con, window, include_bots, filters, notes))
    report["notes"] = list(dict.fromkeys(notes))
    from playlog.query import traffic

    if not filters.missing("requests") and traffic.has_requests(con, window, filters):
        report["web_traffic"] = traffic.summary(con, window, include_bots=include_bots,
                                                filters=filters)
    return report


def listening(con: Any, window: Window, include_bots: bool, filters: Filters,
              notes: list[str]) -> dict[str, Any]:
    if rollup.use(con, window, filters):
        notes += rollup.notes(con, window, include_bots, filters=filters)
        return rollup_listening(con, window, include_bots, filters, notes)
    notes += rollup.uncovered_notes(con, window, filters)
    plays = blend.cube(con, blend.PLAYS, window, include_bots=include_bots, filters=filters,
                       name=CURRENT)
    sessions = top.window_source(con, "sessions", include_bots, filters)
    notes += common.unknown_durations_note(con, sessions, top.window_params(window))
    return _assemble(
        con, window, include_bots, filters,
        totals=blend.summary(con, window, include_bots=include_bots, filters=filters,
                             table=plays),
        buckets=blend.buckets(con, plays, window.tz, "plays"),
        played=blend.buckets(con, plays, window.tz, "listening_ms"),
        tops={**charts(con, window, include_bots, filters),
              "top_users": top.top_users(con, sessions, limit=TOP,
                                         params=top.window_params(window))},
        dist=lambda column: blend.distribution(con, plays, column, "plays"),
    )


def charts(con: Any, window: Window, include_bots: bool, filters: Filters,
           source: str | None = None) -> dict[str, Any]:
    """Top tracks, artists and genres by plays, with their previous ranks."""
    return {top.CHARTS[name].rows: top.moving(
        con, name, window, by="plays", limit=TOP, include_bots=include_bots, filters=filters,
        source=source) for name in ("top-tracks", "top-artists", "top-genres")}


def _assemble(con: Any, window: Window, include_bots: bool, filters: Filters, *,
              totals: dict[str, Any], buckets: list, played: list, tops: dict[str, Any],
              dist: Any) -> dict[str, Any]:
    """The listening part from its pieces (raw rows or roll-ups)."""
    previous = previous_summary(con, window.previous(), include_bots, filters)
    days = common.by_day(buckets, window)
    return {
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
    }


def previous_summary(con: Any, previous: Window, include_bots: bool,
                     filters: Filters | None = None) -> dict[str, Any]:
    if rollup.use(con, previous, filters):
        return rollup.summary(con, previous, include_bots, filters=filters)
    return blend.summary(con, previous, include_bots=include_bots, filters=filters)


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, float | None]:
    """(current − previous) / previous for every total; None when previous is 0 or unknown."""
    return {
        key: (current[key] - previous[key]) / previous[key]
        if previous[key] and current[key] is not None else None
        for key in current
    }


def week_grid(buckets: list[tuple[datetime, int]]) -> dict[str, list[int]]:
    """Weekday name → 24 counts of plays by local hour."""
    grid = {day: [0] * 24 for day in WEEKDAYS}
    for local, count in buckets:
        grid[WEEKDAYS[local.weekday()]][local.hour] += count
    return grid


def event_section(con: Any, window: Window, include_bots: bool, filters: Filters,
                  notes: list[str]) -> dict[str, Any]:
    """The event-page part: from the raw records, or from roll-ups (see rollup_events)."""
    if rollup.use(con, window, filters, "rollup_events"):
        notes += rollup.notes(con, window, include_bots, "rollup_events", filters)
        return rollup_events(con, window, include_bots, filters, notes)
    notes += rollup.uncovered_notes(con, window, filters, "rollup_events")
    # only what engagement and demographics read (the rankings query the store themselves)
    sql = ("SELECT event_id, event_type, time_on_page_ms, visitor, visit, age_group, gender "
           "FROM " + top.window_source(con, "events", include_bots, filters))
    large = window.length > common.ARROW_SPAN
    common.load(con, EVENTS, sql, top.window_params(window), large=large)
    counts = blend.cube(con, blend.EVENTS, window, include_bots=include_bots, filters=filters)
    unique = blend.visitors(con, window, include_bots=include_bots, filters=filters)
    return {
        "events": blend.event_totals(con, counts, unique),
        "top_events": top.moving(con, "top-events", window, by="views", limit=TOP,
                                 include_bots=include_bots, filters=filters, source=EVENTS),
        "traffic_sources": blend.distribution(con, counts, "source", "records"),
        "device_types": blend.distribution(con, counts, "device_type", "records",
                                           missing="other"),
        "engagement": engagement.engagement(con, EVENTS),
        **engagement.demographics(con, EVENTS),
    }


def rollup_listening(con: Any, window: Window, include_bots: bool, filters: Filters,
                     notes: list[str]) -> dict[str, Any]:
    """The listening part from the roll-ups (the window reaches before the raw rows)."""
    def dist(column: str) -> dict[str, int]:
        return rollup.distribution(con, window, include_bots, column, where=filters)

    if filters.covers("rollup_users"):
        users = rollup.top_users(con, window, limit=TOP, include_bots=include_bots,
                                 filters=filters)
    else:
        notes.append(f"Top listeners count the raw rows only, kept from {rollup.raw_from(con)}: "
                     "the roll-ups of listeners do not keep "
                     f"{', '.join(filters.missing('rollup_users'))}.")
        source = top.window_source(con, "sessions", include_bots, filters)
        users = top.top_users(con, source, limit=TOP, params=top.window_params(window))
    return _assemble(
        con, window, include_bots, filters,
        totals=rollup.summary(con, window, include_bots, filters=filters),
        buckets=rollup.buckets(con, window, include_bots, where=filters),
        played=rollup.buckets(con, window, include_bots, measure="listening_ms", where=filters),
        tops={**charts(con, window, include_bots, filters), "top_users": users},
        dist=dist,
    )


def rollup_events(con: Any, window: Window, include_bots: bool, filters: Filters,
                  notes: list[str]) -> dict[str, Any]:
    """The event-page part from the roll-ups; what needs single records (bounce rate, the
    funnel, demographics) from the raw records that remain."""
    counts = rollup.event_totals(con, window, include_bots, filters=filters)
    per_event = {"table": "rollup_events", "measure": "records", "where": filters}

    def dist(column: str, **kw: Any) -> dict[str, int]:
        return rollup.distribution(con, window, include_bots, column, **kw, **per_event)

    raw = top.window_source(con, "events", include_bots, filters)
    params = top.window_params(window)
    found = engagement.engagement(con, raw, params)
    found["avg_time_on_page_seconds"] = counts["avg_time_on_page_seconds"]
    notes.append(f"Bounce rate, the funnel and demographics count the raw records only, kept "
                 f"from {rollup.raw_from(con)}.")
    return {
        "events": {f"total_{k}": counts[f"total_{k}"] for k in EVENT_KEYS},
        "top_events": top.moving(con, "top-events", window, by="views", limit=TOP,
                                 include_bots=include_bots, filters=filters),
        "traffic_sources": dist("source"),
        "device_types": dist("device_type", missing="other"),
        "engagement": found,
        **engagement.demographics(con, raw, params),
    }
