"""Sessions of on-demand media served by a web server (``track = true`` routes).

A media request is one whose first matching route (in the config's order) is a
track route: its ``{track_id}`` names the track. The requests of one visitor
(``visitor_key``) for one track, ordered by time, are one session while each
comes within the session timeout of the previous one; a longer gap starts a
new session. A session starts at its first request and lasts to its last; its
played duration is the bytes its requests served ÷ the track's ``file_size``
× its ``duration_ms`` (both from the catalog; at most the track's length),
else unknown. Each request is also a progress record with the bytes it
served.

The run's requests are grouped with the stored requests of the same visitors
and tracks within a day (read back from ``requests``), so a session can go on
across runs; a re-derived session replaces the stored sessions of its
(visitor, track) that overlap it.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import polars as pl

from playlog.listening import MARGIN, Derived, native, stable_keys, stored
from playlog.routes import Route
from playlog.schema import REQUESTS

_BYTES_MIX = 0x94D049BB133111EB  # odd: a progress record's id differs from its request's
TS = pl.Datetime("ms", "UTC")


def _first_route(df: pl.DataFrame, routes: tuple[Route, ...]) -> pl.DataFrame:
    """``track_id`` of the requests whose first matching route is a track route."""
    taken = pl.repeat(False, df.height, eager=True)
    track = pl.repeat(None, df.height, dtype=pl.String, eager=True)
    for route in routes:
        name = "track_id" if route.track else "event_id"
        groups = df.get_column("path").str.extract_groups(route.regex)
        value = groups.struct.field(name) if name in groups.struct.fields else None
        if value is None:
            continue
        eligible = df.select(pl.col("method").is_in(list(route.methods)) & route.status_expr()
                             ).to_series().fill_null(False) & value.is_not_null() & ~taken
        if route.track:
            track = pl.select(pl.when(eligible).then(value).otherwise(track)).to_series()
        taken = taken | eligible
    return df.with_columns(track_id=track)


def requests_of(df: pl.DataFrame, routes: tuple[Route, ...]) -> pl.Series:
    """Which requests of a block are media requests of a track route."""
    if df.is_empty() or not any(r.track for r in routes) or "path" not in df.columns:
        return pl.repeat(False, df.height, eager=True)
    return _first_route(df, routes).get_column("track_id").is_not_null()


def derive(con: duckdb.DuckDBPyConnection, layout, requests: pl.DataFrame,
           routes: tuple[Route, ...], timeout: timedelta, catalog: pl.DataFrame) -> Derived:
    if requests.is_empty() or not any(r.track for r in routes):
        return Derived(None, None)
    new = _first_route(requests.filter(requests_of(requests, routes)), routes)
    if new.is_empty():
        return Derived(None, None)
    new = new.with_columns(pl.col("ts").dt.cast_time_unit("ms"), _new=pl.lit(True))
    old = stored(con, layout, REQUESTS, new["ts"].min() - MARGIN, new["ts"].max() + MARGIN,
                 "visitor_key IN (SELECT unnest($visitors))",
                 {"visitors": new["visitor_key"].drop_nulls().unique().to_list()})
    if old.height:
        old = _first_route(old.filter(requests_of(old, routes)), routes).with_columns(
            pl.col("ts").dt.cast_time_unit("ms"), _new=pl.lit(False))
        pairs = new.select("visitor_key", "track_id").unique()
        old = old.join(pairs, on=["visitor_key", "track_id"], how="semi")
        old = old.filter(~pl.col("record_id").is_in(new["record_id"].implode()))
    rows = pl.concat([new, old], how="diagonal_relaxed") if old.height else new
    pair = rows.select(pl.concat_str("visitor_key", "track_id", separator="|")).to_series()
    rows = rows.with_columns(group=pl.lit("media:") + stable_keys(con, pair))
    return _sessions(rows, timeout, catalog)


def _sessions(rows: pl.DataFrame, timeout: timedelta, catalog: pl.DataFrame) -> Derived:
    gap = pl.col("ts") - pl.col("ts").shift(1).over("group")
    rows = rows.sort("group", "ts", "record_id").with_columns(
        _n=(gap.is_null() | (gap > timeout)).cum_sum().over("group"))
    sessions = rows.group_by("group", "_n").agg(
        start=pl.col("ts").min(), end=pl.col("ts").max(), served=pl.col("bytes").sum(),
        new=pl.col("_new").any(),
        **{c: pl.col(c).drop_nulls().first() for c in
           ("track_id", "client_ip", "user_agent", "remote_user", "referrer")},
    ).filter(pl.col("new"))
    if sessions.is_empty():
        return Derived(None, None)
    sessions = _played(sessions, catalog).with_columns(
        session_id=pl.col("group") + ":" + pl.col("start").dt.epoch("ms").cast(pl.String))
    plays = sessions.select(
        "session_id", "track_id", "client_ip", "user_agent", "referrer", "duration_played_ms",
        type=pl.lit("play"), ts="start", user_id="remote_user",
        record_id=pl.col("session_id").hash(),
    )
    # a play record's end is ts + played: the last request's time is given by progress
    progress = rows.join(sessions.select("group", "_n", "session_id"), on=["group", "_n"]).select(
        "session_id", "ts", type=pl.lit("session_progress"), bytes_sent="bytes",
        record_id=pl.col("record_id") ^ pl.lit(_BYTES_MIX, pl.UInt64),
    )
    replace = sessions.select("group", lo=pl.col("start").cast(TS), hi=pl.col("end").cast(TS))
    return Derived(native(pl.concat([plays, progress], how="diagonal_relaxed")), replace)


def _played(sessions: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """bytes served ÷ file size × length (at most the length), when the catalog has both."""
    if catalog.is_empty() or "file_size" not in catalog.columns:
        return sessions.with_columns(duration_played_ms=pl.lit(None, pl.Int64))
    sizes = catalog.select(
        "track_id", _size=pl.col("file_size").cast(pl.Float64, strict=False),
        _length=pl.col("duration_ms").cast(pl.Float64, strict=False))
    joined = sessions.join(sizes, on="track_id", how="left")
    share = pl.col("served").cast(pl.Float64) / pl.col("_size")
    played = pl.when((pl.col("_size") > 0) & pl.col("_length").is_not_null()).then(
        pl.min_horizontal(share * pl.col("_length"), pl.col("_length")).round())
    return joined.with_columns(duration_played_ms=played.cast(pl.Int64)).drop("_size", "_length")
