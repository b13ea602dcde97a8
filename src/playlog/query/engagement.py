"""Event-page engagement and demographics over a window of records (docs/metrics.md).

- **engagement**: the bounce rate and average time on page, and the funnel from
  views to clicks to ticket clicks over *viewing sessions* (one per visit and
  page, as the bounce rate counts them): ``viewing_sessions`` (with a view),
  ``clicking_sessions`` (of those, with a click), ``ticket_sessions`` (of
  those, with a ticket click too), and the conversion rates between the steps.
- **demographics**: ``age_groups`` and ``genders`` (the records' metadata) →
  distinct visitors (``coalesce(user_id, session_id, anon_key)``) with a record
  carrying that value; ``unknown``: visitors none of whose records carries one.

Both read a relation of the rows of query/top.py's EVENTS_IN_WINDOW.
"""

from __future__ import annotations

from typing import Any

from playlog.query import common, ranking

ENGAGEMENT = """
WITH {visits} times AS (
    SELECT coalesce(avg(time_on_page_ms) FILTER (WHERE event_type = 'view') / 1000.0, 0) AS t
    FROM {source}
)
SELECT coalesce(v.viewing, 0) AS viewing, coalesce(v.bounced, 0) AS bounced,
       coalesce(v.clicking, 0) AS clicking, coalesce(v.ticketing, 0) AS ticketing, times.t
FROM times LEFT JOIN visits AS v ON TRUE
"""

# A visitor counts under each value its records carry, and under ``unknown`` only when
# none of its records carries one (a click without metadata is not an unknown visitor).
DEMOGRAPHIC = """
WITH known AS (
    SELECT DISTINCT visitor, {column} AS k FROM {source} WHERE {column} IS NOT NULL
), everyone AS (SELECT DISTINCT visitor FROM {source})
SELECT k, count(*) AS n FROM (
    SELECT visitor, k FROM known
    UNION ALL
    SELECT visitor, 'unknown' FROM everyone WHERE visitor NOT IN (SELECT visitor FROM known)
) GROUP BY k ORDER BY n DESC, k
"""


def engagement(con: Any, source: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Bounce rate, time on page and the funnel of the records of ``source``."""
    visits = ranking.VISITS.format(key="'all'", source=source, join="")
    row = common.rows(con, ENGAGEMENT.format(visits=visits, source=source), params)[0]
    return shape(row["viewing"], row["bounced"], row["clicking"], row["ticketing"], row["t"])


def shape(viewing: int, bounced: int, clicking: int, ticketing: int,
          time_on_page: float | None) -> dict[str, Any]:
    """The ``engagement`` object from its counts."""
    return {
        "bounce_rate": common.ratio(bounced, viewing),
        "avg_time_on_page_seconds": None if time_on_page is None else float(time_on_page),
        "funnel": {
            "viewing_sessions": int(viewing),
            "clicking_sessions": int(clicking),
            "ticket_sessions": int(ticketing),
            "view_to_click_rate": common.ratio(clicking, viewing),
            "click_to_ticket_rate": common.ratio(ticketing, clicking),
            "view_to_ticket_rate": common.ratio(ticketing, viewing),
        },
    }


def demographics(con: Any, source: str, params: dict[str, Any] | None = None
                 ) -> dict[str, dict[str, int]]:
    """``age_groups`` and ``genders`` of the records of ``source``."""
    return {
        key: {k: int(n) for k, n in con.execute(
            DEMOGRAPHIC.format(column=column, source=source), params or {}).fetchall()}
        for key, column in (("age_groups", "age_group"), ("genders", "gender"))
    }
