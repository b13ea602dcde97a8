"""Listening sessions of a streaming server (Icecast, SHOUTcast), split by its playlist.

A listener line is a request read as ``icecast`` or ``shoutcast`` whose status
is 200 — and, for Icecast, whose method is ``GET`` — of a mount: not ``/``,
not ``/admin/…``, not a status page (``.xsl``, ``.html``), a playlist
(``.m3u``, ``.xspf``, ``.pls``, ``.vclt``) or a web asset. The line is
written at disconnect, so the interval is ``[ts − seconds, ts]``.

Each interval becomes sessions of its mount: one per title the playlist shows
on air during it (a title is on air from its entry until the mount's next
entry), the part before any known title (no entry, or none within a day
before) keeping the mount as its track. The pieces add up to the interval.
Intervals are re-derived when the run brings them (their requests) or brings
playlist entries of their mount and time (their requests are then read back
from the ``requests`` dataset): the group of an interval's sessions is its
request's id, so the new split replaces the old one.

A title is the track the catalog names so (the same artist and title, in any
case) when it has one — so a station's airplay and the on-demand plays of a
track are one track — else the track derived from its names (parse.plays).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import duckdb
import polars as pl

from playlog.listening import LONGEST_LISTEN, MARGIN, Derived, native, stored
from playlog.parse.plays import name_track_id
from playlog.schema import PLAYLIST, REQUESTS

FORMATS = ("icecast", "shoutcast")
NOT_MOUNTS = ("xsl", "html", "htm", "m3u", "m3u8", "xspf", "pls", "vclt", "css", "js", "png",
              "jpg", "jpeg", "gif", "svg", "ico", "txt", "json", "xml", "woff", "woff2")
_NOT_MOUNT = r"(?i)\.(?:" + "|".join(NOT_MOUNTS) + r")$"
_BYTES_MIX = 0x2545F4914F6CDD1D  # odd: a progress record's id differs from its request's


def listeners(df: pl.DataFrame) -> pl.Series:
    """Which requests of a block are listeners of a mount (see the module docstring)."""
    if df.is_empty() or "format" not in df.columns:
        return pl.repeat(False, df.height, eager=True)
    path = pl.col("path").fill_null("")
    method = pl.col("method")
    return df.select(
        pl.col("format").is_in(FORMATS) & (pl.col("status") == 200)
        & (method.is_null() & (pl.col("format") == "shoutcast") | (method == "GET"))
        & path.str.starts_with("/") & (path != "/") & ~path.str.starts_with("/admin/")
        & ~path.str.contains(_NOT_MOUNT)
    ).to_series().fill_null(False)


# Each interval meets the entry on air at its start (an as-of join) and the entries that
# start during it (found through the hours the interval spans: a bounded join).
SPLIT = """
WITH e AS (
    SELECT mount, ts AS on_air, track_id, date_trunc('hour', ts) AS bucket,
           lead(ts) OVER (PARTITION BY mount ORDER BY ts, record_id) AS off_air
    FROM entries
), at_start AS (
    SELECT l.grp, l.mount, l.start_ts, l.end_ts, e.on_air, e.off_air, e.track_id
    FROM listens AS l ASOF JOIN e ON l.mount = e.mount AND l.start_ts >= e.on_air
    WHERE e.on_air >= l.start_ts - to_milliseconds($margin)
), hours AS (
    SELECT grp, mount, start_ts, end_ts,
           unnest(generate_series(date_trunc('hour', start_ts), date_trunc('hour', end_ts),
                                  INTERVAL 1 HOUR)) AS bucket
    FROM listens
), during AS (
    SELECT h.grp, h.mount, h.start_ts, h.end_ts, e.on_air, e.off_air, e.track_id
    FROM hours AS h JOIN e ON e.mount = h.mount AND e.bucket = h.bucket
     AND e.on_air > h.start_ts AND e.on_air < h.end_ts
), titled AS (
    SELECT grp, greatest(start_ts, on_air) AS p_start,
           least(end_ts, coalesce(off_air, end_ts)) AS p_end, coalesce(track_id, mount) AS track_id
    FROM (SELECT * FROM at_start UNION ALL SELECT * FROM during)
    WHERE least(end_ts, coalesce(off_air, end_ts)) > greatest(start_ts, on_air)
), head AS (
    SELECT l.grp, any_value(l.start_ts) AS p_start,
           coalesce(min(t.p_start), any_value(l.end_ts)) AS p_end,
           any_value(l.mount) AS track_id
    FROM listens AS l LEFT JOIN titled AS t USING (grp) GROUP BY l.grp
    HAVING count(t.grp) = 0 OR min(t.p_start) > any_value(l.start_ts)
)
SELECT grp, p_start, p_end, track_id FROM titled
UNION ALL SELECT grp, p_start, p_end, track_id FROM head
"""


def intervals(requests: pl.DataFrame) -> pl.DataFrame:
    """One listening interval per listener request."""
    if requests.is_empty():
        return pl.DataFrame()
    rows = requests.filter(listeners(requests))
    played = pl.col("request_time_ms").fill_null(0).round().cast(pl.Int64)
    return rows.unique("record_id").select(
        grp=pl.col("format") + ":" + pl.col("record_id").cast(pl.String),
        source=pl.col("format"), mount=pl.col("path"), record_id="record_id",
        start_ts=pl.col("ts") - pl.duration(milliseconds=played), end_ts=pl.col("ts"),
        bytes="bytes", client_ip="client_ip", user_agent="user_agent",
        user_id="remote_user", referrer="referrer",
    )


def _concerned(con: duckdb.DuckDBPyConnection, layout, entries: pl.DataFrame) -> pl.DataFrame:
    """Stored listener requests of the mounts and times new playlist entries speak of."""
    spans = entries.group_by("mount").agg(lo=pl.col("ts").min(), hi=pl.col("ts").max())
    found = []
    for mount, lo, hi in spans.iter_rows():
        rows = stored(con, layout, REQUESTS, lo, hi + LONGEST_LISTEN + MARGIN,
                      "format IN ('icecast', 'shoutcast') AND path = $mount AND ts >= $lo "
                      "AND ts - to_milliseconds(CAST(coalesce(request_time_ms, 0) AS BIGINT)) "
                      "<= $hi",
                      {"mount": mount, "lo": lo, "hi": hi + MARGIN})
        if rows.height:
            found.append(rows)
    return pl.concat(found, how="diagonal_relaxed") if found else pl.DataFrame()


def _entries(con, layout, listens: pl.DataFrame, new: pl.DataFrame | None) -> pl.DataFrame:
    """The playlist entries that can apply to `listens`: stored and new, once each."""
    lo, hi = listens["start_ts"].min() - MARGIN, listens["end_ts"].max()
    rows = stored(con, layout, PLAYLIST, lo, hi, "mount IN (SELECT unnest($mounts))",
                  {"mounts": listens["mount"].unique().to_list()})
    frames = [f.select("ts", "mount", "track_id", "record_id") for f in (rows, new)
              if f is not None and f.height]
    if not frames:
        return pl.DataFrame(schema={"ts": pl.Datetime("ms", "UTC"), "mount": pl.String,
                                    "track_id": pl.String, "record_id": pl.UInt64})
    both = pl.concat([f.with_columns(pl.col("ts").dt.cast_time_unit("ms")) for f in frames],
                     how="vertical_relaxed")
    return both.unique("record_id")


CATALOG_IDS = f"""
SELECT {name_track_id("coalesce(artist, '')", "title")} AS track_id, min(track_id) AS known
FROM catalog WHERE title IS NOT NULL AND NOT starts_with(track_id, 'name:') GROUP BY 1
"""


def _known_tracks(con: duckdb.DuckDBPyConnection, entries: pl.DataFrame,
                  catalog: pl.DataFrame) -> pl.DataFrame:
    """Entries whose title the catalog has under its own id take that id."""
    if catalog.is_empty() or entries.is_empty():
        return entries
    con.register("catalog", catalog.select("track_id", "title", "artist").to_arrow())
    try:
        known = con.sql(CATALOG_IDS).pl()
    finally:
        con.unregister("catalog")
    return entries.join(known, on="track_id", how="left").with_columns(
        track_id=pl.coalesce("known", "track_id")).drop("known")


# At most about this many sessions are split and stored together (a piece of the log:
# an interval is one session, and one more for each playlist entry of its mount during
# it; the split of a piece stays within about 400 MB).
PIECE_SESSIONS = 100_000


def derive(con: duckdb.DuckDBPyConnection, layout, requests: pl.DataFrame,
           new_entries: pl.DataFrame | None, catalog: pl.DataFrame,
           piece_size: int | None = None) -> Iterator[Derived]:
    """The sessions of the run's listening intervals (and of the stored ones the new
    playlist entries concern), a piece at a time: intervals in the order they start, of
    about `piece_size` sessions together (PIECE_SESSIONS by default), with the entries
    that can apply to them, so that memory is bounded by a piece, not by the run. An
    interval is in one piece only, and its split reads nothing of the others: the pieces
    are the same sessions as one piece of everything would be."""
    listens = intervals(requests)
    if new_entries is not None and new_entries.height:
        old = intervals(_concerned(con, layout, new_entries))
        frames = [f for f in (listens, old) if f.height]
        listens = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    if listens.is_empty():
        return
    listens = listens.unique("grp")
    entries = _known_tracks(con, _entries(con, layout, listens, new_entries), catalog)
    listens = listens.sort("start_ts", "grp")
    piece = _expected_sessions(listens, entries).cum_sum() // (piece_size or PIECE_SESSIONS)
    starts = [0, *(piece.diff().fill_null(0) > 0).arg_true().to_list(), listens.height]
    for first, end in pairwise(starts):
        yield _split(con, listens.slice(first, end - first), entries)


def _expected_sessions(listens: pl.DataFrame, entries: pl.DataFrame) -> pl.Series:
    """How many sessions each interval of `listens` (sorted by start) splits into, about:
    one, plus the entries of its mount on air from within it (an as-of count)."""
    if entries.is_empty():
        return pl.repeat(1, listens.height, dtype=pl.Int64, eager=True)
    seen = entries.select("mount", pl.col("ts").dt.cast_time_unit("us")).sort("ts").with_columns(
        n=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("mount"))

    def before(at: str) -> pl.Series:
        rows = listens.select("mount", pl.col(at).dt.cast_time_unit("us")).with_row_index(
            "_row").sort(at)
        found = rows.join_asof(seen, left_on=at, right_on="ts", by="mount",
                               strategy="backward", check_sortedness=False)  # sorted above
        return found.sort("_row")["n"].fill_null(0)

    return 1 + before("end_ts") - before("start_ts")


def _split(con: duckdb.DuckDBPyConnection, listens: pl.DataFrame,
           entries: pl.DataFrame) -> Derived:
    """The sessions of `listens`, over the entries of their mounts and times (SPLIT)."""
    lo, hi = listens["start_ts"].min() - MARGIN, listens["end_ts"].max()
    entries = entries.filter(pl.col("ts").is_between(lo, hi))
    con.register("listens", listens.select("grp", "mount", "start_ts", "end_ts").to_arrow())
    con.register("entries", entries.to_arrow())
    try:
        pieces = con.sql(SPLIT, params={"margin": int(MARGIN.total_seconds() * 1000)}).pl()
    finally:
        con.unregister("listens")
        con.unregister("entries")
    plays, progress = _records(listens, pieces)
    no_time = pl.lit(None, pl.Datetime("ms", "UTC"))
    return Derived(plays, listens.select(group="grp", lo=no_time, hi=no_time), progress,
                   apart=True)


def _records(listens: pl.DataFrame, pieces: pl.DataFrame):
    """A ``play`` per piece, and a progress record per interval with the bytes it served
    (on its last piece, at the disconnect)."""
    pieces = pieces.with_columns(pl.col("p_start", "p_end").dt.cast_time_unit("ms"))
    plays = pieces.join(listens, on="grp").with_columns(
        type=pl.lit("play"),
        session_id=pl.col("grp") + ":" + pl.col("p_start").dt.epoch("ms").cast(pl.String),
        ts=pl.col("p_start"),
        duration_played_ms=(pl.col("p_end") - pl.col("p_start")).dt.total_milliseconds(),
    )
    last = plays.sort("p_start").group_by("grp").last()
    progress = last.with_columns(
        type=pl.lit("session_progress"), ts=pl.col("end_ts"), bytes_sent=pl.col("bytes"),
        record_id=pl.col("record_id") ^ pl.lit(_BYTES_MIX, pl.UInt64),
    )
    plays = plays.with_columns(record_id=pl.col("session_id").hash())
    return native(plays), native(progress)
