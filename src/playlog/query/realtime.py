"""`playlog realtime [--at T]`: the real-time view of docs/metrics.md at instant T.

- current listeners: sessions started at or before T (and at most LOOKBACK
  before it) that had not ended before T: open (``ended = false``), or with
  ``last_update`` after T.
- "last hour" is the half-open ``[T - 1 h, T)``.
- ``error_rate_percentage`` is 0–100 over sessions whose ``ended_at`` falls in
  the last hour; ``average_buffer_health`` is the mean over progress records of
  the last hour (null when there are none). Progress of bot sessions is left
  out with the bots.
- ``window`` is the last hour, ``[T - 1 h, T)``, written in the report's zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from playlog.query import common
from playlog.query.window import Window

LOOKBACK = timedelta(hours=24)
HOUR = timedelta(hours=1)
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
"""


def realtime_report(con: Any, at: datetime, *, include_bots: bool = False,
                    tz: str = "UTC") -> dict[str, Any]:
    """The real-time view at instant ``at`` (aware UTC); ``tz`` writes its window."""
    _load(con, at, include_bots)
    times = {"t": at, "hour_ago": at - HOUR}
    counts = common.rows(con, COUNTS, times)[0]
    progress = _progress(con, at, include_bots)
    return {
        "current_listeners": int(counts["current"]),
        "streams_started_last_hour": int(counts["started"]),
        "bytes_served_last_hour": int(progress["bytes"]),
        "top_tracks_now": _top_tracks(con, times),
        "geographic_activity": _now_distribution(con, "country", at),
        "quality_distribution_now": _now_distribution(con, "quality", at),
        "error_rate_percentage": 100.0 * common.ratio(counts["errored"], counts["ended"]),
        "average_buffer_health": None if progress["health"] is None else float(progress["health"]),
        "window": Window(at - HOUR, at, tz).as_dict(),
    }


def _load(con: Any, at: datetime, include_bots: bool) -> None:
    """Sessions started in ``[T - LOOKBACK, T]``; bots kept aside to leave out their progress."""
    window = Window(at - LOOKBACK, at + timedelta(milliseconds=1))
    common.load_sessions(
        con, ALL, window, include_bots=True,
        extra="session_id, track_id, ended_at, coalesce(is_bot, false) AS is_bot",
    )
    keep = "true" if include_bots else "NOT is_bot"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {RECENT} AS SELECT * FROM {ALL} WHERE {keep}")


def _progress(con: Any, at: datetime, include_bots: bool) -> dict[str, Any]:
    first_day, last_day, _, _ = Window(at - HOUR, at).params()
    params = {
        "first_day": first_day,
        "last_day": last_day,
        "t": at,
        "hour_ago": at - HOUR,
        "include_bots": include_bots,
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

