"""Building blocks shared by the reports: loading a window of rows, summaries,
distributions, peak concurrency and id look-ups.

SQL here only ever interpolates names chosen by this package (loaded table
names, the bot clause); every value a user typed goes in as a parameter. A view
of a long window gets the window's own dates written in, checked by ``inline``.
Rows of a window are loaded once into an in-memory table, so each report reads
the Parquet files once, pruned to the days of the window.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from playlog.errors import NotFoundError
from playlog.query.filters import Filters
from playlog.query.window import Window

NO_BOTS = "AND NOT coalesce(is_bot, false)"

# The columns every session report needs; reports add the ids they use. Fewer
# columns read is most of the speed: ids are long strings, spread over all files.
SESSION_COLUMNS = """listener_key, started_at, last_update, ended, duration_played_ms,
    completion_percentage, quality, platform, country, skip_reason"""

SELECT_SESSIONS = """
SELECT {columns}
FROM sessions
WHERE date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND started_at >= CAST(? AS TIMESTAMPTZ) AND started_at < CAST(? AS TIMESTAMPTZ)
  {where} {bots}
"""

SUMMARY = """
SELECT count(*) AS plays,
       count(DISTINCT listener_key) AS listeners,
       coalesce(sum(duration_played_ms), 0) AS listening_time_ms,
       coalesce(avg(completion_percentage / 100.0), 0) AS completion,
       count(*) FILTER (WHERE ended) AS ended,
       count(*) FILTER (WHERE ended AND skip_reason = 'user_skip') AS skipped,
       count(*) FILTER (WHERE ended AND skip_reason IN ('network_error', 'quality_issue', 'timeout'))
           AS errored
FROM {name}
"""

LOCAL_BUCKETS = """
SELECT timezone($tz, bucket) AS local, n FROM (
    SELECT time_bucket(INTERVAL 15 MINUTE, {column}) AS bucket, {measure} AS n
    FROM {name} WHERE {where} GROUP BY 1
) ORDER BY 1
"""
# The measures of local_counts: rows, or the ms played of sessions.
ROWS = "count(*)"
PLAYED_MS = "coalesce(sum(duration_played_ms), 0)"

# A sweep over start (+1) and end (-1) points; at equal instants starts sort
# first, so intervals that only touch ([a, b] and [b, c]) count as overlapping.
PEAK_CONCURRENT = """
WITH points AS (
    SELECT started_at AS t, 0 AS kind, 1 AS delta FROM {name}
    UNION ALL
    SELECT greatest(coalesce(last_update, started_at), started_at), 1, -1 FROM {name}
)
SELECT coalesce(max(running), 0) FROM (
    SELECT sum(delta) OVER (ORDER BY t, kind ROWS UNBOUNDED PRECEDING) AS running FROM points
)
"""


def bots_clause(include_bots: bool) -> str:
    return "" if include_bots else NO_BOTS


def rows(con: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Run ``sql`` and return its rows as dicts."""
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def scalar(con: Any, sql: str, params: list[Any] | None = None) -> Any:
    # fetchall: DuckDB wants a result read to its end before the next query
    return con.execute(sql, params or []).fetchall()[0][0]


def load_sessions(
    con: Any,
    name: str,
    window: Window,
    *,
    where: str = "",
    params: list[Any] | None = None,
    include_bots: bool = False,
    extra: str = "",
    filters: Filters | None = None,
) -> None:
    """Sessions started in ``window`` (plus ``where`` and ``filters``) loaded as table
    ``name``, with SESSION_COLUMNS and the ``extra`` ones (e.g. ``"track_id, user_id"``)."""
    columns = SESSION_COLUMNS + (", " + extra if extra else "")
    where += filters.where(con, "sessions") if filters else ""
    sql = SELECT_SESSIONS.format(columns=columns, where=where, bots=bots_clause(include_bots))
    large = not params and window.length > ARROW_SPAN
    load(con, name, sql, [*window.params(), *(params or [])], large=large)


# Windows up to this long (or filtered by one id) are held as Arrow tables.
ARROW_SPAN = timedelta(days=14)


def load(con: Any, name: str, sql: str, params: Any, *, large: bool = False) -> None:
    """The rows of ``sql`` as a relation named ``name``.

    Small loads (windows up to ARROW_SPAN, or one id) become an in-memory Arrow
    table, built about twice as fast as a DuckDB temporary table. A ``large``
    load (a long window of everything) would not fit in memory: it becomes a
    view, and each query on it reads the window's files again."""
    if large:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {inline(sql, params)}")
        return
    con.register(name, con.sql(sql, params=params).to_arrow_table())


_OWN_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{3})?Z)?$")


def inline(sql: str, params: list[str] | dict[str, str]) -> str:
    """``sql`` with its parameters written in as literals, for a view (a view cannot
    hold parameters). Only the window's own dates and instants are accepted."""
    values = params.values() if isinstance(params, dict) else params
    if not all(isinstance(v, str) and _OWN_VALUE.match(v) for v in values):
        raise ValueError("only window dates and instants can be inlined")
    pieces = _LITERAL.split(sql)  # odd pieces are string literals: left as they are
    if isinstance(params, dict):
        for key in sorted(params, key=len, reverse=True):
            pieces = [p if i % 2 else p.replace(f"${key}", f"'{params[key]}'")
                      for i, p in enumerate(pieces)]
        return "".join(pieces)
    values = iter(params)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            parts = piece.split("?")
            piece = parts[0] + "".join(f"'{_next(values)}'" + rest for rest in parts[1:])
        out.append(piece)
    if next(values, None) is not None:
        raise ValueError("parameter count mismatch")
    return "".join(out)


_LITERAL = re.compile(r"('(?:[^']|'')*')")


def _next(values: Any) -> str:
    value = next(values, None)
    if value is None:
        raise ValueError("parameter count mismatch")
    return value


def plain_numbers(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with DuckDB's HUGEINT sums and DECIMAL averages as plain ints and floats."""
    for row in found:
        for key, value in row.items():
            if isinstance(value, Decimal):
                row[key] = float(value)
    return found


def ratio(part: float, whole: float) -> float:
    return float(part) / whole if whole else 0.0


def summary(con: Any, name: str, params: list[Any] | None = None) -> dict[str, Any]:
    """Plays, listeners, listening time, completion, skip and error rates of ``name``
    (a table, or a parenthesised query taking ``params``)."""
    row = rows(con, SUMMARY.format(name=name), params)[0]
    return {
        "total_plays": int(row["plays"]),
        "unique_listeners": int(row["listeners"]),
        "total_duration_played_ms": int(row["listening_time_ms"]),
        "average_completion_rate": float(row["completion"]),
        "skip_rate": ratio(row["skipped"], row["ended"]),
        "error_rate": ratio(row["errored"], row["ended"]),
    }


def distribution(con: Any, name: str, column: str, *, missing: str = "unknown") -> dict[str, int]:
    """``column`` value → rows, most frequent first (ties by value); nulls as ``missing``."""
    sql = (
        f"SELECT coalesce(CAST({column} AS VARCHAR), ?) AS k, count(*) AS n FROM {name} "
        "GROUP BY 1 ORDER BY n DESC, k"
    )
    return {k: int(n) for k, n in con.execute(sql, [missing]).fetchall()}


def local_counts(
    con: Any, name: str, tz: str, column: str = "started_at", where: str = "true",
    measure: str = ROWS,
) -> list[tuple[datetime, int]]:
    """(local wall time, rows or ``measure``) per 15-minute bucket of ``column``. Every
    zone's offset is a whole number of quarter hours, so a UTC quarter hour lies in one
    local hour and day: converting the few buckets is exact and far cheaper than every row."""
    sql = LOCAL_BUCKETS.format(name=name, column=column, where=where, measure=measure)
    return [(local, int(n)) for local, n in con.execute(sql, {"tz": tz}).fetchall()]


def by_hour(buckets: list[tuple[datetime, int]]) -> dict[str, int]:
    """All 24 local hours "0"…"23" → rows in that hour (zeros included)."""
    hours = [0] * 24
    for local, n in buckets:
        hours[local.hour] += n
    return {str(h): hours[h] for h in range(24)}


def by_day(buckets: list[tuple[datetime, int]], window: Window) -> dict[str, int]:
    """Local day "YYYY-MM-DD" → rows; every day of the window (all-time: first to last row)."""
    found: dict[date, int] = {}
    for local, n in buckets:
        found[local.date()] = found.get(local.date(), 0) + n
    return {d.isoformat(): found.get(d, 0) for d in days_of(window, found)}


def partial_days(days: dict[str, int], window: Window) -> list[str]:
    """The days of a ``plays_by_day`` that the window covers only in part (its first
    or last local day when the window does not start or end at local midnight)."""
    return [d for d in days if not window.covers_whole(date.fromisoformat(d))]


def days_of(window: Window, found: Any) -> list[date]:
    """The local days of ``window``; for an all-time window, the span of days in ``found``."""
    if not window.all_time:
        return window.local_days()
    if not found:
        return []
    first, last = min(found), max(found)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def peak_hour(hours: dict[str, int]) -> int | None:
    """The hour with most rows; the earliest on a tie; None when there are none."""
    best = max(hours.items(), key=lambda kv: (kv[1], -int(kv[0])), default=None)
    return int(best[0]) if best and best[1] > 0 else None


def peak_concurrent(con: Any, name: str) -> int:
    return int(scalar(con, PEAK_CONCURRENT.format(name=name)))


def instant(ms: int | None) -> datetime | None:
    """Epoch milliseconds → aware UTC datetime."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def exists(con: Any, sql: str, params: list[Any]) -> bool:
    return con.execute(f"SELECT EXISTS ({sql})", params).fetchall()[0][0]


def not_found(con: Any, kind: str, value: str, candidates_sql: str) -> NotFoundError:
    """An error naming the unknown id and up to three close ids (edit distance at most
    max(2, len/3)) from ``candidates_sql``, a query of one column ``id``."""
    close = [
        r[0]
        for r in con.execute(
            f"SELECT id FROM ({candidates_sql}) WHERE id IS NOT NULL "
            "AND levenshtein(id, $v) <= greatest(2, length($v) // 3) "
            "ORDER BY levenshtein(id, $v), jaro_winkler_similarity(id, $v) DESC, id LIMIT 3",
            {"v": value},
        ).fetchall()
    ]
    hint = "did you mean " + ", ".join(close) + "?" if close else None
    return NotFoundError(f"no {kind} '{value}' in the store", hint=hint)


UNKNOWN_DURATIONS = """
SELECT count(*) FILTER (WHERE duration_played_ms IS NULL) AS unknown, count(*) AS plays
FROM {source} AS s
"""


def unknown_durations_note(con: Any, source: str, params: Any = None) -> list[str]:
    """The note that some sessions of ``source`` (a loaded table or a subquery) have no
    known played duration, so that a listening time is not read as all that was heard
    (docs/metrics.md#unknown-durations); none when every duration is known."""
    found = rows(con, UNKNOWN_DURATIONS.format(source=source), params)[0]
    if not found["unknown"]:
        return []
    return [(f"{found['unknown']:,} of the {found['plays']:,} plays have no known played "
             "duration (scrobbles of tracks of unknown length, media requests of files the "
             "catalog does not size): listening times count the known durations only.")]
