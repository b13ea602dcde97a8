"""Icecast 2 logs (docs/formats.md#icecast): the access log and the playlist log.

- ``icecast``: ``access.log``, the combined format plus one last field, the
  seconds the client stayed connected (Icecast writes the line when the client
  disconnects). Every line is a request of the ``requests`` dataset (read by
  parse.formats.clf with the definition ``%h %l %u %t "%r" %>s %b
  "%{Referer}i" "%{User-Agent}i" %T``: the seconds become ``request_time_ms``);
  the listener lines among them become listening sessions (see listening.py).
- ``icecast_playlist``: ``playlist.log``, one line per title change,
  ``date|mount|listeners|title`` (``20/Nov/2026:18:04:05 +0100|/live|12|Artist
  - Title``): entries of the ``playlist`` dataset, which split the listening
  sessions of their mount into one session per title aired.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from playlog.parse.formats.clf import COMBINED, define
from playlog.parse.plays import name_track_id
from playlog.parse.registry import Format, ParseContext, Parsed, register

ACCESS_SAMPLE = ('198.51.100.23 - - [20/Nov/2026:18:04:05 +0100] "GET /live HTTP/1.1" 200 '
                 '14745600 "-" "VLC/3.0.21 LibVLC/3.0.21" 921')

register(define(
    "icecast", COMBINED + " %T",
    "Icecast 2's access.log: combined, plus the seconds each client stayed connected",
    ACCESS_SAMPLE,
    specificity=35,  # more fields than combined, which also matches its lines
))

PLAYLIST_SAMPLE = "20/Nov/2026:18:04:05 +0100|/live|12|Nordic Tides - Harbour Lights"

_TITLE = "nullif(trim(array_to_string(parts[4:], '|')), '')"
_SPLIT = "nullif(position(' - ' IN title), 0)"
PLAYLIST_SQL = f"""
WITH f AS (
    SELECT line_no, line, string_split(line, '|') AS parts FROM lines WHERE trim(line) <> ''
), t AS (
    SELECT *, try_strptime(trim(parts[1]), '%d/%b/%Y:%H:%M:%S %z') AS ts,
           trim(parts[2]) AS mount, {_TITLE} AS title, TRY_CAST(trim(parts[3]) AS BIGINT) AS n
    FROM f
), named AS (
    SELECT *, CASE WHEN {_SPLIT} IS NOT NULL THEN trim(left(title, {_SPLIT} - 1)) END AS artist,
           CASE WHEN {_SPLIT} IS NOT NULL THEN trim(substr(title, {_SPLIT} + 3)) ELSE title END
               AS song
    FROM t
)
SELECT line_no, left(line, 65536) AS raw,
    CASE WHEN len(parts) < 4 OR NOT starts_with(mount, '/') THEN 'not an icecast_playlist line'
         WHEN ts IS NULL THEN 'invalid time: ' || left(parts[1], 80)
         WHEN ts < TIMESTAMPTZ '1990-01-01' OR ts >= TIMESTAMPTZ '2100-01-01'
             THEN 'time out of range: ' || left(parts[1], 80)
         WHEN n IS NULL OR n < 0 THEN 'invalid listeners: ' || left(parts[3], 40)
    END AS reason,
    ts, mount, title, artist, song,
    CASE WHEN song IS NOT NULL THEN {name_track_id("coalesce(artist, '')", "song")} END
        AS track_id,
    n AS listeners, md5_number_lower(line) AS record_id
FROM named
"""


class PlaylistParser:
    """Parses blocks of playlist.log into playlist entries (no state between blocks)."""

    def __init__(self, context: ParseContext, state: dict[str, Any] | None = None) -> None:
        self.context = context

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        con.register("lines", lines)
        try:
            rows = con.sql(PLAYLIST_SQL).to_arrow_table()
        finally:
            con.unregister("lines")
        good = rows.filter(rows.column("reason").is_null())
        bad = rows.filter(rows.column("reason").is_valid())
        entries = good.select(["ts", "mount", "title", "artist", "track_id", "listeners",
                               "record_id"])
        named = good.filter(good.column("track_id").is_valid())
        catalog = pa.table({
            "track_id": named.column("track_id"), "title": named.column("song"),
            "artist": named.column("artist"),
        })
        return Parsed(
            playlist=entries if entries.num_rows else None,
            rejects=bad.select(["line_no", "reason", "raw"]) if bad.num_rows else None,
            catalog=catalog if catalog.num_rows else None,
        )

    def state(self) -> dict[str, Any]:
        return {}


def sniff_playlist(sample: Sequence[str]) -> int:
    """Lines of the shape ``dd/Mon/yyyy:hh:mm:ss ±zzzz|/mount|N|…``."""
    import re

    shape = re.compile(r"^\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\|/[^|]*\|\d+\|")
    return sum(1 for text in sample if shape.match(text))


PLAYLIST = register(Format(
    name="icecast_playlist",
    summary="Icecast 2's playlist.log: the title each mount aired, from when",
    sample=PLAYLIST_SAMPLE,
    sniff=sniff_playlist,
    open=PlaylistParser,
    specificity=20,
))
