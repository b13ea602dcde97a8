"""`playlog traffic`: what a GoAccess user reads, over a window (docs/metrics.md#traffic).

`traffic(con, window, include_bots=…, limit=…)` returns the one object that
``--format json``, ``GET /api/traffic`` and the table and HTML views show:
totals and the previous window's with their change, requests / visitors /
bandwidth by local day and hour, the top pages, assets and 404s, and the
distributions (status codes, referrers, sources, browsers, OS, devices,
countries, virtual hosts, crawlers). Bots are left out unless `include_bots`;
``bot_requests`` and ``bots`` count them either way.

A **visitor** is GoAccess's: one distinct (IP, user agent) — ``visitor_key`` —
per local day, among the requests whose status is not 4xx; counts over several
days are sums of the daily counts (the 404 list counts the visitors of its own
requests). Everything is computed from the window's facet rows
(query/trafficsource.py): roll-up hours and raw minutes, in one shape.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from playlog.query import common, rollup, trafficsource
from playlog.query.filters import Filters
from playlog.query.window import Window

TOTAL_KEYS = ("requests", "visitors", "bandwidth", "not_found", "static_requests",
              "bot_requests", "quarantined")
DISTRIBUTIONS = {  # key of the answer → facet
    "status_codes": "status", "referrers": "referrer", "sources": "source",
    "browsers": "browser", "os": "os", "device_types": "device_type",
    "countries": "country", "vhosts": "vhost",
}
LISTS = {"top_paths": "path", "top_static": "static", "not_found": "not_found"}

# Local day and hour of each hour (or 15-minute bucket) the facet rows have.
LOCAL = """
SELECT hour, strftime(local, '%Y-%m-%d') AS day, hour(local) AS local_hour
FROM (SELECT hour, timezone($tz, hour) AS local FROM (
    SELECT DISTINCT hour FROM {rows} UNION SELECT DISTINCT hour FROM {rows}_visitors))
"""

# by local day or hour: requests and bandwidth from the total facet, visitors apart
BY_LOCAL = """
WITH counts AS (
    SELECT l.{unit} AS unit, sum(f.requests) AS requests, sum(f.bandwidth) AS bandwidth
    FROM {rows} f JOIN {local} l USING (hour) WHERE f.facet = 'total' {bots} GROUP BY 1
), visitors AS (
    SELECT l.{unit} AS unit, count(DISTINCT {visitor}) AS visitors
    FROM {rows}_visitors v JOIN {local} l USING (hour) WHERE TRUE {bots} GROUP BY 1
)
SELECT unit AS {unit}, counts.requests, counts.bandwidth, visitors.visitors
FROM counts FULL JOIN visitors USING (unit)
"""
DAY_VISITOR = "v.visitor"
HOUR_VISITOR = "hash(l.day, v.visitor)"  # a visitor once per local day and hour

TOTALS = """
SELECT coalesce(sum(requests) FILTER (WHERE facet = 'total' {bots}), 0) AS requests,
       coalesce(sum(bandwidth) FILTER (WHERE facet = 'total' {bots}), 0) AS bandwidth,
       coalesce(sum(requests) FILTER (WHERE facet = 'not_found' {bots}), 0) AS not_found,
       coalesce(sum(requests) FILTER (WHERE facet = 'static' {bots}), 0) AS static_requests,
       coalesce(sum(requests) FILTER (WHERE facet = 'total' AND is_bot), 0) AS bot_requests
FROM {rows}
"""

TOP = """
SELECT value AS path, sum(requests) AS requests, sum(bandwidth) AS bandwidth,
       sum(visitors) AS visitors
FROM {rows} WHERE facet = $facet {bots}
GROUP BY value ORDER BY requests DESC, path LIMIT $limit
"""

FACET = """
SELECT value, sum(requests) AS n FROM {rows} WHERE facet = $facet {bots}
GROUP BY value ORDER BY n DESC, value
"""

QUARANTINED = """
SELECT count(*) FROM quarantine
WHERE date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND rejected_at >= CAST(? AS TIMESTAMPTZ) AND rejected_at < CAST(? AS TIMESTAMPTZ)
  AND format IS NOT NULL AND format <> 'native'
"""


def traffic(con: Any, window: Window, *, include_bots: bool = False,
            limit: int = 10, filters: Filters | None = None) -> dict[str, Any]:
    """The traffic report over `window` (see the module docstring)."""
    source = trafficsource.build(con, window, "traffic_rows", filters)
    local = _local(con, source.name, window)
    bots = _bots(include_bots)
    totals = _totals(con, window, source.name, local, bots, filters)
    previous = window_totals(con, window.previous(), include_bots, filters)
    return {
        "window": _window(window),
        "previous_window": _window(window.previous()),
        "filters": filters.texts if filters else [],
        "totals": totals,
        "previous_totals": previous,
        "change": {k: (totals[k] - previous[k]) / previous[k] if previous[k] else None
                   for k in TOTAL_KEYS},
        "by_day": day_series(window, _by_local(con, source.name, local, bots, "day")),
        "by_hour": hour_series(_by_local(con, source.name, local, bots, "local_hour")),
        **_lists(con, window, source, include_bots, limit, filters),
        **{key: _facet(con, source.name, facet, bots) for key, facet in DISTRIBUTIONS.items()},
        "bots": _facet(con, source.name, "browser", "AND is_bot"),
        "notes": _notes(con, window, filters),
    }


def _notes(con: Any, window: Window, filters: Filters | None) -> list[str]:
    found = []
    if filters and rollup.needed(con, window):
        found.append(f"The web-traffic roll-up keeps one dimension per count: this filtered "
                     f"answer counts the raw requests only, kept from {rollup.raw_from(con)}; "
                     "the days before are left out.")
    if filters:
        found.append("quarantined is null: lines that could not be read have no dimensions "
                     "to filter on.")
    return found


SUMMARY_KEYS = ("totals", "previous_totals", "change", "by_day", "top_paths", "status_codes",
                "sources")


def summary(con: Any, window: Window, *, include_bots: bool = False,
            limit: int = 5, filters: Filters | None = None) -> dict[str, Any]:
    """The report's web-traffic section: totals and change, by day, top pages, statuses,
    sources (the same keys as `traffic`)."""
    full = traffic(con, window, include_bots=include_bots, limit=limit, filters=filters)
    return {key: full[key] for key in SUMMARY_KEYS}


def window_totals(con: Any, window: Window, include_bots: bool,
                  filters: Filters | None = None) -> dict[str, int]:
    """Only the totals of `window` (the previous window's; the report's section)."""
    source = trafficsource.build(con, window, "traffic_previous_rows", filters)
    local = _local(con, source.name, window)
    return _totals(con, window, source.name, local, _bots(include_bots), filters)


def has_requests(con: Any, window: Window, filters: Filters | None = None) -> bool:
    """Does the window hold any request, bots included? (The report's web-traffic section.)"""
    source = trafficsource.build(con, window, "traffic_probe_rows", filters)
    return bool(common.scalar(con, f"SELECT count(*) FROM {source.name}"))


def _bots(include_bots: bool) -> str:
    return "" if include_bots else "AND NOT is_bot"


def _window(window: Window) -> dict[str, Any]:
    return {"from": window.start, "to": window.end, "tz": window.tz}


def _local(con: Any, rows: str, window: Window) -> str:
    name = rows + "_local"
    con.register(name, con.sql(LOCAL.format(rows=rows), params={"tz": window.tz})
                 .to_arrow_table())
    return name


def _by_local(con: Any, rows: str, local: str, bots: str, unit: str) -> list[dict[str, Any]]:
    visitor = DAY_VISITOR if unit == "day" else HOUR_VISITOR
    found = common.rows(con, BY_LOCAL.format(rows=rows, local=local, bots=bots, unit=unit,
                                             visitor=visitor))
    return [dict(r, hour=r["local_hour"]) if unit == "local_hour" else r for r in found]


def _totals(con: Any, window: Window, rows: str, local: str, bots: str,
            filters: Filters | None = None) -> dict[str, int]:
    row = common.rows(con, TOTALS.format(rows=rows, bots=bots))[0]
    days = _by_local(con, rows, local, bots, "day")
    totals: dict[str, Any] = {k: int(v or 0) for k, v in row.items()}
    totals["visitors"] = sum(int(d["visitors"] or 0) for d in days)
    totals["quarantined"] = None if filters else int(
        common.scalar(con, QUARANTINED, window.params()))
    return {k: totals[k] for k in TOTAL_KEYS}


def _facet(con: Any, rows: str, facet: str, bots: str) -> dict[str, int]:
    found = con.execute(FACET.format(rows=rows, bots=bots), {"facet": facet}).fetchall()
    return {str(value): int(n) for value, n in found}


def _lists(con: Any, window: Window, source: trafficsource.Source, include_bots: bool,
           limit: int, filters: Filters | None = None) -> dict[str, list[dict[str, Any]]]:
    """The top pages, assets and 404s. Their visitors: per local day from raw requests in the
    ``raw`` plan; else per UTC day from the roll-up hours (query/trafficsource.py)."""
    found = {
        key: common.rows(con, TOP.format(rows=source.name, bots=_bots(include_bots)),
                         {"facet": facet, "limit": limit})
        for key, facet in LISTS.items()
    }
    if source.plan == "raw":
        wanted = [(LISTS[key], row["path"]) for key, rows in found.items() for row in rows]
        seen = trafficsource.path_visitors(con, window, wanted, include_bots, filters)
        for key, rows in found.items():
            for row in rows:
                row["visitors"] = seen.get((LISTS[key], row["path"]), 0)
    out = {}
    for key, rows in found.items():
        keys = ("path", "requests", "visitors") if key == "not_found" else (
            "path", "requests", "visitors", "bandwidth")
        out[key] = [{k: row[k] if k == "path" else int(row[k] or 0) for k in keys} for row in rows]
    return out


def day_series(window: Window, rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Every local day of the window (all time: first to last) → requests, visitors, bandwidth."""
    found = {date.fromisoformat(r["day"]): r for r in rows}
    keys = ("requests", "visitors", "bandwidth")
    return {
        d.isoformat(): {k: int(found[d][k] or 0) if d in found else 0 for k in keys}
        for d in common.days_of(window, found)
    }


def hour_series(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """All 24 local hours "0"…"23" → requests, visitors, bandwidth."""
    found = {int(r["hour"]): r for r in rows}
    keys = ("requests", "visitors", "bandwidth")
    return {str(h): {k: int(found[h][k] or 0) if h in found else 0 for k in keys}
            for h in range(24)}
