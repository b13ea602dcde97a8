"""Reports over raw days answered from the roll-ups of totals wherever they can be.

A window ``[start, end)`` splits into *pieces*: the whole UTC quarter hours of
the days that have a roll-up of totals (``rollup_play_totals``,
``rollup_event_totals``: a few thousand rows a day, store/rollups.py) are read
from it; the rest — the partial quarter hours at the window's edges, and days
without that roll-up (written by an older release, before `playlog compact`
rebuilt them) — from raw rows, aggregated to the same quarter-hour rows. The
union of the pieces, the *cube*, answers every additive part exactly as the raw
rows do: totals, completion, skip and error rates, plays and listening time by
local day and hour, distributions (a UTC quarter hour lies in one local hour of
every zone). Distinct counts (listeners, unique views) and rankings by id are
not additive over quarter hours: they are read from the raw rows of the window,
a few columns of them, so they stay exact.

A piece of either kind reads only the day directories it spans (``date``
between its first and last UTC day). ``filters`` (an object with
``where(con, relation)``, the ``AND …`` predicate of the report's filters) apply
to raw rows and roll-up rows alike, on the roll-up's own columns; a filter on a
dimension the roll-up does not carry (a track, an artist, an OS …) makes every
piece raw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from playlog.query import common
from playlog.query.window import EPOCH, Window, iso_utc
from playlog.store.rollups import EVENT_TOTAL_MEASURES, PLAY_TOTAL_MEASURES

GRAIN = timedelta(minutes=15)
DAY = timedelta(days=1)

PLAY_KEYS = "platform, quality, country, device_type, source"
PLAY_SUMS = ("plays", "listening_ms", "completion_sum", "completion_n", "ended", "skipped",
             "errored")
EVENT_KEYS = "event_type, source, device_type, country"
EVENT_SUMS = ("records", "time_on_page_ms", "time_on_page_n")


@dataclass(frozen=True)
class Kind:
    """One dataset and its roll-up of totals."""

    raw: str
    rollup: str
    ts: str
    keys: str
    measures: str
    sums: tuple[str, ...]


PLAYS = Kind("sessions", "rollup_play_totals", "started_at", PLAY_KEYS, PLAY_TOTAL_MEASURES,
             PLAY_SUMS)
EVENTS = Kind("events", "rollup_event_totals", "ts", EVENT_KEYS, EVENT_TOTAL_MEASURES,
              EVENT_SUMS)

RAW_PIECE = """
SELECT time_bucket(INTERVAL 15 MINUTE, {ts}) AS bucket, {keys},
       coalesce(is_bot, false) AS is_bot, {measures}
FROM {raw}
WHERE date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND {ts} >= CAST(? AS TIMESTAMPTZ) AND {ts} < CAST(? AS TIMESTAMPTZ) {bots} {where}
GROUP BY ALL"""

# `hour` bounds the rows by their own column too, so that row groups can be skipped.
ROLLUP_PIECE = """
SELECT hour + to_minutes(CAST(minute AS BIGINT)) AS bucket, {keys}, is_bot, {sums}
FROM {rollup}
WHERE date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND hour >= CAST(? AS TIMESTAMPTZ) - INTERVAL 1 HOUR AND hour < CAST(? AS TIMESTAMPTZ)
  AND hour + to_minutes(CAST(minute AS BIGINT)) >= CAST(? AS TIMESTAMPTZ)
  AND hour + to_minutes(CAST(minute AS BIGINT)) < CAST(? AS TIMESTAMPTZ) {bots} {where}"""


@dataclass(frozen=True)
class Piece:
    """A half-open UTC interval read from the roll-up (``rollup``) or from raw rows."""

    start: datetime
    end: datetime
    rollup: bool

    def params(self) -> list[str]:
        return Window(self.start, self.end).params()


def pieces(window: Window, covered: set) -> list[Piece]:
    """The pieces of ``window``: its whole quarter hours on ``covered`` UTC days from the
    roll-up, everything else raw; adjacent pieces of one kind merged."""
    inner_start, inner_end = _up(window.start), _down(window.end)
    found: list[Piece] = []
    cursor = window.start
    day = inner_start.date()
    while inner_start < inner_end and _midnight(day) < inner_end:
        lo, hi = max(inner_start, _midnight(day)), min(inner_end, _midnight(day) + DAY)
        if day in covered:
            _add(found, Piece(cursor, lo, False))
            _add(found, Piece(lo, hi, True))
            cursor = hi
        day += DAY
    _add(found, Piece(cursor, window.end, False))
    return found


def _add(found: list[Piece], piece: Piece) -> None:
    if piece.start >= piece.end:
        return
    if found and found[-1].rollup == piece.rollup and found[-1].end == piece.start:
        found[-1] = Piece(found[-1].start, piece.end, piece.rollup)
    else:
        found.append(piece)


def _midnight(day: Any) -> datetime:
    return datetime.combine(day, time(), UTC)


def _up(moment: datetime) -> datetime:
    rest = (moment - EPOCH) % GRAIN
    return moment + (GRAIN - rest) if rest else moment


def _down(moment: datetime) -> datetime:
    return moment - (moment - EPOCH) % GRAIN


def covered_days(con: Any, kind: Kind, window: Window) -> set:
    """The UTC days of ``window`` that have files of ``kind``'s roll-up of totals."""
    found = con.execute(
        "SELECT day FROM rollup_days WHERE dataset = ? AND day BETWEEN CAST(? AS DATE) "
        "AND CAST(? AS DATE)", [kind.rollup, *window.params()[:2]]).fetchall()
    return {day for (day,) in found}


def where(filters: Any, con: Any, relation: str) -> str:
    return filters.where(con, relation) if filters else ""


def cube(con: Any, kind: Kind, window: Window, *, include_bots: bool = False,
         filters: Any = None, name: str | None = None) -> str:
    """The quarter-hour rows of ``kind`` over ``window`` (``bucket``, the dimensions,
    ``is_bot`` and the summed measures), loaded as an Arrow table; its name."""
    name = name or f"_cube_{kind.raw}_{int(window.start.timestamp())}_{int(window.end.timestamp())}"
    parts, params = [], []
    rollup = not filters or filters.covers(kind.rollup)  # else every piece is raw
    covered = covered_days(con, kind, window) if rollup else set()
    for piece in pieces(window, covered):
        if piece.rollup:
            first, last, start, end = piece.params()
            parts.append(ROLLUP_PIECE.format(
                keys=kind.keys, sums=", ".join(kind.sums), rollup=kind.rollup,
                bots="" if include_bots else "AND NOT is_bot",
                where=where(filters, con, kind.rollup)))
            params += [first, last, start, end, start, end]
        else:
            parts.append(RAW_PIECE.format(
                ts=kind.ts, keys=kind.keys, measures=kind.measures, raw=kind.raw,
                bots=common.bots_clause(include_bots), where=where(filters, con, kind.raw)))
            params += piece.params()
    con.register(name, con.sql(" UNION ALL ".join(parts), params=params).to_arrow_table())
    return name


def play_totals(con: Any, table: str) -> dict[str, Any]:
    """The additive keys of common.summary from a cube of plays."""
    row = common.rows(con, f"""
        SELECT coalesce(sum(plays), 0) AS plays, coalesce(sum(listening_ms), 0) AS ms,
               sum(completion_sum) AS csum, coalesce(sum(completion_n), 0) AS cn,
               coalesce(sum(ended), 0) AS ended, coalesce(sum(skipped), 0) AS skipped,
               coalesce(sum(errored), 0) AS errored
        FROM {table}""")[0]
    return {
        "total_plays": int(row["plays"]),
        "total_duration_played_ms": int(row["ms"]),
        "average_completion_rate": float(row["csum"]) / 100 / row["cn"] if row["cn"] else 0.0,
        "skip_rate": common.ratio(row["skipped"], row["ended"]),
        "error_rate": common.ratio(row["errored"], row["ended"]),
    }


def buckets(con: Any, table: str, tz: str, measure: str) -> list[tuple[datetime, int]]:
    """(local wall time, summed ``measure``) per UTC quarter hour, as common.local_counts."""
    found = con.execute(
        f"SELECT timezone($tz, bucket) AS local, n FROM (SELECT bucket, sum({measure}) AS n "
        f"FROM {table} GROUP BY 1) ORDER BY 1", {"tz": tz}).fetchall()
    return [(local, int(n)) for local, n in found]


def distribution(con: Any, table: str, column: str, measure: str, *,
                 missing: str = "unknown") -> dict[str, int]:
    """``column`` value → summed ``measure``, most first (ties by value), as
    common.distribution."""
    found = con.execute(
        f"SELECT coalesce(CAST({column} AS VARCHAR), ?) AS k, sum({measure}) AS n FROM {table} "
        "GROUP BY 1 ORDER BY n DESC, k", [missing]).fetchall()
    return {k: int(n) for k, n in found if n}


# Distinct keys of a window are counted as distinct 64-bit hashes of the keys (DuckDB's
# hash(), docs/metrics.md#conventions): integers, not strings, in the distinct set.
DISTINCT_LISTENERS = """
SELECT count(DISTINCT hash(listener_key)) FILTER (WHERE listener_key IS NOT NULL) FROM sessions
WHERE date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND started_at >= CAST(? AS TIMESTAMPTZ) AND started_at < CAST(? AS TIMESTAMPTZ) {bots} {where}
"""

DISTINCT_VISITORS = """
SELECT count(DISTINCT hash(coalesce(user_id, session_id, anon_key)))
       FILTER (WHERE coalesce(user_id, session_id, anon_key) IS NOT NULL) FROM events
WHERE date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND ts >= CAST(? AS TIMESTAMPTZ) AND ts < CAST(? AS TIMESTAMPTZ)
  AND event_type = 'view' {bots} {where}
"""


def listeners(con: Any, window: Window, *, include_bots: bool = False, filters: Any = None) -> int:
    """Exact distinct listeners of the window, from raw rows."""
    sql = DISTINCT_LISTENERS.format(bots=common.bots_clause(include_bots),
                                    where=where(filters, con, "sessions"))
    return int(common.scalar(con, sql, window.params()))


def visitors(con: Any, window: Window, *, include_bots: bool = False, filters: Any = None) -> int:
    """Exact distinct visitors of the window's views, from raw rows."""
    sql = DISTINCT_VISITORS.format(bots=common.bots_clause(include_bots),
                                   where=where(filters, con, "events"))
    return int(common.scalar(con, sql, window.params()))


def summary(con: Any, window: Window, *, include_bots: bool = False, filters: Any = None,
            table: str | None = None) -> dict[str, Any]:
    """common.summary of the window: additive parts from the cube (``table``, else one
    built now), distinct listeners from raw rows."""
    table = table or cube(con, PLAYS, window, include_bots=include_bots, filters=filters)
    totals = play_totals(con, table)
    return {"total_plays": totals["total_plays"],
            "unique_listeners": listeners(con, window, include_bots=include_bots,
                                          filters=filters),
            **{k: v for k, v in totals.items() if k != "total_plays"}}


EVENT_TYPES = {"views": "view", "clicks": "click", "shares": "share", "favorites": "favorite",
               "ticket_clicks": "ticket_click", "external_clicks": "external_click"}


def event_totals(con: Any, table: str, unique_views: int) -> dict[str, int]:
    """``total_views``, ``total_unique_views``, ``total_clicks`` … from a cube of events."""
    counts = ", ".join(f"coalesce(sum(records) FILTER (WHERE event_type = '{kind}'), 0)"
                       for kind in EVENT_TYPES.values())
    found = con.execute(f"SELECT {counts} FROM {table}").fetchall()[0]
    totals = {f"total_{name}": int(n) for name, n in zip(EVENT_TYPES, found)}
    return {"total_views": totals.pop("total_views"), "total_unique_views": unique_views,
            **totals}


def describe(window: Window, covered: set) -> list[str]:
    """The pieces of ``window`` in words (for benchmarks and debugging)."""
    return [f"{'roll-up' if p.rollup else 'raw'} {iso_utc(p.start)}–{iso_utc(p.end)}"
            for p in pieces(window, covered)]
