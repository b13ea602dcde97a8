"""Play sessions rebuilt from start / progress / end / play records (SPEC §2).

A stored session row is a pure function of the set of its records, the
watermark (the latest session-record time ever ingested) and the idle timeout.
Records become per-session *states* (`to_states`); states combine with
`merge_states`, which is associative and commutative (minimum, maximum, any,
and "the value of the earliest start record"), so any split of the records
over files and runs, in any order, merges to the same state (`combine_states`
does the same for rows that are each a merged state); `finalize` derives the
stored row. A stored row carries its state columns, so it can be merged again
when a late record arrives (`states_from_rows`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from playlog.schema import PLATFORMS, SKIP_REASONS

START_TYPES = ("session_start", "play")
END_TYPES = ("session_end", "play")
SESSION_TYPES = ("session_start", "session_progress", "session_end", "play")

# Taken from the earliest start record that has them.
ATTRIBUTES = (
    "track_id", "user_id", "client_ip", "user_agent", "total_duration_ms", "quality",
    "given_platform", "referrer", "anon_key", "given_country", "fill_played",
)
# The record columns the `given_*` attributes come from (a record may lack `country`).
GIVEN = {"given_platform": "platform", "given_country": "country"}
_TS = pl.Datetime("ms", "UTC")
STATE_DTYPES: dict[str, pl.DataType] = {
    "session_id": pl.String(), "has_start": pl.Boolean(), "start_ts": _TS, "first_seen": _TS,
    "last_update": _TS, "duration_played_ms": pl.Int64(), "explicit_end": pl.Boolean(),
    "end_ts": _TS, "skip_reason": pl.String(), "skip_detail": pl.String(),
    "track_id": pl.String(), "user_id": pl.String(), "client_ip": pl.String(),
    "user_agent": pl.String(), "total_duration_ms": pl.Int64(), "quality": pl.String(),
    "given_platform": pl.String(), "referrer": pl.String(), "anon_key": pl.String(),
    "given_country": pl.String(), "fill_played": pl.Boolean(),
}
STATE_COLUMNS = tuple(STATE_DTYPES)


def _normalized_skip(raw: pl.Expr) -> pl.Expr:
    text = raw.str.strip_chars().str.to_lowercase()
    return (
        pl.when(text.is_null() | (text == "")).then(None)
        .when(text.is_in(SKIP_REASONS)).then(text)
        .otherwise(pl.lit("other"))
    )


def where(df: pl.DataFrame, predicate: pl.Expr) -> pl.DataFrame:
    """The rows of `df` for which `predicate` holds: `df` itself, not a copy, when it holds
    for all (a block of an export is plays only), an empty frame when for none."""
    mask = df.select(predicate.fill_null(False)).to_series()
    found = mask.sum()
    if found == df.height:
        return df
    return df.clear() if found == 0 else df.filter(mask)


def to_states(records: pl.DataFrame) -> pl.DataFrame:
    """One merged state per session from typed session records (see parse.formats.native)."""
    kind = pl.col("type")
    progress = where(records, kind == "session_progress")
    others = where(records, kind != "session_progress")
    # Progress records only move times and the played duration: plain aggregates.
    moved = progress.group_by("session_id").agg(
        has_start=pl.lit(False),
        first_seen=pl.col("ts").min(),
        last_update=pl.col("ts").max(),
        duration_played_ms=pl.col("duration_played_ms").max(),
        explicit_end=pl.lit(False),
    )
    # a block of plays only (an export's) needs no test of the kind on every row: each
    # record starts and ends its session
    plays = others.height > 0 and bool((others["type"] == "play").all())
    is_start = pl.lit(True) if plays else kind.is_in(START_TYPES)
    is_end = pl.lit(True) if plays else kind.is_in(END_TYPES)

    def on(cond: pl.Expr, value: pl.Expr) -> pl.Expr:
        return value if plays else pl.when(cond).then(value)

    played = pl.duration(milliseconds=pl.col("duration_played_ms").fill_null(0))
    update = (pl.col("ts") + played if plays else
              pl.when(kind == "play").then(pl.col("ts") + played).otherwise(pl.col("ts")))
    skip = pl.col("_skip")
    marks = others.with_columns(_skip=_skips(others["skip_reason"])).select(
        "session_id",
        has_start=is_start,
        start_ts=on(is_start, pl.col("ts")),
        first_seen=pl.col("ts"),
        last_update=update,
        duration_played_ms=pl.col("duration_played_ms"),
        explicit_end=is_end,
        end_ts=on(is_end, update),
        skip_reason=on(is_end, skip),
        skip_detail=pl.when(is_end & (skip == "other")).then(pl.col("skip_reason")),
        **{name: on(is_start, _column(others, GIVEN.get(name, name))) for name in ATTRIBUTES},
    )
    # a record's mark is the state of that record alone: only sessions with several merge
    return combine_states(pl.concat([cast_states(marks), cast_states(moved)],
                                    how="vertical_relaxed"))


def _skips(raw: pl.Series) -> pl.Series:
    """The normalized skip reason of each of `raw`, worked out once per distinct text (a
    block holds a handful)."""
    distinct = raw.unique().drop_nulls()
    named = distinct.to_frame("skip_reason").select(_normalized_skip(pl.col("skip_reason")))
    return raw.replace_strict(distinct, named.to_series(), default=None,
                              return_dtype=pl.String)


def _column(records: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in records.columns else pl.lit(None)


def cast_states(states: pl.DataFrame) -> pl.DataFrame:
    return states.select(
        (pl.col(name) if name in states.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in STATE_DTYPES.items()
    )


# Sorting by these makes the row order a function of the rows' content, so that
# "first" and "latest" below pick the same value whatever order the rows came in.
_ORDER = ["start_ts", "end_ts", "skip_reason", "skip_detail", *ATTRIBUTES]


def merge_states(states: pl.DataFrame) -> pl.DataFrame:
    """Combine the states of the same session into one (order does not matter)."""
    latest_end = pl.col("end_ts") == pl.col("end_ts").max()
    return states.sort(_ORDER, nulls_last=True).group_by("session_id", maintain_order=False).agg(
        pl.col("has_start").any(),
        pl.col("start_ts").min(),
        pl.col("first_seen").min(),
        pl.col("last_update").max(),
        pl.col("duration_played_ms").max(),
        pl.col("explicit_end").any(),
        pl.col("end_ts").max(),
        # the reason given by the latest end record
        *[pl.col(name).filter(latest_end).first() for name in ("skip_reason", "skip_detail")],
        # the earliest start record's value (a later start record's fills a gap)
        *[pl.col(name).drop_nulls().first() for name in ATTRIBUTES],
    )


def combine_states(states: pl.DataFrame) -> pl.DataFrame:
    """`merge_states` for rows that are each already a merged state (of `to_states`
    or `merge_states`, not stored rows): a session seen once passes through as it
    is (merging one merged state gives it back), only repeated ones are merged."""
    ids = states["session_id"]
    # distinct hashes mean distinct ids: the states pass through as they are (an export's
    # plays), found 15 times faster than by is_duplicated on the text, and not copied
    if ids.hash().n_unique() == states.height:
        return states
    repeated = ids.is_duplicated()
    return pl.concat([states.filter(~repeated), merge_states(states.filter(repeated))],
                     how="vertical_relaxed")


def states_from_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The state columns of stored session rows."""
    return cast_states(rows)


def finalize(
    states: pl.DataFrame,
    watermark: datetime,
    timeout: timedelta,
    catalog: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Stored session rows (before enrichment) from merged states."""
    states = _played_from_length(with_catalog_durations(states, catalog))
    timed_out = ~pl.col("explicit_end") & (pl.col("last_update") < pl.lit(watermark - timeout))
    total = pl.col("total_duration_ms")
    return states.with_columns(
        started_at=pl.coalesce("start_ts", "first_seen"),
        ended=pl.col("explicit_end") | timed_out,
        ended_at=pl.when(pl.col("explicit_end")).then(pl.coalesce("end_ts", "last_update"))
        .when(timed_out).then(pl.col("last_update")),
        skip_reason=pl.when(pl.col("explicit_end")).then(pl.col("skip_reason"))
        .when(timed_out).then(pl.lit("timeout")),
        completion_percentage=completion_percentage(pl.col("duration_played_ms"), total),
        platform=pl.when(pl.col("given_platform").is_in(PLATFORMS)).then(pl.col("given_platform")),
        listener_key=pl.coalesce(pl.col("user_id"), pl.lit("anon:") + pl.col("anon_key")),
    )


def _played_from_length(states: pl.DataFrame) -> pl.DataFrame:
    """A scrobble (`fill_played`: a play whose source keeps no played duration) played its
    track's length when that is known; otherwise its played duration stays unknown."""
    fill = pl.col("fill_played").fill_null(False) & pl.col("duration_played_ms").is_null()
    return states.with_columns(
        duration_played_ms=pl.when(fill).then(pl.col("total_duration_ms"))
        .otherwise(pl.col("duration_played_ms"))
    )


def completion_percentage(played: pl.Expr, total: pl.Expr) -> pl.Expr:
    """min(100, 100 × played / total), null when either is unknown (docs/metrics.md).

    A session that never reported a position has played = null: its completion is
    unknown, not 100 (`min_horizontal` would skip the null). The quotient is rounded
    to 9 decimals so that it does not depend on how the optimiser orders the
    multiplication and the division (the same session must give the same row)."""
    ratio = (played.cast(pl.Float64) * 100.0 / total.cast(pl.Float64)).round(9)
    return (
        pl.when((total > 0) & played.is_not_null())
        .then(pl.when(ratio > 100.0).then(pl.lit(100.0)).otherwise(ratio))
    )


def with_catalog_durations(sessions: pl.DataFrame, catalog: pl.DataFrame | None) -> pl.DataFrame:
    """`total_duration_ms` from the catalog where the start record did not give it."""
    if catalog is None or catalog.is_empty() or "duration_ms" not in catalog.columns:
        return sessions
    durations = catalog.select("track_id", pl.col("duration_ms").cast(pl.Int64).alias("_cat_ms"))
    return (
        sessions.join(durations, on="track_id", how="left")
        .with_columns(total_duration_ms=pl.coalesce("total_duration_ms", "_cat_ms"))
        .drop("_cat_ms")
    )
