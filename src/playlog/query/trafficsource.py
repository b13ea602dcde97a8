"""Where ``playlog traffic`` reads a window from: roll-up hours and raw requests, one shape.

Every traffic answer is computed from one relation of *facet rows* — ``(hour,
facet, value, is_bot, requests, bandwidth, visitors)``, the shape of
``rollup_requests`` (store/webrollups.py) — built for the window by `build`:

- ``mixed`` (the usual case): the whole UTC hours of the window come from the
  roll-up, and the minutes before the first and after the last whole hour from
  the raw requests, aggregated by the same SQL; exact, and it reads a few
  hundred thousand counts instead of millions of requests;
- ``raw``: everything from raw requests in 15-minute buckets, for a zone whose
  offset is not a whole number of hours (hours and days of 15-minute buckets
  are exact in every zone) or a window shorter than an hour;
- ``rollup``: the window reaches before the raw rows (cleanup deleted them):
  the roll-up hours that start inside the window, as every report does then.

A filtered window (``--filter``) is read from the raw requests it keeps (the
``raw`` plan): a roll-up row holds one facet, not the combination of them.

Visitors of the top paths are counted per local day from raw requests in the
``raw`` plan (`path_visitors`); in the others, per UTC day from the roll-up
hours (each visitor once per path and UTC day, in the hour of their first
request of it): exact for windows of whole UTC days, and an exact count would
cost a distinct count over every (path, day, visitor) of the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playlog.query import common, rollup
from playlog.query.filters import Filters
from playlog.query.window import Window
from playlog.store.webrollups import rows_sql

HOUR = timedelta(hours=1)

# Several ranges go in one query: their bounds are written in (common.inline checks them).
RAW_RANGE = """(
    SELECT * FROM requests
    WHERE date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
      AND ts >= CAST(? AS TIMESTAMPTZ) AND ts < CAST(? AS TIMESTAMPTZ) {filters})"""

# From the first of the month: months before the raw rows are one file each (retention.py).
ROLLUP_RANGE = """
SELECT hour, facet, value, is_bot, requests, bandwidth, visitors FROM rollup_requests
WHERE date BETWEEN CAST(date_trunc('month', CAST($first_day AS DATE)) AS DATE)
    AND CAST($last_day AS DATE)
  AND hour >= CAST($start AS TIMESTAMPTZ) AND hour < CAST($end AS TIMESTAMPTZ)
"""


@dataclass(frozen=True)
class Source:
    name: str  # the registered facet rows; `name`_visitors: (hour, is_bot, visitor) rows
    plan: str  # mixed, raw or rollup


def plan(con: Any, window: Window, filters: Filters | None = None) -> str:
    """The roll-up keeps one dimension per row (a facet): filtered windows read raw rows."""
    if filters:
        return "raw"
    if rollup.needed(con, window):
        return "rollup"
    if not whole_hours(window) or _hours(window) is None:
        return "raw"
    return "mixed"


def whole_hours(window: Window) -> bool:
    """Is the zone's offset a whole number of hours all through the window?"""
    zone = ZoneInfo(window.tz)
    moments = [window.start, window.end - timedelta(milliseconds=1)]
    return all((m.astimezone(zone).utcoffset() or timedelta(0)) % HOUR == timedelta(0)
               for m in moments)


def _hours(window: Window) -> tuple[datetime, datetime] | None:
    """The first and last whole UTC hour boundaries inside the window (None: none)."""
    first = window.start.replace(minute=0, second=0, microsecond=0)
    if first < window.start:
        first += HOUR
    last = window.end.replace(minute=0, second=0, microsecond=0)
    return (first, last) if first < last else None


def build(con: Any, window: Window, name: str, filters: Filters | None = None) -> Source:
    """The facet rows of `window` (of the requests `filters` keep), registered as `name`."""
    how = plan(con, window, filters)
    where = filters.where(con, "requests") if filters else ""
    parts: list[str] = []
    params: dict[str, str] = {}
    if how == "rollup":
        parts.append(ROLLUP_RANGE)
        params = _params(window.start, window.end)
    elif how == "raw":
        parts.append(_raw(window.start, window.end, "15 MINUTE", where))
    else:
        first, last = _hours(window)  # type: ignore[misc]
        parts.append(ROLLUP_RANGE)
        params = _params(first, last)
        for start, end in ((window.start, first), (last, window.end)):
            if start < end:
                parts.append(_raw(start, end, "1 HOUR"))
    sql = " UNION ALL ".join(f"SELECT * FROM ({p})" for p in parts)
    rows = con.sql(sql, params=params).to_arrow_table()
    con.register("_traffic_all", rows)
    con.register(name, con.sql(
        "SELECT * FROM _traffic_all WHERE facet <> 'visitor'").to_arrow_table())
    # Visitors are most of the rows: kept apart, as 64-bit hashes (distinct counts only).
    con.register(name + "_visitors", con.sql(
        "SELECT hour, is_bot, hash(value) AS visitor FROM _traffic_all WHERE facet = 'visitor'"
    ).to_arrow_table())
    con.unregister("_traffic_all")
    return Source(name, how)


def _params(start: datetime, end: datetime) -> dict[str, str]:
    first_day, last_day, s, e = Window(start, end).params()
    return {"first_day": first_day, "last_day": last_day, "start": s, "end": e}


def _raw(start: datetime, end: datetime, grain: str, where: str = "") -> str:
    """Facet rows of the raw requests in [start, end) (and `where`), by `grain` buckets."""
    source = common.inline(RAW_RANGE.format(filters=where), Window(start, end).params())
    sql = rows_sql(source).replace("date_trunc('hour', ts)", f"time_bucket(INTERVAL {grain}, ts)")
    return sql.replace("SELECT hour, facet, value, is_bot, requests, bandwidth FROM counts",
                       "SELECT hour, facet, value, is_bot, requests, bandwidth, "
                       "CAST(NULL AS BIGINT) AS visitors FROM counts")


PATH_VISITORS = """
WITH wanted AS (SELECT * FROM {wanted}),
r AS (
    SELECT CASE WHEN status = 404 THEN 'not_found' WHEN is_static THEN 'static' ELSE 'path' END
               AS kind,
           coalesce(path, 'unknown') AS path, visitor_key, status,
           epoch_ms(time_bucket(INTERVAL 15 MINUTE, ts)) AS bucket
    FROM requests
    WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
      AND ts >= CAST($start AS TIMESTAMPTZ) AND ts < CAST($end AS TIMESTAMPTZ)
      AND coalesce(path, 'unknown') IN (SELECT path FROM wanted) {bots} {filters}
),
days AS (
    SELECT bucket, strftime(timezone($tz, make_timestamptz(bucket * 1000)), '%Y-%m-%d') AS day
    FROM (SELECT DISTINCT bucket FROM r)
)
SELECT r.kind, r.path, count(DISTINCT (days.day, r.visitor_key)) AS visitors
FROM r JOIN days USING (bucket) JOIN wanted USING (kind, path)
WHERE r.status // 100 <> 4 OR r.kind = 'not_found'
GROUP BY r.kind, r.path
"""


def path_visitors(con: Any, window: Window, wanted: list[tuple[str, str]],
                  include_bots: bool, filters: Filters | None = None
                  ) -> dict[tuple[str, str], int]:
    """Distinct (local day, visitor) of each wanted (kind, path), from raw requests."""
    if not wanted:
        return {}
    import pyarrow as pa

    kinds, paths = zip(*wanted)
    con.register("traffic_wanted", pa.table({"kind": list(kinds), "path": list(paths)}))
    first_day, last_day, start, end = window.params()
    bots = "" if include_bots else "AND NOT coalesce(is_bot, false)"
    where = filters.where(con, "requests") if filters else ""
    found = con.execute(PATH_VISITORS.format(wanted="traffic_wanted", bots=bots,
                                             filters=where), {
        "first_day": first_day, "last_day": last_day, "start": start, "end": end,
        "tz": window.tz}).fetchall()
    return {(kind, path): int(n) for kind, path, n in found}
