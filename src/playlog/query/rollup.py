"""Reports answered from the roll-ups, for windows that reach before the raw rows.

Cleanup deletes raw days but keeps the roll-ups (store/rollups.py), kept per
UTC quarter hour. A window that starts before the first day with raw rows is
answered from the roll-ups alone, in the same shapes as the raw reports:
additive counts (plays, listening time, skips, errors, views, clicks …) and
everything built from them (plays by day and hour, distributions, rankings,
completion) are exact in any time zone; distinct counts (listeners, unique
views) are HyperLogLog estimates, within about 1 %. A quarter hour counts when
it starts inside the window, so a window edge that is not on a quarter hour
moves to the next one. What needs single sessions (peak concurrency, bounce
rate, binge runs) is computed over the part of the window that still has raw
rows. ``notes`` says, in words, what of an answer is estimated or rounded
(roll-ups of older stores keep whole hours only).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from playlog.query import common
from playlog.query.filters import Filters
from playlog.query.window import EPOCH, Window, iso_in
from playlog.store.rollups import estimate_sql

PLAYS = "rollup_plays"
# A roll-up row's quarter hour (`bucket`), and whether it is an hourly row of an
# older store (`coarse`): those have no `minute`.
BUCKET = "hour + to_minutes(coalesce(minute, 0))"
# From the first of the window's first month: cleanup merges the roll-ups of months
# before the raw rows into one file, in the folder of the month's first day.
IN_WINDOW = """
    date BETWEEN CAST(date_trunc('month', CAST($first_day AS DATE)) AS DATE)
        AND CAST($last_day AS DATE)
    AND hour > CAST($start AS TIMESTAMPTZ) - INTERVAL 1 HOUR AND hour < CAST($end AS TIMESTAMPTZ)
    AND {bucket} >= CAST($start AS TIMESTAMPTZ) AND {bucket} < CAST($end AS TIMESTAMPTZ)"""


def raw_from(con: Any) -> date | None:
    """The first day with raw rows, as the connection was told (see store.reader)."""
    return common.scalar(con, "SELECT raw_from FROM store_info")


def needed(con: Any, window: Window) -> bool:
    """Does the window reach before the raw rows?"""
    first = raw_from(con)
    return first is not None and window.start.date() < first


# The dimensions each roll-up keeps, for filters (query/filters.py names them per table).
TRACK_FAMILY = ("track", "artist", "album", "genre")


def use(con: Any, window: Window, filters: Filters | None, table: str = "rollup_plays") -> bool:
    """Answer from roll-up ``table``? When the window reaches before the raw rows and the
    table keeps every filtered dimension (else the raw rows that remain answer)."""
    return needed(con, window) and (not filters or filters.covers(table))


def uncovered_notes(con: Any, window: Window, filters: Filters | None,
                    table: str = "rollup_plays") -> list[str]:
    """The note of a filtered answer read from raw rows although the window reaches before
    them: the roll-ups do not keep a filtered dimension."""
    if not filters or not needed(con, window) or filters.covers(table):
        return []
    names = ", ".join(filters.missing(table))
    return [(f"The roll-ups do not keep {names}: this filtered answer counts the raw rows "
             f"only, kept from {raw_from(con)}; the days before are left out.")]


def _params(window: Window, **extra: Any) -> dict[str, Any]:
    first_day, last_day, start, end = window.params()
    return {"first_day": first_day, "last_day": last_day, "start": start, "end": end, **extra}


def _source(con: Any, table: str, window: Window, include_bots: bool,
            filters: Filters | None = None) -> str:
    """The window's rows of a roll-up (bots left out unless asked, ``filters`` applied),
    loaded once per connection: a report runs a dozen queries, and each would otherwise
    open every day file of the window again."""
    tag = f"_{abs(hash(tuple(filters.texts)))}" if filters else ""
    name = (f"_{table}_{int(window.start.timestamp())}_{int(window.end.timestamp())}"
            f"_{int(include_bots)}{tag}")
    try:
        con.table(name)
    except duckdb.CatalogException:
        bots = "" if include_bots else " AND NOT is_bot"
        if filters:
            bots += filters.where(con, table)
        try:
            rows = _window_rows(con, table, window, bots, BUCKET, "minute IS NULL")
        except duckdb.BinderException:  # no file has `minute`: an older store, whole hours
            rows = _window_rows(con, table, window, bots, "hour", "true")
        con.register(name, rows)
    return name


def _window_rows(con: Any, table: str, window: Window, bots: str, bucket: str, coarse: str):
    """The rows of roll-up ``table`` whose quarter hour starts in ``window``, as Arrow, with
    their ``bucket`` (that quarter hour) and ``coarse`` (a whole-hour row of an older store).
    The bound on ``hour`` itself lets the Parquet reader skip row groups."""
    sql = (f"SELECT *, {bucket} AS bucket, {coarse} AS coarse FROM {table} "
           f"WHERE {IN_WINDOW.format(bucket=bucket)}{bots}")
    return con.sql(sql, params=_params(window)).to_arrow_table()


def _filtered(con: Any, table: str, window: Window, include_bots: bool,
              filters: dict[str, str] | None = None, *, where: Filters | None = None,
              **params: Any) -> tuple[str, str, dict]:
    """(loaded relation, WHERE clause, parameters) for ``column = value`` filters, over the
    rows ``where`` (the report's --filter) leaves."""
    filters = filters or {}
    clause = " AND ".join(["TRUE", *(f"{column} = $f_{column}" for column in filters)])
    values = {f"f_{column}": value for column, value in filters.items()}
    return _source(con, table, window, include_bots, where), clause, {**values, **params}


# The sketch scopes and the pseudo-relation naming their key for filters (query/filters.py).
SKETCH_KEYS = {"listeners": "sketch_listeners", "visitors": "sketch_visitors"}


def sketch_filter(con: Any, scope: str, filters: Filters | None) -> str | None:
    """The ``AND …`` on sketch keys that ``filters`` make ('' without filters); None when the
    sketches cannot answer under them (a filter on anything but the sketch's key)."""
    if not filters:
        return ""
    relation = SKETCH_KEYS.get(scope)
    if relation is None or not filters.covers(relation):
        return None
    return " AND key <> ''" + filters.where(con, relation)


def distinct(con: Any, scope: str, window: Window, include_bots: bool,
             key: str = "", filters: Filters | None = None) -> int | None:
    """Estimated distinct listeners / visitors of one key ('' for all) in the window; under
    ``filters``, the union of the sketches of the keys they keep (None when they filter
    on something sketches do not know)."""
    keys = sketch_filter(con, scope, filters)
    if keys is None:
        return None
    source = _source(con, "rollup_sketches", window, include_bots)
    by_key = not keys or bool(key)
    match = "key = $key" if by_key else "TRUE"
    sql = (f"SELECT '' AS key, reg, rho FROM {source} WHERE scope = $scope AND {match}{keys}")
    params = {"scope": scope, **({"key": key} if by_key else {})}
    found = common.rows(con, estimate_sql(sql), params)
    return round(found[0]["estimate"]) if found else 0


def summary(con: Any, window: Window, include_bots: bool, track_id: str | None = None,
            filters: Filters | None = None) -> dict[str, Any]:
    """The keys of common.summary, from the roll-ups."""
    by_id = {"track_id": track_id} if track_id is not None else None
    source, where, params = _filtered(con, PLAYS, window, include_bots, by_id, where=filters)
    row = common.rows(con, f"""
        SELECT coalesce(sum(plays), 0) AS plays, coalesce(sum(listening_ms), 0) AS ms,
               sum(completion_sum) AS csum, coalesce(sum(completion_n), 0) AS cn,
               coalesce(sum(ended), 0) AS ended, coalesce(sum(skipped), 0) AS skipped,
               coalesce(sum(errored), 0) AS errored
        FROM {source} WHERE {where}""", params)[0]
    return {
        "total_plays": int(row["plays"]),
        "unique_listeners": distinct(con, "listeners", window, include_bots, track_id or "",
                                     filters),
        "total_duration_played_ms": int(row["ms"]),
        "average_completion_rate": float(row["csum"]) / 100 / row["cn"] if row["cn"] else 0.0,
        "skip_rate": common.ratio(row["skipped"], row["ended"]),
        "error_rate": common.ratio(row["errored"], row["ended"]),
    }


def buckets(con: Any, window: Window, include_bots: bool, track_id: str | None = None, *,
            table: str = PLAYS, measure: str = "plays", filters: dict[str, str] | None = None,
            where: Filters | None = None):
    """(local wall time, summed `measure`) per quarter hour, for common.by_day / by_hour."""
    if track_id is not None:
        filters = {**(filters or {}), "track_id": track_id}
    source, clause, params = _filtered(con, table, window, include_bots, filters, where=where,
                                       tz=window.tz)
    found = con.execute(
        f"SELECT timezone($tz, bucket) AS local, sum({measure}) AS n FROM {source} "
        f"WHERE {clause} GROUP BY 1 HAVING sum({measure}) > 0 ORDER BY 1", params
    ).fetchall()
    return [(local, int(n)) for local, n in found]


def distribution(con: Any, window: Window, include_bots: bool, column: str, *,
                 table: str = PLAYS, measure: str = "plays", missing: str = "unknown",
                 track_id: str | None = None, filters: dict[str, str] | None = None,
                 where: Filters | None = None) -> dict[str, int]:
    """`column` value → summed `measure`, most first (ties by value)."""
    if track_id is not None:
        filters = {**(filters or {}), "track_id": track_id}
    source, clause, params = _filtered(con, table, window, include_bots, filters, where=where,
                                       missing=missing)
    found = con.execute(
        f"SELECT coalesce({column}, $missing) AS k, sum({measure}) AS n FROM {source} "
        f"WHERE {clause} GROUP BY 1 ORDER BY n DESC, k", params
    ).fetchall()
    return {k: int(n) for k, n in found if n}


def _sketch_rows(con: Any, window: Window, include_bots: bool, scope: str, keys: str = "") -> str:
    """Sketch rows of one scope, every key but '' (the all-keys sketch), as a subquery."""
    source = _source(con, "rollup_sketches", window, include_bots)
    return f"SELECT key, reg, rho FROM {source} WHERE scope = '{scope}' AND key <> '' {keys}"


def top_users(con: Any, window: Window, *, limit: int = 10, include_bots: bool = False,
              filters: Filters | None = None):
    """Identified users by listening time; roll-ups know them only by a pseudonymous key."""
    users = _source(con, "rollup_users", window, include_bots, filters)
    sketches = _sketch_rows(con, window, include_bots, "user_tracks",
                            "AND key IN (SELECT user_key FROM best)")
    sql = f"""
        WITH best AS (
            SELECT user_key, CAST(sum(listening_ms) AS BIGINT) AS total_listening_time_ms,
                   CAST(sum(plays) AS BIGINT) AS tracks_played
            FROM {users} WHERE identified GROUP BY user_key
            ORDER BY total_listening_time_ms DESC, user_key LIMIT $limit
        ), tracks AS ({estimate_sql(sketches)})
        SELECT row_number() OVER (ORDER BY total_listening_time_ms DESC, user_key) AS rank,
               'key:' || user_key AS user_id, total_listening_time_ms, tracks_played,
               CAST(round(t.estimate) AS BIGINT) AS unique_tracks
        FROM best LEFT JOIN tracks t ON t.key = best.user_key ORDER BY rank"""
    return common.plain_numbers(common.rows(con, sql, {"limit": limit}))


# Event-page counts by type, named as the reports name them (total_views …).
EVENT_TYPES = {"views": "view", "clicks": "click", "shares": "share", "favorites": "favorite",
               "ticket_clicks": "ticket_click", "external_clicks": "external_click"}
EVENT_COUNTS = ",\n    ".join(
    f"CAST(sum(records) FILTER (WHERE event_type = '{kind}') AS BIGINT) AS total_{name}"
    for name, kind in EVENT_TYPES.items())
# The same counts of a `counts` relation `c`, zero when absent, with total_unique_views
# from `{unique}` after total_views.
EVENT_COLUMNS = ", ".join(
    f"coalesce(c.total_{name}, 0) AS total_{name}" + (
        ", coalesce(CAST(round({unique}) AS BIGINT), 0) AS total_unique_views"
        if name == "views" else "")
    for name in EVENT_TYPES)


def event_totals(con: Any, window: Window, include_bots: bool,
                 event_id: str | None = None, filters: Filters | None = None) -> dict[str, Any]:
    """Views, unique views (estimated), clicks … of all pages or one page."""
    by_id = {"event_id": event_id} if event_id is not None else None
    source, where, params = _filtered(con, "rollup_events", window, include_bots, by_id,
                                      where=filters)
    row = common.rows(con, f"""
        SELECT {EVENT_COUNTS},
               sum(time_on_page_ms) FILTER (WHERE event_type = 'view') AS time_ms,
               sum(time_on_page_n) FILTER (WHERE event_type = 'view') AS time_n,
               epoch_ms(min(bucket) FILTER (WHERE event_type = 'view')) AS first_hour,
               epoch_ms(max(bucket) FILTER (WHERE event_type = 'view')) AS last_hour
        FROM {source} WHERE {where}""", params)[0]
    totals: dict[str, Any] = {f"total_{k}": int(row[f"total_{k}"] or 0) for k in EVENT_TYPES}
    totals["total_unique_views"] = distinct(con, "visitors", window, include_bots,
                                            event_id or "", filters)
    totals["avg_time_on_page_seconds"] = (
        float(row["time_ms"]) / row["time_n"] / 1000 if row["time_n"] else 0.0)
    totals["first_view_hour"], totals["last_view_hour"] = row["first_hour"], row["last_hour"]
    return totals


def event_periods(con: Any, event_id: str, window: Window, period: str,
                  include_bots: bool, filters: Filters | None = None) -> list[dict[str, Any]]:
    """The rows of query.event.COUNTS by local period, from the roll-ups (unique views
    estimated per period; view times are not kept: first/last are null)."""
    bucket = "date_trunc($period, timezone($tz, bucket))"
    events, where, params = _filtered(con, "rollup_events", window, include_bots,
                                      {"event_id": event_id}, where=filters, period=period,
                                      tz=window.tz)
    sketches = _source(con, "rollup_sketches", window, include_bots)
    keys = sketch_filter(con, "visitors", filters)
    visitors = (f"SELECT {bucket} AS period_start, reg, rho FROM {sketches} "
                f"WHERE scope = 'visitors' AND key = $f_event_id"
                f"{' AND FALSE' if keys is None else keys}")
    sql = f"""
        WITH counts AS (
            SELECT {bucket} AS period_start, {EVENT_COUNTS},
                   sum(time_on_page_ms) FILTER (WHERE event_type = 'view') AS time_ms,
                   sum(time_on_page_n) FILTER (WHERE event_type = 'view') AS time_n
            FROM {events} WHERE {where} GROUP BY 1
        ), unique_views AS ({estimate_sql(visitors, group="period_start")})
        SELECT c.period_start, {EVENT_COLUMNS.format(unique="u.estimate")},
               coalesce(c.time_ms / nullif(c.time_n, 0) / 1000.0, 0) AS avg_time_on_page_seconds,
               NULL AS first_view_ms, NULL AS last_view_ms
        FROM counts c LEFT JOIN unique_views u USING (period_start)
        ORDER BY 1"""
    found = common.plain_numbers(common.rows(con, sql, params))
    return found if keys is not None else [{**r, "total_unique_views": None} for r in found]


def notes(con: Any, window: Window, include_bots: bool, table: str = PLAYS,
          filters: Filters | None = None) -> list[str]:
    """What of a roll-up answer over ``window`` is estimated or rounded, in words (the
    rows of ``table`` tell whether some hours are whole UTC hours only)."""
    found = [(f"Answered from roll-ups (raw rows are kept from {raw_from(con)}): unique "
              "listeners, unique views and unique tracks are estimates, within about 1 %.")]
    if filters and not filters.covers(SKETCH_KEYS["listeners"]) and not filters.covers(
            SKETCH_KEYS["visitors"]):
        found.append(f"The roll-ups keep distinct counts per track and per event page only: "
                     f"under the filter {', '.join(filters.texts)} unique listeners and "
                     "unique views are not known (null).")
    coarse = common.scalar(con, f"SELECT coalesce(bool_or(coarse), false) FROM "
                           f"{_source(con, table, window, include_bots)}")
    grain = timedelta(hours=1) if coarse else timedelta(minutes=15)
    start, end = _up_to(window.start, grain), _up_to(window.end, grain)
    if (start, end) != (window.start, window.end):
        unit = "whole UTC hours" if coarse else "quarter hours"
        found.append(f"Roll-ups count {unit}: the counts cover {iso_in(start, window.tz)} "
                     f"to {iso_in(end, window.tz)}.")
    offsets = {window.start.astimezone(ZoneInfo(window.tz)).utcoffset(),
               (window.end - timedelta(milliseconds=1)).astimezone(ZoneInfo(window.tz)).utcoffset()}
    odd = sorted(o for o in offsets if o is not None and o % timedelta(hours=1))
    if coarse and odd:
        found.append(f"Some days have roll-ups by whole UTC hours only: each such hour is "
                     f"counted in the {window.tz} hour it starts in (UTC{_offset(odd[0])}), so "
                     f"their hours and days are off by up to {_minutes(odd[0])} minutes.")
    return found


def _up_to(moment: datetime, grain: timedelta) -> datetime:
    """``moment`` moved up to the next multiple of ``grain`` (UTC), unless it is one."""
    rest = (moment - EPOCH) % grain
    return moment + (grain - rest) if rest else moment


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _minutes(delta: timedelta) -> int:
    return int((delta % timedelta(hours=1)).total_seconds() // 60)


def _typed(kind: str) -> str:
    return f"CAST(coalesce(sum(s.records) FILTER (WHERE s.event_type = '{kind}'), 0) AS BIGINT)"


# query/ranking.py's metrics, from the roll-ups' additive counts (distinct counts: sketches).
RANKED_MEASURES = {
    "sessions": {
        "plays": "CAST(sum(s.plays) AS BIGINT)",
        "time": "CAST(sum(s.listening_ms) AS BIGINT)",
        "completion": "coalesce(sum(s.completion_sum) / 100 / nullif(sum(s.completion_n), 0), 0)",
        "skips": "coalesce(sum(s.skipped) / nullif(sum(s.ended), 0), 0)",
    },
    "events": {
        "views": _typed("view"), "clicks": _typed("click"), "shares": _typed("share"),
        "favorites": _typed("favorite"), "tickets": _typed("ticket_click"),
        "external": _typed("external_click"),
        "time": "coalesce(sum(s.time_on_page_ms) FILTER (WHERE s.event_type = 'view') / "
                "nullif(sum(s.time_on_page_n) FILTER (WHERE s.event_type = 'view'), 0) / 1000.0, 0)",
    },
}
RANKED_TABLES = {"sessions": PLAYS, "events": "rollup_events"}
DISTINCT = {"sessions": ("listeners", "listeners"), "events": ("unique", "visitors")}


def ranked(con: Any, window: Window, dataset: str, dimension: str, *, by: str,
           limit: int | None = 10, include_bots: bool = False, filters: Filters | None = None,
           known: bool = False, metrics: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """query.ranking.ranked from the roll-ups: ``rank``, ``value`` and the metrics. Distinct
    counts come from the sketches when they are kept per value (tracks and what the catalog
    groups them by, event pages) and the filters are on those too; else they are null, as
    are the visit metrics (bounce rate, funnel), which need single records."""
    from playlog.query.filters import DIMENSIONS, catalog_join, expression
    from playlog.query.ranking import METRICS

    table = RANKED_TABLES[dataset]
    names = list(dict.fromkeys([*(metrics or METRICS[dataset]), by]))
    measures = RANKED_MEASURES[dataset]
    parts = {"key": expression(dimension, table), "join": catalog_join(dimension, table),
             "having": "HAVING value <> 'unknown'" if known else ""}
    columns = [f"{measures[n]} AS {METRICS[dataset][n].key}" for n in names if n in measures]
    metric, scope = DISTINCT[dataset]
    sketch = SKETCH_KEYS[scope]
    keys = sketch_filter(con, scope, filters)
    unique = ""
    if metric in names and keys is not None and sketch in DIMENSIONS[dimension].columns:
        source = _source(con, "rollup_sketches", window, include_bots)
        rows = (f"SELECT {expression(dimension, sketch)} AS value, s.reg, s.rho FROM {source} "
                f"AS s {catalog_join(dimension, sketch)} WHERE s.scope = '{scope}' "
                f"AND s.key <> ''{keys}")
        unique = f", uniq AS ({estimate_sql(rows, group='value')})"
    order = METRICS[dataset][by].key
    distinct_key = METRICS[dataset][metric].key
    sql = f"""
        WITH counts AS (
            SELECT {parts['key']} AS value, {', '.join(columns) or 'count(*) AS rows_'}
            FROM {_source(con, table, window, include_bots, filters)} AS s {parts['join']}
            GROUP BY 1 {parts['having']}
        ){unique}
        SELECT * FROM (
            SELECT c.*, {'CAST(round(u.estimate) AS BIGINT)' if unique else 'NULL'}
                   AS {distinct_key}
            FROM counts c {'LEFT JOIN uniq u USING (value)' if unique else ''}
        )
        ORDER BY {order} DESC NULLS LAST, value LIMIT $limit"""
    found = common.plain_numbers(common.rows(con, sql, {"limit": limit}))
    keys_out = [METRICS[dataset][n].key for n in names]
    return [{"rank": i, "value": r["value"], **{k: r.get(k) for k in keys_out}}
            for i, r in enumerate(found, 1)]
