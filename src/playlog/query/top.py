"""The ranked lists: `top-tracks`, `top-artists`, `top-albums`, `top-genres`, `top-events`.

Each is a `Chart`: a dimension of a dataset ranked by one metric over a window
(query/ranking.py does the ranking, query/rollup.py when the window reaches
before the raw rows), ties by value, ascending. Rows name their counts as the
per-item reports do (``total_plays``, ``unique_listeners``, ``total_views`` …)
and carry what the catalogs know: title and artist of a track, the artist of
an album, the title of an event page. Artists, albums and genres come from the
track catalog; tracks it does not know are left out of those charts.

`chart_report` is the answer of a command: ``window``, ``filters``, the ranked
rows with ``previous_rank`` (the rank in the previous window of the same
length; null when not ranked there), ``notes``; with ``period`` (week or month)
one ranked list per local ISO week or calendar month of the window instead,
each moving against the period before it (query/series.py).
"""

from __future__ import annotations

from typing import Any

from playlog.query import common, ranking, rollup
from playlog.query.charts import CHARTS, FIELDS, NONE, Chart
from playlog.query.filters import Filters
from playlog.query.window import Window

SESSIONS_IN_WINDOW = """(
    SELECT * FROM sessions
    WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
      AND started_at >= CAST($start AS TIMESTAMPTZ) AND started_at < CAST($end AS TIMESTAMPTZ)
      {bots} {filters})"""

# Event-page records with the keys of docs/metrics.md: `visitor` (unique views) and
# `visit` (bounce rate, funnel).
EVENTS_IN_WINDOW = """(
    SELECT event_id, event_type, ts, time_on_page_ms, age_group, gender,
           coalesce(user_id, session_id, anon_key) AS visitor,
           coalesce(session_id, user_id, anon_key) AS visit,
           coalesce(source, 'unknown') AS source, coalesce(device_type, 'other') AS device_type
    FROM events
    WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
      AND ts >= CAST($start AS TIMESTAMPTZ) AND ts < CAST($end AS TIMESTAMPTZ)
      {bots} {filters})"""

# The event-page counts of a window of records with a `visitor` column.
EVENT_COUNTS = """count(*) FILTER (WHERE event_type = 'view') AS total_views,
       count(DISTINCT visitor) FILTER (WHERE event_type = 'view') AS total_unique_views,
       count(*) FILTER (WHERE event_type = 'click') AS total_clicks,
       count(*) FILTER (WHERE event_type = 'share') AS total_shares,
       count(*) FILTER (WHERE event_type = 'favorite') AS total_favorites,
       count(*) FILTER (WHERE event_type = 'ticket_click') AS total_ticket_clicks,
       count(*) FILTER (WHERE event_type = 'external_click') AS total_external_clicks"""

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


def window_params(window: Window) -> dict[str, Any]:
    first_day, last_day, start, end = window.params()
    return {"first_day": first_day, "last_day": last_day, "start": start, "end": end}


def window_source(con: Any, dataset: str, include_bots: bool,
                  filters: Filters | None) -> str:
    """The relation of a window's sessions or event-page records (parameters: window_params)."""
    template = SESSIONS_IN_WINDOW if dataset == "sessions" else EVENTS_IN_WINDOW
    where = filters.where(con, dataset) if filters else ""
    return template.format(bots=common.bots_clause(include_bots), filters=where)


def chart_rows(con: Any, chart: Chart, window: Window, *, by: str, limit: int | None = 10,
               include_bots: bool = False, filters: Filters | None = None,
               source: str | None = None) -> list[dict[str, Any]]:
    """The ranked rows of ``chart`` over ``window`` (or over a loaded window ``source``)."""
    if source is None and rollup.use(con, window, filters, chart.rollup_table):
        found = rollup.ranked(con, window, chart.dataset, chart.dimension, by=by, limit=limit,
                              include_bots=include_bots, filters=filters, known=chart.known,
                              metrics=chart.metrics)
        found = _raw_visits(con, chart, window, found, include_bots, filters)
    else:
        params = {} if source is not None else window_params(window)
        source = source or window_source(con, chart.dataset, include_bots, filters)
        found = ranking.ranked(con, source, chart.dataset, chart.dimension, by=by, limit=limit,
                               params=params, metrics=chart.metrics, known=chart.known)
    return describe(con, chart, found)


def _raw_visits(con: Any, chart: Chart, window: Window, found: list[dict[str, Any]],
                include_bots: bool, filters: Filters | None) -> list[dict[str, Any]]:
    """Rows from roll-ups with their visit metrics (bounce rate, funnel) counted over the
    raw records that remain: roll-ups keep no single visit."""
    visits = [m for m in chart.metrics if ranking.METRICS[chart.dataset][m].visits]
    if not visits or not found:
        return found
    source = window_source(con, chart.dataset, include_bots, filters)
    raw = ranking.ranked(con, source, chart.dataset, chart.dimension, by=visits[0], limit=None,
                         params=window_params(window), metrics=tuple(visits))
    by_value = {r["value"]: r for r in raw}
    keys = [ranking.METRICS[chart.dataset][m].key for m in visits]
    return [{**r, **{k: by_value.get(r["value"], {}).get(k, 0.0) for k in keys}} for r in found]


def previous_ranks(con: Any, chart: Chart, window: Window, *, by: str, include_bots: bool,
                   filters: Filters | None) -> dict[str, int]:
    """Every value's rank in ``window`` (the previous one), for rank movement."""
    if rollup.use(con, window, filters, chart.rollup_table):
        found = rollup.ranked(con, window, chart.dataset, chart.dimension, by=by, limit=None,
                              include_bots=include_bots, filters=filters, known=chart.known,
                              metrics=(by,))
        return {r["value"]: r["rank"] for r in found}
    source = window_source(con, chart.dataset, include_bots, filters)
    return ranking.ranks(con, source, chart.dataset, chart.dimension, by=by,
                         params=window_params(window), known=chart.known)


def describe(con: Any, chart: Chart, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ranked rows with the chart's key and what the catalogs say of each value."""
    values = [r["value"] for r in found]
    names = _names(con, chart, values)
    rows = []
    for r in found:
        row = {"rank": r["rank"], chart.key: r["value"], **names.get(r["value"], NONE[chart.key])}
        row.update({k: v for k, v in r.items() if k not in ("rank", "value")})
        rows.append(row)
    return rows


NAMES = {
    "track_id": "SELECT track_id, any_value(title) AS title, any_value(artist) AS artist "
                "FROM catalog WHERE track_id IN (SELECT unnest($values)) GROUP BY 1",
    "album": "SELECT album, CASE WHEN count(DISTINCT artist) = 1 THEN any_value(artist) END "
             "AS artist FROM catalog WHERE album IN (SELECT unnest($values)) GROUP BY 1",
    "event_id": "SELECT event_id, any_value(title) AS title FROM event_catalog "
                "WHERE event_id IN (SELECT unnest($values)) GROUP BY 1",
}


def _names(con: Any, chart: Chart, values: list[str]) -> dict[str, dict[str, Any]]:
    sql = NAMES.get(chart.key)
    if sql is None or not values:
        return {}
    return {row[chart.key]: {k: v for k, v in row.items() if k != chart.key}
            for row in common.rows(con, sql, {"values": values})}


def top_tracks(con: Any, window: Window, *, by: str = "plays", limit: int = 10,
               include_bots: bool = False, source: str | None = None,
               filters: Filters | None = None) -> list[dict[str, Any]]:
    """Tracks ranked by plays, distinct listeners or listening time."""
    return chart_rows(con, CHARTS["top-tracks"], window, by=by, limit=limit,
                      include_bots=include_bots, filters=filters, source=source)


def top_events(con: Any, window: Window, *, by: str = "views", limit: int = 10,
               include_bots: bool = False, source: str | None = None,
               filters: Filters | None = None) -> list[dict[str, Any]]:
    """Event pages ranked by views, unique views, clicks or ticket clicks."""
    return chart_rows(con, CHARTS["top-events"], window, by=by, limit=limit,
                      include_bots=include_bots, filters=filters, source=source)


def top_users(con: Any, source: str, *, limit: int = 10,
              params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Identified users ranked by listening time, from a window ``source`` (a loaded one, or
    one taking ``params``)."""
    found = common.rows(con, TOP_USERS.format(source=source), {**(params or {}), "limit": limit})
    return common.plain_numbers(found)


def chart_report(con: Any, name: str, window: Window, *, by: str | None = None,
                 limit: int = 10, include_bots: bool = False, filters: Filters | None = None,
                 period: str | None = None) -> dict[str, Any]:
    """The answer of a top-* command (see the module docstring)."""
    from playlog.query import series

    chart = CHARTS[name]
    by = by or chart.orders[0]
    options = {"by": by, "include_bots": include_bots, "filters": filters}
    notes = _notes(con, window, chart, include_bots, filters)
    answer: dict[str, Any] = {"window": window.as_dict(), "filters": filters_of(filters)}
    if period is not None:
        answer["period"] = period
        answer["periods"] = [
            {"period": label, "window": part.as_dict(),
             chart.rows: _moving(con, chart, part, before, limit, options)}
            for label, part, before in series.split(window, period)]
    else:
        answer[chart.rows] = _moving(con, chart, window, window.previous(), limit, options)
    answer["notes"] = notes
    return answer


def _moving(con: Any, chart: Chart, window: Window, before: Window, limit: int,
            options: dict[str, Any], source: str | None = None) -> list[dict[str, Any]]:
    rows = chart_rows(con, chart, window, limit=limit, source=source, **options)
    previous = previous_ranks(con, chart, before, **options)
    return ranking.movement(rows, previous, chart.key)


def moving(con: Any, name: str, window: Window, *, by: str, limit: int = 10,
           include_bots: bool = False, filters: Filters | None = None,
           source: str | None = None) -> list[dict[str, Any]]:
    """The ranked rows of chart ``name`` with ``previous_rank`` (the previous window's)."""
    options = {"by": by, "include_bots": include_bots, "filters": filters}
    return _moving(con, CHARTS[name], window, window.previous(), limit, options, source)


def filters_of(filters: Filters | None) -> list[str]:
    return filters.texts if filters else []


def _notes(con: Any, window: Window, chart: Chart, include_bots: bool,
           filters: Filters | None) -> list[str]:
    if not rollup.use(con, window, filters, chart.rollup_table):
        found = rollup.uncovered_notes(con, window, filters, chart.rollup_table)
        if chart.dataset == "sessions":  # listening times count the known durations only
            source = window_source(con, "sessions", include_bots, filters)
            found += common.unknown_durations_note(con, source, window_params(window))
        return found
    found = rollup.notes(con, window, include_bots, chart.rollup_table, filters)
    if chart.dataset == "events":
        found.append(f"Bounce rates and the funnel count the raw records only, kept from "
                     f"{rollup.raw_from(con)}.")
    return found


TRACK_FIELDS = FIELDS["top-tracks"]
EVENT_FIELDS = FIELDS["top-events"]
__all__ = ["CHARTS", "FIELDS", "Chart", "chart_report", "chart_rows", "top_events", "top_tracks",
           "top_users"]
