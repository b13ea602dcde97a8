"""Ranked lists by any dimension: the engine of top lists, charts and breakdowns.

`ranked` groups the rows of one relation (a window of ``sessions``, ``events``
or ``requests``, already filtered) by a dimension's value (query/filters.py
holds the SQL of each) and computes metrics of its dataset (METRICS, named as
the per-item reports name them) for each value, ranked by one of them,
descending, ties by value. Ranking runs in two steps: the ranking metric alone
picks the N values (cheap when it is a count or a sum), then every metric is
computed for those N only, so distinct counts are taken over a few values
rather than all of them.

Event-page visit metrics (bounce rate and the view → click → ticket-click
funnel) are computed over *visits*: one per viewing session and page
(docs/metrics.md#event-page), each visit counted under the value of its
records. `ranks` is the rank of every value by one metric (the previous
window's, for rank movement: `movement` adds ``previous_rank``, null for a
value not ranked before).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playlog.query import common
from playlog.query.filters import catalog_join, expression


@dataclass(frozen=True)
class Metric:
    key: str  # the JSON key of the rows (total_plays …)
    sql: str  # an aggregate over the rows (alias `s`), or over the visits `v` (visits=True)
    visits: bool = False


def _share(part: str, whole: str) -> str:
    return f"coalesce(v.{part} / nullif(v.{whole}, 0), 0)"


SESSION_METRICS = {
    "plays": Metric("total_plays", "count(*)"),
    "listeners": Metric("unique_listeners", "count(DISTINCT s.listener_key)"),
    "time": Metric("total_duration_played_ms", "coalesce(sum(s.duration_played_ms), 0)"),
    "completion": Metric("average_completion_rate",
                         "coalesce(avg(s.completion_percentage / 100.0), 0)"),
    "skips": Metric("skip_rate", "coalesce(count(*) FILTER (WHERE s.ended AND s.skip_reason = "
                    "'user_skip') / nullif(count(*) FILTER (WHERE s.ended), 0), 0)"),
}


def _typed(kind: str) -> str:
    return f"count(*) FILTER (WHERE s.event_type = '{kind}')"


# Event-page rows need `visitor` and `visit` columns (query/top.py EVENTS_IN_WINDOW).
EVENT_METRICS = {
    "views": Metric("total_views", _typed("view")),
    "unique": Metric("total_unique_views",
                     "count(DISTINCT s.visitor) FILTER (WHERE s.event_type = 'view')"),
    "clicks": Metric("total_clicks", _typed("click")),
    "shares": Metric("total_shares", _typed("share")),
    "favorites": Metric("total_favorites", _typed("favorite")),
    "tickets": Metric("total_ticket_clicks", _typed("ticket_click")),
    "external": Metric("total_external_clicks", _typed("external_click")),
    "time": Metric("avg_time_on_page_seconds", "coalesce(avg(s.time_on_page_ms) FILTER "
                   "(WHERE s.event_type = 'view') / 1000.0, 0)"),
    "bounce": Metric("bounce_rate", _share("bounced", "viewing"), visits=True),
    "click_rate": Metric("view_to_click_rate", _share("clicking", "viewing"), visits=True),
    "ticket_rate": Metric("click_to_ticket_rate", _share("ticketing", "clicking"), visits=True),
    "conversion": Metric("view_to_ticket_rate", _share("ticketing", "viewing"), visits=True),
}
# Request rows need `local_day` (the report zone's day: a visitor counts once a day).
REQUEST_METRICS = {
    "requests": Metric("requests", "count(*)"),
    "visitors": Metric("visitors", "count(DISTINCT (s.local_day, s.visitor_key)) "
                       "FILTER (WHERE s.status // 100 <> 4)"),
    "bandwidth": Metric("bandwidth", "CAST(coalesce(sum(s.bytes), 0) AS BIGINT)"),
}
METRICS = {"sessions": SESSION_METRICS, "events": EVENT_METRICS, "requests": REQUEST_METRICS}

# Per value: its visits (viewing session × page) that viewed, bounced (nothing but views),
# clicked after viewing, and ticket-clicked after viewing and clicking.
VISITS = """visits AS (
    SELECT value, count(*) FILTER (WHERE viewed) AS viewing,
           count(*) FILTER (WHERE viewed AND NOT engaged) AS bounced,
           count(*) FILTER (WHERE viewed AND clicked) AS clicking,
           count(*) FILTER (WHERE viewed AND clicked AND ticketed) AS ticketing
    FROM (
        SELECT {key} AS value, s.visit, s.event_id, bool_or(s.event_type = 'view') AS viewed,
               bool_or(s.event_type <> 'view') AS engaged,
               bool_or(s.event_type = 'click') AS clicked,
               bool_or(s.event_type = 'ticket_click') AS ticketed
        FROM {source} AS s {join} WHERE s.visit IS NOT NULL GROUP BY ALL
    ) GROUP BY value
),"""

BEST = """SELECT {key} AS value FROM {source} AS s {join} GROUP BY 1 {having}
    ORDER BY {order} DESC, value LIMIT $limit"""
BEST_BY_VISITS = """SELECT value FROM (SELECT {key} AS value FROM {source} AS s {join}
    GROUP BY 1 {having}) LEFT JOIN visits AS v USING (value)
    ORDER BY {order} DESC, value LIMIT $limit"""

RANKED = """
WITH {visits} best AS ({best}),
measured AS (
    SELECT {key} AS value, {measures} FROM {source} AS s {join}
    WHERE {key} IN (SELECT value FROM best) GROUP BY 1
)
SELECT row_number() OVER (ORDER BY {order_key} DESC, value) AS rank, *
FROM (SELECT m.* {visit_columns} FROM measured AS m {visit_join})
ORDER BY rank
"""

RANKS = """
SELECT value, row_number() OVER (ORDER BY m DESC, value) AS rank FROM (
    SELECT {key} AS value, {order} AS m FROM {source} AS s {join} GROUP BY 1 {having}
)
"""


def _parts(source: str, dataset: str, dimension: str, known: bool) -> dict[str, str]:
    return {"source": source, "key": expression(dimension, dataset),
            "join": catalog_join(dimension, dataset),
            "having": "HAVING value <> 'unknown'" if known else ""}


def ranked(con: Any, source: str, dataset: str, dimension: str, *, by: str,
           limit: int | None = 10, params: dict[str, Any] | None = None,
           metrics: tuple[str, ...] | None = None, known: bool = False) -> list[dict[str, Any]]:
    """The values of ``dimension`` in ``source`` (a relation of ``dataset`` rows) ranked by
    metric ``by`` (``limit`` None: all): ``rank``, ``value`` and the ``metrics`` (default
    all of the dataset's). ``known`` leaves out the value ``unknown`` (charts)."""
    table = METRICS[dataset]
    chosen = [table[n] for n in dict.fromkeys([*(metrics or tuple(table)), by])]
    parts = _parts(source, dataset, dimension, known)
    order = table[by]
    visits = any(m.visits for m in chosen)
    best = (BEST_BY_VISITS if order.visits else BEST).format(order=order.sql, **parts)
    measures = ", ".join(f"{m.sql} AS {m.key}" for m in chosen if not m.visits)
    sql = RANKED.format(
        visits=VISITS.format(**parts) if visits else "", best=best,
        measures=measures or "count(*) AS rows_", order_key=order.key,
        visit_columns="".join(f", {m.sql} AS {m.key}" for m in chosen if m.visits),
        visit_join="LEFT JOIN visits AS v USING (value)" if visits else "", **parts)
    found = common.plain_numbers(common.rows(con, sql, {**(params or {}), "limit": limit}))
    keys = ["rank", "value", *(m.key for m in chosen)]
    return [{k: row[k] for k in keys} for row in found]


def ranks(con: Any, source: str, dataset: str, dimension: str, *, by: str,
          params: dict[str, Any] | None = None, known: bool = False) -> dict[str, int]:
    """Every value of ``dimension`` in ``source`` → its rank by metric ``by``."""
    metric = METRICS[dataset][by]
    if metric.visits:
        found = ranked(con, source, dataset, dimension, by=by, limit=None, params=params,
                       metrics=(by,), known=known)
        return {r["value"]: r["rank"] for r in found}
    sql = RANKS.format(order=metric.sql, **_parts(source, dataset, dimension, known))
    return {value: int(rank) for value, rank in con.execute(sql, params or {}).fetchall()}


def movement(rows: list[dict[str, Any]], previous: dict[str, int], key: str = "value"
             ) -> list[dict[str, Any]]:
    """Each row with ``previous_rank``: its rank in ``previous`` (None: new)."""
    return [{**row, "previous_rank": previous.get(row[key])} for row in rows]


def overall(con: Any, source: str, dataset: str, metrics: tuple[str, ...],
            params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``metrics`` of all the rows of ``source`` together (a breakdown's totals)."""
    table = METRICS[dataset]
    chosen = [table[n] for n in metrics]
    parts = {"source": source, "key": "'all'", "join": "", "having": ""}
    visits = any(m.visits for m in chosen)
    sql = f"""
        WITH {VISITS.format(**parts) if visits else ""} measured AS (
            SELECT 'all' AS value, {', '.join(f'{m.sql} AS {m.key}' for m in chosen
                                              if not m.visits) or 'count(*) AS rows_'}
            FROM {source} AS s
        )
        SELECT m.* {''.join(f', {m.sql} AS {m.key}' for m in chosen if m.visits)}
        FROM measured AS m {'LEFT JOIN visits AS v USING (value)' if visits else ''}"""
    row = common.plain_numbers(common.rows(con, sql, params))[0]
    return {m.key: row[m.key] for m in chosen}
