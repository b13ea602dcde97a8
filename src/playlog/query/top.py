"""`playlog top-tracks` and `playlog top-events`: ranked lists over a window.

Ties are broken by id, ascending, so a ranking is stable. Each ranked query
is written once over a ``{source}`` relation: the Parquet view filtered to the
window (the commands) or a window already loaded by the period report.

Ranking runs in two steps: the ranking measure alone picks the N ids (cheap
when it is a count or a sum), then the full rows are computed for those N ids
only, so distinct counts are taken over a few ids rather than all of them.

Rows name their counts as the per-item reports do (``total_plays``,
``unique_listeners``, ``total_views`` …). ``top_tracks_report`` and
``top_events_report`` are the answers of the commands: the ranked rows with
their ``window`` and ``notes``.
"""

from __future__ import annotations

from typing import Any

from playlog.query import common, rollup
from playlog.query.window import Window

TRACK_ORDER = {"plays": "total_plays", "listeners": "unique_listeners",
               "time": "total_duration_played_ms"}
TRACK_MEASURE = {
    "plays": "count(*)",
    "listeners": "count(DISTINCT listener_key)",
    "time": "coalesce(sum(duration_played_ms), 0)",
}
EVENT_ORDER = {"views": "total_views", "unique": "total_unique_views", "clicks": "total_clicks"}
EVENT_MEASURE = {
    "views": "count(*) FILTER (WHERE event_type = 'view')",
    "unique": "count(DISTINCT visitor) FILTER (WHERE event_type = 'view')",
    "clicks": "count(*) FILTER (WHERE event_type = 'click')",
}

SESSIONS_IN_WINDOW = """(
    SELECT * FROM sessions
    WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
      AND started_at >= CAST($start AS TIMESTAMPTZ) AND started_at < CAST($end AS TIMESTAMPTZ)
      {bots})"""

EVENTS_IN_WINDOW = """(
    SELECT event_id, event_type, coalesce(user_id, session_id, anon_key) AS visitor,
           coalesce(source, 'unknown') AS source, coalesce(device_type, 'other') AS device_type
    FROM events
    WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
      AND ts >= CAST($start AS TIMESTAMPTZ) AND ts < CAST($end AS TIMESTAMPTZ)
      {bots})"""

TOP_TRACKS = """
WITH best AS (
    SELECT track_id FROM {source} AS s GROUP BY track_id
    ORDER BY {measure} DESC, track_id LIMIT $limit
), ranked AS (
    SELECT track_id, count(*) AS total_plays, count(DISTINCT listener_key) AS unique_listeners,
           coalesce(sum(duration_played_ms), 0) AS total_duration_played_ms,
           coalesce(avg(completion_percentage / 100.0), 0) AS average_completion_rate,
           coalesce(count(*) FILTER (WHERE ended AND skip_reason = 'user_skip')
                    / nullif(count(*) FILTER (WHERE ended), 0), 0) AS skip_rate
    FROM {source} AS s
    WHERE track_id IN (SELECT track_id FROM best)
    GROUP BY track_id
)
SELECT row_number() OVER (ORDER BY r.{order} DESC, r.track_id) AS rank, r.track_id,
       c.title, c.artist, r.total_plays, r.unique_listeners, r.total_duration_played_ms,
       r.average_completion_rate, r.skip_rate
FROM ranked AS r
LEFT JOIN (SELECT track_id, any_value(title) AS title, any_value(artist) AS artist
           FROM catalog GROUP BY track_id) AS c USING (track_id)
ORDER BY rank
"""

TOP_USERS = """
WITH best AS (
    SELECT user_id FROM {source} WHERE user_id IS NOT NULL GROUP BY user_id
    ORDER BY coalesce(sum(duration_played_ms), 0) DESC, user_id LIMIT $limit
)
SELECT row_number() OVER (ORDER BY total_listening_time_ms DESC, user_id) AS rank, *
FROM (
    SELECT user_id, coalesce(sum(duration_played_ms), 0) AS total_listening_time_ms,
           count(*) AS tracks_played, count(DISTINCT track_id) AS unique_tracks
    FROM {source} WHERE user_id IN (SELECT user_id FROM best)
    GROUP BY user_id
)
ORDER BY rank
"""

# The event-page counts of a window of records with a `visitor` column.
EVENT_COUNTS = """count(*) FILTER (WHERE event_type = 'view') AS total_views,
       count(DISTINCT visitor) FILTER (WHERE event_type = 'view') AS total_unique_views,
       count(*) FILTER (WHERE event_type = 'click') AS total_clicks,
       count(*) FILTER (WHERE event_type = 'share') AS total_shares,
       count(*) FILTER (WHERE event_type = 'favorite') AS total_favorites,
       count(*) FILTER (WHERE event_type = 'ticket_click') AS total_ticket_clicks,
       count(*) FILTER (WHERE event_type = 'external_click') AS total_external_clicks"""

TOP_EVENTS = """
WITH best AS (
    SELECT event_id FROM {source} AS s GROUP BY event_id
    ORDER BY {measure} DESC, event_id LIMIT $limit
)
SELECT row_number() OVER (ORDER BY {order} DESC, event_id) AS rank, *
FROM (
    SELECT event_id, {counts}
    FROM {source} AS s
    WHERE event_id IN (SELECT event_id FROM best)
    GROUP BY event_id
)
ORDER BY rank
"""


def window_params(window: Window) -> dict[str, Any]:
    first_day, last_day, start, end = window.params()
    return {"first_day": first_day, "last_day": last_day, "start": start, "end": end}


def top_tracks(
    con: Any, window: Window, *, by: str = "plays", limit: int = 10, include_bots: bool = False,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Tracks ranked by plays, distinct listeners or listening time."""
    params: dict[str, Any] = {"limit": limit}
    if source is None and rollup.needed(con, window):
        return rollup.top_tracks(con, window, by=by, limit=limit, include_bots=include_bots)
    if source is None:
        source = SESSIONS_IN_WINDOW.format(bots=common.bots_clause(include_bots))
        params.update(window_params(window))
    sql = TOP_TRACKS.format(source=source, order=TRACK_ORDER[by], measure=TRACK_MEASURE[by])
    return common.plain_numbers(common.rows(con, sql, params))


def top_users(con: Any, source: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """Identified users ranked by listening time, from a loaded window ``source``."""
    found = common.rows(con, TOP_USERS.format(source=source), {"limit": limit})
    return common.plain_numbers(found)


def top_events(
    con: Any, window: Window, *, by: str = "views", limit: int = 10, include_bots: bool = False,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Event pages ranked by views, unique views or clicks."""
    params: dict[str, Any] = {"limit": limit}
    if source is None and rollup.needed(con, window):
        return rollup.top_events(con, window, by=by, limit=limit, include_bots=include_bots)
    if source is None:
        source = EVENTS_IN_WINDOW.format(bots=common.bots_clause(include_bots))
        params.update(window_params(window))
    sql = TOP_EVENTS.format(source=source, order=EVENT_ORDER[by], measure=EVENT_MEASURE[by],
                            counts=EVENT_COUNTS)
    return common.plain_numbers(common.rows(con, sql, params))


def top_tracks_report(con: Any, window: Window, *, by: str = "plays", limit: int = 10,
                      include_bots: bool = False) -> dict[str, Any]:
    """The answer of `playlog top-tracks`: ``window``, ranked ``top_tracks``, ``notes``."""
    rows = top_tracks(con, window, by=by, limit=limit, include_bots=include_bots)
    return {"window": window.as_dict(), "top_tracks": rows,
            "notes": _notes(con, window, include_bots, "rollup_plays")}


def top_events_report(con: Any, window: Window, *, by: str = "views", limit: int = 10,
                      include_bots: bool = False) -> dict[str, Any]:
    """The answer of `playlog top-events`: ``window``, ranked ``top_events``, ``notes``."""
    rows = top_events(con, window, by=by, limit=limit, include_bots=include_bots)
    return {"window": window.as_dict(), "top_events": rows,
            "notes": _notes(con, window, include_bots, "rollup_events")}


def _notes(con: Any, window: Window, include_bots: bool, table: str) -> list[str]:
    return rollup.notes(con, window, include_bots, table) if rollup.needed(con, window) else []


TRACK_FIELDS = [
    "rank", "track_id", "title", "artist", "total_plays", "unique_listeners",
    "total_duration_played_ms", "average_completion_rate", "skip_rate",
]
EVENT_FIELDS = [
    "rank", "event_id", "total_views", "total_unique_views", "total_clicks", "total_shares",
    "total_favorites", "total_ticket_clicks", "total_external_clicks",
]
