"""`playlog realtime [--at T]`: the real-time view of docs/metrics.md at instant T.

- current listeners: sessions started at or before T (and at most LOOKBACK
  before it) that had not ended before T: open (``ended = false``), or with
  ``last_update`` after T.
- "last hour" is the half-open ``[T - 1 h, T)``.
- ``error_rate_percentage`` is 0–100 over sessions whose ``ended_at`` falls in
  the last hour; ``average_buffer_health`` is the mean over progress records of
  the last hour (null when there are none). Progress of bot sessions is left
  out with the bots.
- live visitors of event pages: distinct visitors (``coalesce(user_id,
  session_id, anon_key)``) with an event-page record in ``[T - 5 min, T]``
  (LIVE), the pages they are on, and the views of the last hour.
- ``window`` is the last hour, ``[T - 1 h, T)``, written in the report's zone.
- ``filters``: the listening figures count the sessions they keep, the
  event-page figures the records they keep; a part whose dataset lacks a
  filtered dimension is left out (``notes`` says so). Under filters, progress
  records count for the sessions started within the look-back only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from playlog.query import common
from playlog.query.filters import Filters
from playlog.query.window import Window

LOOKBACK = timedelta(hours=24)
HOUR = timedelta(hours=1)
LIVE = timedelta(minutes=5)
TOP_NOW = 10

ALL = "rt_sessions"
RECENT = "rt_counted"

CURRENT = "(started_at <= $t AND (NOT coalesce(ended, false) OR last_update > $t))"
LAST_HOUR = "(started_at >= $hour_ago AND started_at < $t)"
ENDED_LAST_HOUR = "(ended AND ended_at >= $hour_ago AND ended_at < $t)"

COUNTS = f"""
SELECT count(*) FILTER (WHERE {CURRENT}) AS current,
       count(*) FILTER (WHERE {LAST_HOUR}) AS started,
       count(*) FILTER (WHERE {ENDED_LAST_HOUR}) AS ended,
       count(*) FILTER (WHERE {ENDED_LAST_HOUR}
                        AND skip_reason IN ('network_error', 'quality_issue', 'timeout')) AS errored
FROM {RECENT}
"""

TOP_TRACKS = f"""
SELECT s.track_id, any_value(c.title) AS title, any_value(c.artist) AS artist,
       count(*) FILTER (WHERE {CURRENT}) AS current_listeners,
       count(*) FILTER (WHERE {LAST_HOUR}) AS started_in_last_hour
FROM {RECENT} AS s
LEFT JOIN (SELECT track_id, any_value(title) AS title, any_value(artist) AS artist
           FROM catalog GROUP BY track_id) AS c USING (track_id)
WHERE {CURRENT} OR {LAST_HOUR}
GROUP BY s.track_id
ORDER BY current_listeners DESC, started_in_last_hour DESC, s.track_id
LIMIT $top
"""

NOW_DISTRIBUTION = (
    "SELECT coalesce({column}, 'unknown') AS k, count(*) AS n FROM " + RECENT
    + " WHERE " + CURRENT + " GROUP BY 1 ORDER BY n DESC, k"
)

PROGRESS = f"""
SELECT coalesce(sum(bytes_sent), 0) AS bytes, avg(buffer_health) AS health
FROM progress
WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
  AND ts >= $hour_ago AND ts < $t
  AND ($include_bots OR session_id NOT IN (SELECT session_id FROM {ALL} WHERE is_bot))
  AND (NOT $filtered OR session_id IN (SELECT session_id FROM {ALL}))
"""

RECENT_EVENTS = """
WITH recent AS (
    SELECT event_id, event_type, ts, coalesce(user_id, session_id, anon_key) AS visitor
    FROM events
    WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
      AND ts >= $hour_ago AND ts <= $t {bots} {filters}
)
"""
LIVE_PAGES = RECENT_EVENTS + """
SELECT p.event_id, c.title, p.live_visitors, p.views_last_hour FROM (
    SELECT event_id, count(DISTINCT visitor) FILTER (WHERE ts >= $live_from) AS live_visitors,
           count(*) FILTER (WHERE event_type = 'view' AND ts < $t) AS views_last_hour
    FROM recent GROUP BY event_id
) AS p
LEFT JOIN (SELECT event_id, any_value(title) AS title FROM event_catalog GROUP BY event_id) AS c
  USING (event_id)
WHERE p.live_visitors > 0 OR p.views_last_hour > 0
ORDER BY p.live_visitors DESC, p.views_last_hour DESC, p.event_id
"""
LIVE_TOTAL = RECENT_EVENTS + """
SELECT count(DISTINCT visitor) FILTER (WHERE ts >= $live_from) FROM recent
"""


def realtime_report(con: Any, at: datetime, *, include_bots: bool = False,
                    tz: str = "UTC", filters: Filters | None = None) -> dict[str, Any]:
    """The real-time view at instant ``at`` (aware UTC); ``tz`` writes its window."""
    filters = filters or Filters()
    answer: dict[str, Any] = {}
    notes = []
    for dataset, part in (("sessions", "listeners"), ("events", "event-page visitors")):
        if filters.missing(dataset):
            notes.append(f"The {part} are left out: {dataset} have no "
                         f"{', '.join(filters.missing(dataset))}.")
    if not filters.missing("sessions"):
        answer.update(_listening(con, at, include_bots, filters))
    if not filters.missing("events"):
        answer.update(live_visitors(con, at, include_bots, filters))
    return {**answer, "window": Window(at - HOUR, at, tz).as_dict(), "filters": filters.texts,
            "notes": notes}


def _listening(con: Any, at: datetime, include_bots: bool, filters: Filters) -> dict[str, Any]:
    _load(con, at, include_bots, filters)
    times = {"t": at, "hour_ago": at - HOUR}
    counts = common.rows(con, COUNTS, times)[0]
    progress = _progress(con, at, include_bots, bool(filters))
    return {
        "current_listeners": int(counts["current"]),
        "streams_started_last_hour": int(counts["started"]),
        "bytes_served_last_hour": int(progress["bytes"]),
        "top_tracks_now": _top_tracks(con, times),
        "geographic_activity": _now_distribution(con, "country", at),
        "quality_distribution_now": _now_distribution(con, "quality", at),
        "error_rate_percentage": 100.0 * common.ratio(counts["errored"], counts["ended"]),
        "average_buffer_health": None if progress["health"] is None else float(progress["health"]),
    }


def live_visitors(con: Any, at: datetime, include_bots: bool,
                  filters: Filters | None = None) -> dict[str, Any]:
    """``live_visitors`` (records in the last LIVE), ``views_last_hour`` and the ``live_pages``
    (event id, title, live visitors, views of the last hour), by live visitors then views."""
    first_day, last_day, _, _ = Window(at - HOUR, at + timedelta(milliseconds=1)).params()
    where = filters.where(con, "events") if filters else ""
    parts = {"bots": common.bots_clause(include_bots), "filters": where}
    params = {"first_day": first_day, "last_day": last_day, "t": at, "hour_ago": at - HOUR,
              "live_from": at - LIVE}
    pages = common.rows(con, LIVE_PAGES.format(**parts), params)
    total = common.scalar(con, LIVE_TOTAL.format(**parts), params)
    return {
        "live_visitors": int(total or 0),
        "views_last_hour": sum(int(p["views_last_hour"]) for p in pages),
        "live_pages": [{**p, "live_visitors": int(p["live_visitors"]),
                        "views_last_hour": int(p["views_last_hour"])} for p in pages[:TOP_NOW]],
    }


def _load(con: Any, at: datetime, include_bots: bool, filters: Filters | None = None) -> None:
    """Sessions started in ``[T - LOOKBACK, T]``; bots kept aside to leave out their progress."""
    window = Window(at - LOOKBACK, at + timedelta(milliseconds=1))
    common.load_sessions(
        con, ALL, window, include_bots=True,
        extra="session_id, track_id, ended_at, coalesce(is_bot, false) AS is_bot",
        filters=filters,
    )
    keep = "true" if include_bots else "NOT is_bot"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {RECENT} AS SELECT * FROM {ALL} WHERE {keep}")


def _progress(con: Any, at: datetime, include_bots: bool, filtered: bool = False
              ) -> dict[str, Any]:
    first_day, last_day, _, _ = Window(at - HOUR, at).params()
    params = {
        "first_day": first_day,
        "last_day": last_day,
        "t": at,
        "hour_ago": at - HOUR,
        "include_bots": include_bots,
        "filtered": filtered,
    }
    return common.rows(con, PROGRESS, params)[0]


def _top_tracks(con: Any, times: dict[str, Any]) -> list[dict[str, Any]]:
    found = common.rows(con, TOP_TRACKS, {**times, "top": TOP_NOW})
    for row in found:
        row["current_listeners"] = int(row["current_listeners"])
        row["started_in_last_hour"] = int(row["started_in_last_hour"])
    return found


def _now_distribution(con: Any, column: str, at: datetime) -> dict[str, int]:
    sql = NOW_DISTRIBUTION.format(column=column)
    return {k: int(n) for k, n in con.execute(sql, {"t": at}).fetchall()}

