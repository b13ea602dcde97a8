"""Roll-ups: per-quarter-hour aggregates that outlive the raw rows.

Ingest recomputes, for every UTC day a run touched, the roll-ups of that day
from its raw rows as they will be after the run; cleanup may then delete the
raw days and the roll-ups still answer. Each roll-up is Hive-partitioned by UTC
day like the raw datasets and keyed by the UTC ``hour`` and the ``minute`` its
quarter hour starts at (0, 15, 30 or 45). Every time zone's offset is a whole
number of quarter hours (India's +05:30 and Nepal's +05:45 too), so a quarter
hour lies in one local hour and day: days, hours and weekdays read from the
roll-ups are exact in any zone. Roll-ups written before the quarter hours were
kept have no ``minute`` (null): they count whole UTC hours, and reports say so
where that matters (query/rollup.py).

- ``rollup_plays``: per hour, track and dimension (platform, quality, country,
  device type, source, bot): plays, listening ms and how many sessions reported
  a duration, completion sum and count, ended, skipped and errored sessions, ms
  played before a skip and how many skipped sessions reported one.
- ``rollup_users``: the same additive counts per hour and *user key* (a salted
  hash of the listener key: no raw user id), with whether the listener is an
  identified user or an anonymous key.
- ``rollup_events``: per hour, event page, event type, source, device type and
  bot: records, time on page sum and count.
- ``rollup_sketches``: HyperLogLog registers for distinct counts, stored sparse
  as ``(hour, scope, key, is_bot, reg, rho)`` rows; merging is ``max(rho)`` by
  register, so any range of hours can be merged. Scopes: ``listeners`` (key ''
  for all, per track), ``visitors`` (key '' for all, per event page; viewers
  only), ``user_tracks`` (per user key: distinct tracks). Hashes only: no raw
  id or IP.
- ``rollup_play_totals`` and ``rollup_event_totals``: the same additive counts per
  quarter hour and dimension without the track, user or page (a few thousand rows
  a day): what a report over raw days reads for its whole quarter hours
  (query/blend.py), raw rows only for the distinct counts and the edges.
- ``rollup_requests``: the requests of web-server logs, per hour and facet
  (store/webrollups.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import duckdb

from playlog.schema import EVENTS, REQUESTS, ROLLUP_DATASETS, SCHEMAS, SESSIONS
from playlog.store.webrollups import REQUESTS_SQL

if TYPE_CHECKING:  # reports read the measures here without loading the writer
    import pyarrow as pa

    from playlog.store.transaction import Transaction

PLAYS, USERS, EVENT_COUNTS, SKETCHES, REQUEST_COUNTS, PLAY_TOTALS, EVENT_TOTALS = ROLLUP_DATASETS
ROLLUPS = ROLLUP_DATASETS

# The quarter hour of a timestamp, as the roll-ups key it: its UTC hour and first minute.
QUARTER = "date_trunc('hour', {ts}) AS hour, CAST(minute({ts}) // 15 * 15 AS TINYINT) AS minute"

HLL_BITS = 16  # 65,536 registers: a standard error of 0.41 %
HLL_REGISTERS = 1 << HLL_BITS
_REST = 64 - HLL_BITS


def register_sql(value: str) -> tuple[str, str]:
    """SQL for the HyperLogLog register and rho of a text value (stable across versions)."""
    return registers_of(hash_sql(value))


def hash_sql(value: str) -> str:
    """SQL: the 64-bit hash of a text value the sketches are made of."""
    return f"md5_number_lower({value})"


def registers_of(hashed: str) -> tuple[str, str]:
    """SQL for the register and rho of a value's `hash_sql`."""
    rest = f"({hashed} & {(1 << _REST) - 1}::UBIGINT)"
    reg = f"CAST({hashed} >> {_REST} AS USMALLINT)"
    rho = (f"CAST(CASE WHEN {rest} = 0 THEN {_REST + 1} "
           f"ELSE {_REST} - floor(log2(CAST({rest} AS DOUBLE))) END AS UTINYINT)")
    return reg, rho


# Below this many distinct values linear counting beats the raw HyperLogLog
# estimate, which is biased just above 2.5 m (HyperLogLog++'s threshold for 16 bits).
LINEAR_COUNTING_UP_TO = 350_000


def estimate_sql(rows: str, group: str = "key") -> str:
    """SQL estimating distinct counts per `group` from sketch rows (a subquery or view)."""
    m = HLL_REGISTERS
    alpha = 0.7213 / (1 + 1.079 / m)
    linear = f"{m} * ln({m} / zeros)"
    return f"""
        SELECT {group}, CASE WHEN zeros > 0 AND {linear} <= {LINEAR_COUNTING_UP_TO}
                             THEN {linear} ELSE raw END AS estimate
        FROM (
            SELECT {group}, {alpha * m * m} / (sum(pow(2.0, -CAST(rho AS INTEGER))) + ({m} - count(*))) AS raw,
                   {m} - count(*) AS zeros
            FROM (SELECT {group}, reg, max(rho) AS rho FROM ({rows}) GROUP BY ALL)
            GROUP BY {group}
        )"""


_SESSION_MEASURES = """
    count(*) AS plays,
    CAST(coalesce(sum(duration_played_ms), 0) AS BIGINT) AS listening_ms,
    count(duration_played_ms) AS played_n,
    sum(completion_percentage) AS completion_sum,
    count(completion_percentage) AS completion_n,
    count(*) FILTER (WHERE ended) AS ended,
    count(*) FILTER (WHERE skip_reason = 'user_skip') AS skipped,
    count(*) FILTER (WHERE skip_reason IN ('network_error', 'quality_issue', 'timeout')) AS errored,
    CAST(coalesce(sum(duration_played_ms) FILTER (WHERE skip_reason = 'user_skip'), 0) AS BIGINT)
        AS skipped_ms,
    count(duration_played_ms) FILTER (WHERE skip_reason = 'user_skip') AS skipped_played_n
"""

# A group's raw rows are read once into a temporary table of what the roll-ups take from
# them, each key computed there once (QUARTER), and a session's hashes once per distinct
# value (the salted user key, the sketches' hashes: a listener or a track has many
# sessions, so this halves the cost); every roll-up of the group is then one GROUP BY
# over it.
SESSION_ROWS = f"""
WITH raw AS MATERIALIZED (
    SELECT {QUARTER.format(ts="started_at")}, track_id, platform, quality, country,
           device_type, source, coalesce(is_bot, false) AS is_bot,
           user_id IS NOT NULL AS identified, listener_key, duration_played_ms,
           completion_percentage, ended, skip_reason
    FROM read_parquet($files, union_by_name = true)),
listeners AS (
    SELECT listener_key, left(sha256($salt || '|user|' || listener_key), 20) AS user_key,
           {hash_sql("listener_key")} AS listener_hash
    FROM (SELECT DISTINCT listener_key FROM raw WHERE listener_key IS NOT NULL)),
tracks AS (
    SELECT track_id, {hash_sql("track_id")} AS track_hash
    FROM (SELECT DISTINCT track_id FROM raw WHERE track_id IS NOT NULL))
SELECT raw.* EXCLUDE (listener_key), user_key, listener_hash, track_hash
FROM raw LEFT JOIN listeners USING (listener_key) LEFT JOIN tracks USING (track_id)
"""

EVENT_ROWS = f"""
SELECT {QUARTER.format(ts="ts")}, event_id, event_type, source, device_type, country,
       coalesce(is_bot, false) AS is_bot, time_on_page_ms,
       CASE WHEN event_type = 'view' THEN {hash_sql("coalesce(user_id, session_id, anon_key)")}
       END AS visitor_hash
FROM read_parquet($files, union_by_name = true)
"""

PLAYS_SQL = f"""
SELECT hour, minute, track_id, platform, quality, country, device_type, source, is_bot,
       {_SESSION_MEASURES}
FROM {{rows}} GROUP BY ALL
"""

USERS_SQL = f"""
SELECT hour, minute, user_key, platform, quality, is_bot, identified, {_SESSION_MEASURES}
FROM {{rows}} WHERE user_key IS NOT NULL GROUP BY ALL
"""

EVENTS_SQL = """
SELECT hour, minute, event_id, event_type, source, device_type, is_bot, count(*) AS records,
       CAST(coalesce(sum(time_on_page_ms), 0) AS BIGINT) AS time_on_page_ms,
       count(time_on_page_ms) AS time_on_page_n
FROM {rows} GROUP BY ALL
"""

PLAY_TOTALS_SQL = """
SELECT hour, minute, platform, quality, country, device_type, source, is_bot, {measures}
FROM {rows} GROUP BY ALL
"""

# The measures of a session total, in the reports' own terms (query/common.py SUMMARY):
# skipped and errored count ended sessions only. Raw rows and roll-ups share this text.
PLAY_TOTAL_MEASURES = """
    count(*) AS plays,
    CAST(coalesce(sum(duration_played_ms), 0) AS BIGINT) AS listening_ms,
    sum(completion_percentage) AS completion_sum,
    count(completion_percentage) AS completion_n,
    count(*) FILTER (WHERE ended) AS ended,
    count(*) FILTER (WHERE ended AND skip_reason = 'user_skip') AS skipped,
    count(*) FILTER (WHERE ended AND skip_reason IN ('network_error', 'quality_issue', 'timeout'))
        AS errored
"""

EVENT_TOTALS_SQL = """
SELECT hour, minute, event_type, source, device_type, country, is_bot, {measures}
FROM {rows} GROUP BY ALL
"""

EVENT_TOTAL_MEASURES = """
    count(*) AS records,
    CAST(coalesce(sum(time_on_page_ms), 0) AS BIGINT) AS time_on_page_ms,
    count(time_on_page_ms) AS time_on_page_n
"""


def sketches_sql(sessions: str | None, events: str | None) -> str:
    """The sketch rows of a group's `sessions` and `events` rows (SESSION_ROWS, EVENT_ROWS
    tables; None: the group has none)."""
    parts = []
    if sessions:
        listener, track = registers_of("listener_hash"), registers_of("track_hash")
        parts += [
            f"""WITH l AS MATERIALIZED (
                SELECT hour, minute, track_id, is_bot, {listener[0]} AS reg, {listener[1]} AS rho
                FROM {sessions} WHERE listener_hash IS NOT NULL)
            {_scope("l", "listeners", "''")} UNION ALL {_scope("l", "listeners", "track_id")}
            UNION ALL SELECT hour, minute, 'user_tracks' AS scope, user_key AS key, is_bot,
                             {track[0]} AS reg, max({track[1]}) AS rho
                      FROM {sessions} WHERE user_key IS NOT NULL AND track_hash IS NOT NULL
                      GROUP BY ALL"""]
    if events:
        visitor = registers_of("visitor_hash")
        parts += [
            f"""WITH v AS MATERIALIZED (
                SELECT hour, minute, event_id, is_bot, {visitor[0]} AS reg, {visitor[1]} AS rho
                FROM {events} WHERE visitor_hash IS NOT NULL)
            {_scope("v", "visitors", "''")} UNION ALL {_scope("v", "visitors", "event_id")}"""]
    return " UNION ALL ".join(f"({part})" for part in parts)


def _scope(rows: str, scope: str, key: str) -> str:
    return (f"SELECT hour, minute, '{scope}' AS scope, {key} AS key, is_bot, reg, "
            f"max(rho) AS rho FROM {rows} GROUP BY ALL")


def rollup_tables(con: duckdb.DuckDBPyConnection, files: dict[str, list[str]],
                  salt: str) -> Iterator[tuple[str, pa.Table]]:
    """(roll-up, its rows) of the raw `files` (by dataset: sessions, events, requests) of a
    group of days: each dataset's files read once (SESSION_ROWS, EVENT_ROWS)."""
    sessions, events, requests = files[SESSIONS], files[EVENTS], files[REQUESTS]
    if requests:
        yield REQUEST_COUNTS, con.sql(REQUESTS_SQL, params={"files": requests}).to_arrow_table()
    staged = []
    try:
        if sessions:
            con.execute("CREATE OR REPLACE TEMP TABLE _rollup_sessions AS " + SESSION_ROWS,
                        {"files": sessions, "salt": salt})
            staged.append("_rollup_sessions")
            for name, sql in ((PLAYS, PLAYS_SQL), (USERS, USERS_SQL),
                              (PLAY_TOTALS, PLAY_TOTALS_SQL)):
                sql = sql.format(rows="_rollup_sessions", measures=PLAY_TOTAL_MEASURES)
                yield name, con.sql(sql).to_arrow_table()
        if events:
            con.execute("CREATE OR REPLACE TEMP TABLE _rollup_events AS " + EVENT_ROWS,
                        {"files": events})
            staged.append("_rollup_events")
            for name, sql in ((EVENT_COUNTS, EVENTS_SQL), (EVENT_TOTALS, EVENT_TOTALS_SQL)):
                sql = sql.format(rows="_rollup_events", measures=EVENT_TOTAL_MEASURES)
                yield name, con.sql(sql).to_arrow_table()
        if sessions or events:
            sql = sketches_sql("_rollup_sessions" if sessions else None,
                               "_rollup_events" if events else None)
            yield SKETCHES, con.sql(sql).to_arrow_table()
    finally:
        for table in staged:
            con.execute(f"DROP TABLE IF EXISTS {table}")


# A roll-up query reads the raw rows of at most about this many rows of days at once (a
# day with more is a group of its own), so the memory of a rebuild stays bounded however
# many days a run touched, with one query per roll-up and group, not per day.
GROUP_ROWS = 500_000


def rebuild(con: duckdb.DuckDBPyConnection, tx: Transaction, layout, days: set[date],
            salt: str) -> None:
    """Stage the roll-ups of `days` from the raw files the transaction will leave, in one
    query per roll-up for each group of days (`day_groups`), and drop the days' previous
    roll-ups."""
    if not days:
        return
    from playlog.store.layout import literal

    raw = (SESSIONS, EVENTS, REQUESTS)
    files = {day: {name: tx.files_after(name, day) for name in raw} for day in sorted(days)}
    rows = _rows_of(con, [f for day in files.values() for found in day.values() for f in found])
    sizes = [(day, sum(rows.get(f, 0) for found in day_files.values() for f in found))
             for day, day_files in files.items()]
    for group in day_groups(sizes, GROUP_ROWS):
        _rebuild_group(con, tx, {name: [literal(f) for day in group for f in files[day][name]]
                                 for name in raw}, salt)
    for name in ROLLUPS:
        for day in days:
            for path in layout.files(name, day):
                tx.remove(path)


def day_groups(sizes: list[tuple[date, int]], limit: int) -> list[list[date]]:
    """Consecutive days (in the order given) in groups of at most `limit` rows; a day of
    more rows than that is a group of its own."""
    groups: list[list[date]] = []
    total = limit + 1
    for day, rows in sizes:
        if total + rows > limit:
            groups.append([])
            total = 0
        groups[-1].append(day)
        total += rows
    return groups


def _rows_of(con: duckdb.DuckDBPyConnection, files: list[str]) -> dict[str, int]:
    """The rows of each Parquet file, from their footers."""
    if not files:
        return {}
    from playlog.store.layout import literal

    found = con.sql("SELECT file_name, num_rows FROM parquet_file_metadata($files)",
                    params={"files": [literal(f) for f in files]}).fetchall()
    return {name: rows for name, rows in found}


def _rebuild_group(con: duckdb.DuckDBPyConnection, tx: Transaction,
                   files: dict[str, list[str]], salt: str) -> None:
    """Stage the roll-ups of the raw `files` (by dataset) of a group of days, each table
    sorted by hour and cut into its days as DuckDB gave it (no round trip through Polars)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from playlog.store.appender import conform_arrow

    for name, table in rollup_tables(con, files, salt):
        if not table.num_rows:
            continue
        table = conform_arrow(table, SCHEMAS[name])
        table = table.take(pc.sort_indices(_hour_numbers(table.column("hour"))))
        tx.write_days(name, table, pc.cast(table.column("hour"), pa.date32()).combine_chunks())


def _hour_numbers(hours: pa.ChunkedArray) -> pa.Array:
    """The hours as small whole numbers from the first (0, 1, …), in the same order: Arrow
    sorts numbers of a small range by counting them, 25 times faster than the timestamps."""
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = pc.divide(pc.cast(pc.cast(hours, pa.timestamp("s", "UTC")), pa.int64()), 3600)
    return pc.cast(pc.subtract(numbers, pc.min(numbers)), pa.int32())
