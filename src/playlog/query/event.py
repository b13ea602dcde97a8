"""`playlog event ID [--period …]`: the event-page summary of docs/metrics.md.

Records of the page are loaded once, from the start of the window (or 30 days
before T, whichever is earlier) up to T = the window's end. Totals cover the
window; ``views_24h`` … ``unique_views_30d`` cover the 24 h, 7 and 30 days
ending at T.

- a unique view is a distinct ``coalesce(user_id, session_id, anon_key)``;
- a viewing session is a distinct ``coalesce(session_id, user_id, anon_key)``
  with a view; it bounced when it has no other record (click, share …) for
  the page in the same span. Records with none of the three keys are left out
  of the bounce rate.

Counts are named as the summary names them (``total_views`` …), in the
summary and in the rows of ``--period`` alike; both answers carry their
``window`` and ``notes`` (see query/rollup.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playlog.query import common, engagement, rollup
from playlog.query.filters import Filters
from playlog.query.top import EVENT_COUNTS
from playlog.query.window import Window

TABLE = "page_events"
PERIODS = ("hour", "day", "week", "month")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PERIOD_FIELDS = [
    "period", "start", "total_views", "total_unique_views", "total_clicks", "total_shares",
    "total_favorites", "total_ticket_clicks", "total_external_clicks",
    "avg_time_on_page_seconds", "bounce_rate",
]
LABELS = {"hour": "%Y-%m-%dT%H:00", "day": "%Y-%m-%d", "week": "%G-W%V", "month": "%Y-%m"}

LOAD = """
SELECT event_id, event_type, ts, time_on_page_ms, age_group, gender,
       coalesce(user_id, session_id, anon_key) AS visitor,
       coalesce(session_id, user_id, anon_key) AS visit,
       coalesce(source, 'unknown') AS source, coalesce(device_type, 'other') AS device_type
FROM events
WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
  AND ts >= CAST($start AS TIMESTAMPTZ) AND ts < CAST($end AS TIMESTAMPTZ)
  AND event_id = $event_id {bots} {filters}
"""

COUNTS = """
SELECT {group} {counts},
       coalesce(avg(time_on_page_ms) FILTER (WHERE event_type = 'view') / 1000.0, 0)
           AS avg_time_on_page_seconds,
       epoch_ms(min(ts) FILTER (WHERE event_type = 'view')) AS first_view_ms,
       epoch_ms(max(ts) FILTER (WHERE event_type = 'view')) AS last_view_ms
FROM {table} WHERE ts >= $start AND ts < $end {group_by}
"""

BOUNCE = """
WITH visits AS (
    SELECT {key} visit, bool_or(event_type = 'view') AS viewed,
           bool_or(event_type <> 'view') AS engaged
    FROM {table} WHERE ts >= $start AND ts < $end AND visit IS NOT NULL
    GROUP BY ALL
)
SELECT {outer} coalesce(count(*) FILTER (WHERE viewed AND NOT engaged)
                 / nullif(count(*) FILTER (WHERE viewed), 0), 0) AS bounce_rate
FROM visits GROUP BY ALL
"""

SHARES = """
SELECT {column} AS k, count(*) AS n FROM {table} WHERE ts >= $start AND ts < $end
GROUP BY 1 ORDER BY n DESC, k
"""

PERIOD_KEY = "date_trunc($period, timezone($tz, ts)) AS period_start,"

KNOWN_EVENT = (
    "SELECT 1 FROM events WHERE event_id = $1 UNION ALL SELECT 1 FROM rollup_events WHERE event_id = $1"
)
EVENT_IDS = (
    "SELECT DISTINCT event_id AS id FROM events UNION SELECT DISTINCT event_id FROM rollup_events"
)


def load_page(con: Any, event_id: str, window: Window, include_bots: bool,
              filters: Filters | None = None) -> None:
    """Records of the page from min(window start, T − 30 d) to T, loaded once."""
    span = Window(min(window.start, window.end - timedelta(days=30)), window.end, window.tz)
    first_day, last_day, start, end = span.params()
    where = filters.where(con, "events") if filters else ""
    sql = LOAD.format(bots=common.bots_clause(include_bots), filters=where)
    common.load(con, TABLE, sql, {"first_day": first_day, "last_day": last_day,
                      "start": start, "end": end, "event_id": event_id})
    if not common.exists(con, f"SELECT 1 FROM {TABLE}", []) and not common.exists(
        con, KNOWN_EVENT, [event_id]
    ):
        raise common.not_found(con, "event", event_id, EVENT_IDS)


def event_report(con: Any, event_id: str, window: Window, *, include_bots: bool = False,
                 filters: Filters | None = None) -> dict[str, Any]:
    """The summary of one event page over ``window``, with rolling windows ending at its end
    (of the records ``filters`` keep)."""
    load_page(con, event_id, window, include_bots, filters)
    extra = _extra(con, event_id, window, filters)
    if rollup.use(con, window, filters, "rollup_events"):
        result = _from_rollups(con, event_id, window, include_bots, filters)
        result["funnel"] = extra.pop("funnel")
        notes = rollup.notes(con, window, include_bots, "rollup_events", filters)
        notes.append(f"Bounce rate, the funnel and demographics count the raw records only, "
                     f"kept from {rollup.raw_from(con)}.")
        return {**result, **extra, "window": window.as_dict(), "notes": notes}
    span = {"start": window.start, "end": window.end}
    totals = _counts(con, span)
    last = {days: _counts(con, _ending(window, days)) for days in (1, 7, 30)}
    sources = {"traffic_sources": _shares(con, "source", span),
               "device_types": _shares(con, "device_type", span)}
    views = (common.instant(totals["first_view_ms"]), common.instant(totals["last_view_ms"]))
    result = _summary(event_id, totals, _bounce(con, span), _peaks(con, window), last, sources,
                      views)
    result["funnel"] = extra.pop("funnel")
    return {**result, **extra, "window": window.as_dict(),
            "notes": rollup.uncovered_notes(con, window, filters, "rollup_events")}


WINDOW_ROWS = f"(SELECT * FROM {TABLE} WHERE ts >= $start AND ts < $end)"
TITLE = "SELECT any_value(title) FROM event_catalog WHERE event_id = ?"


def _extra(con: Any, event_id: str, window: Window, filters: Filters | None) -> dict[str, Any]:
    """The funnel and demographics of the window's records, the catalog's title, the filters."""
    span = {"start": window.start, "end": window.end}
    found = engagement.engagement(con, WINDOW_ROWS, span)
    return {"title": common.scalar(con, TITLE, [event_id]), "funnel": found["funnel"],
            **engagement.demographics(con, WINDOW_ROWS, span),
            "filters": filters.texts if filters else []}


def _summary(event_id: str, totals: dict[str, Any], bounce: float,
             peaks: tuple[int | None, str | None], last: dict[int, dict[str, Any]],
             sources: dict[str, dict[str, int]], views: tuple[Any, Any]) -> dict[str, Any]:
    """The SPEC §3 object of an event page from its parts (raw rows or roll-ups)."""
    return {
        "event_id": event_id,
        **{f"total_{k}": totals[f"total_{k}"] for k in (
            "views", "unique_views", "clicks", "shares", "favorites", "ticket_clicks",
            "external_clicks")},
        "avg_time_on_page_seconds": totals["avg_time_on_page_seconds"],
        "bounce_rate": bounce,
        "peak_hour": peaks[0],
        "peak_day": peaks[1],
        "views_24h": last[1]["total_views"],
        "unique_views_24h": last[1]["total_unique_views"],
        "clicks_24h": last[1]["total_clicks"],
        "views_7d": last[7]["total_views"],
        "unique_views_7d": last[7]["total_unique_views"],
        "views_30d": last[30]["total_views"],
        "unique_views_30d": last[30]["total_unique_views"],
        **sources,
        "first_view_at": views[0],
        "last_view_at": views[1],
    }


def _peak_of(buckets: list[tuple[Any, int]]) -> tuple[int | None, str | None]:
    """The local hour and weekday with most views; the earliest (Monday first) on a tie."""
    if not buckets:
        return None, None
    hours, days = [0] * 24, [0] * 7
    for local, n in buckets:
        hours[local.hour] += n
        days[local.weekday()] += n
    return hours.index(max(hours)), WEEKDAYS[days.index(max(days))]


def event_periods_report(
    con: Any, event_id: str, window: Window, period: str, *, include_bots: bool = False,
    filters: Filters | None = None,
) -> dict[str, Any]:
    """The answer of `playlog event ID --period P`: ``event_id``, ``period``, ``window``,
    ``filters``, the ``periods`` rows and ``notes``."""
    rows = event_periods(con, event_id, window, period, include_bots=include_bots,
                         filters=filters)
    notes = (rollup.notes(con, window, include_bots, "rollup_events", filters)
             if rollup.use(con, window, filters, "rollup_events")
             else rollup.uncovered_notes(con, window, filters, "rollup_events"))
    return {"event_id": event_id, "period": period, "window": window.as_dict(),
            "filters": filters.texts if filters else [], "periods": rows, "notes": notes}


def event_periods(
    con: Any, event_id: str, window: Window, period: str, *, include_bots: bool = False,
    filters: Filters | None = None,
) -> list[dict[str, Any]]:
    """One row per local hour, day, ISO week or month of the window that has records."""
    load_page(con, event_id, window, include_bots, filters)
    params = {"start": window.start, "end": window.end, "period": period, "tz": window.tz}
    if rollup.use(con, window, filters, "rollup_events"):
        counts = rollup.event_periods(con, event_id, window, period, include_bots, filters)
    else:
        grouped = {"group": PERIOD_KEY, "group_by": "GROUP BY ALL ORDER BY 1", "table": TABLE,
                   "counts": EVENT_COUNTS}
        counts = common.rows(con, COUNTS.format(**grouped), params)
    bounce_sql = BOUNCE.format(table=TABLE, key=PERIOD_KEY, outer="period_start,")
    bounces = dict(con.execute(bounce_sql, params).fetchall())
    return [_period_row(row, period, bounces, window.tz) for row in counts]


def _period_row(row: dict[str, Any], period: str, bounces: dict, tz: str) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    local = row.pop("period_start")
    row.pop("first_view_ms")
    row.pop("last_view_ms")
    start = local.replace(tzinfo=ZoneInfo(tz))
    out = {"period": local.strftime(LABELS[period]), "start": start}
    out.update({k: _number(v) for k, v in row.items()})
    out["bounce_rate"] = float(bounces.get(local, 0.0))
    return out


def _peaks(con: Any, window: Window) -> tuple[int | None, str | None]:
    where = "event_type = 'view' AND ts >= $start AND ts < $end"
    sql = common.LOCAL_BUCKETS.format(name=TABLE, column="ts", where=where, measure=common.ROWS)
    return _peak_of(
        con.execute(sql, {"tz": window.tz, "start": window.start, "end": window.end}).fetchall()
    )


def _counts(con: Any, span: dict[str, Any]) -> dict[str, Any]:
    sql = COUNTS.format(group="", group_by="", table=TABLE, counts=EVENT_COUNTS)
    return {k: _number(v) for k, v in common.rows(con, sql, span)[0].items()}


def _bounce(con: Any, span: dict[str, Any]) -> float:
    sql = BOUNCE.format(key="", outer="", table=TABLE)
    found = con.execute(sql, span).fetchall()
    return float(found[0][0]) if found else 0.0


def _shares(con: Any, column: str, span: dict[str, Any]) -> dict[str, int]:
    sql = SHARES.format(column=column, table=TABLE)
    return {k: int(n) for k, n in con.execute(sql, span).fetchall()}


def _ending(window: Window, days: int) -> dict[str, Any]:
    return {"start": window.end - timedelta(days=days), "end": window.end}


def _number(value: Any) -> Any:
    if value is None or isinstance(value, (int, float)):
        return value
    return float(value)


def _from_rollups(con: Any, event_id: str, window: Window, include_bots: bool,
                  filters: Filters | None = None) -> dict[str, Any]:
    """The summary when the window reaches before the raw rows: counts from the roll-ups,
    the bounce rate from the raw rows that remain, view times to the hour."""
    totals = rollup.event_totals(con, window, include_bots, event_id, filters)
    last = {}
    for days in (1, 7, 30):
        part = window.ending(timedelta(days=days))
        last[days] = (rollup.event_totals(con, part, include_bots, event_id, filters)
                      if rollup.needed(con, part) else _counts(con, _ending(window, days)))
    page = {"event_id": event_id}
    per = {"table": "rollup_events", "measure": "records", "where": filters}
    views = rollup.buckets(con, window, include_bots, filters={**page, "event_type": "view"}, **per)
    sources = {
        name: rollup.distribution(con, window, include_bots, column, missing=missing,
                                  filters=page, **per)
        for name, column, missing in (("traffic_sources", "source", "unknown"),
                                      ("device_types", "device_type", "other"))
    }
    span = {"start": window.start, "end": window.end}
    raw_last = _counts(con, span)["last_view_ms"]
    times = (common.instant(totals["first_view_hour"]),
             common.instant(raw_last or totals["last_view_hour"]))
    return _summary(event_id, totals, _bounce(con, span), _peak_of(views), last, sources, times)
