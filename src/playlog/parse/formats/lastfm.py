"""Last.fm scrobbles as CSV (docs/formats.md#lastfm): one scrobble = one play.

Three shapes, told apart by the first line:

- the export of lastfm.ghan.nl and tools like it, with the header
  ``uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid``
  (``uts``: the scrobble's Unix time, UTC);
- a dump of the API's ``user.getRecentTracks``, with the header
  ``artist,album,track,timestamp,datetime`` (pandas may add an unnamed index
  column first);
- the header-less ``artist,album,track,"19 Aug 2026, 20:48"`` of the older
  lastfm-to-csv tool (the time in UTC, to the minute).

A scrobble's time is when the track started. Last.fm keeps no played duration:
it is the track's length from the catalog when known, else unknown. The track
is derived from the artist and the title (parse.plays); no user is named, so
the run's ``--user`` applies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from playlog.parse.csvline import fields_sql, header_names, sample_rows, split, wellformed_sql
from playlog.parse.numbers import epoch_sql
from playlog.parse.plays import plays_from
from playlog.parse.registry import Format, ParseContext, Parsed, register

SOURCE = "lastfm"
UNIX = ("uts", "timestamp")
TEXT_TIME = ("utc_time", "datetime", "date")
TITLE = ("track", "title", "name")
PLAIN = {"artist": 1, "album": 2, "track": 3, "date": 4}  # the header-less shape
_PLAIN_TIME = re.compile(r"^\d{1,2} \w{3} \d{4},? \d{1,2}:\d{2}$")


def columns_of(names: Sequence[str]) -> dict[str, int] | None:
    """1-based positions of a header's columns; None when it is not a scrobbles header."""
    found = {name: i + 1 for i, name in enumerate(names) if name}
    has_time = any(n in found for n in UNIX + TEXT_TIME)
    if "artist" in found and any(n in found for n in TITLE) and has_time:
        return found
    return None


def _first(columns: dict[str, int], names: Sequence[str]) -> str:
    for name in names:
        if name in columns:
            return f"v[{columns[name]}]"
    return "NULL"


def _select(columns: dict[str, int], header: str | None) -> str:
    unix, text = _first(columns, UNIX), _first(columns, TEXT_TIME)
    width = max(columns.values())
    seconds = f"TRY_CAST(nullif(trim({unix}), '') AS DOUBLE)"
    parsed_text = (f"coalesce(TRY_CAST({text} AS TIMESTAMPTZ), "
                   f"CAST(try_strptime(trim({text}), ['%d %b %Y, %H:%M', '%d %b %Y %H:%M', "
                   f"'%d %b %Y, %H:%M:%S']) AS TIMESTAMPTZ))")
    skip_header = "AND line <> $header" if header is not None else ""
    return f"""
WITH f AS (
    SELECT line_no, line AS raw, {wellformed_sql('line')} AS ok, {fields_sql('line')} AS v
    FROM lines WHERE trim(line) <> '' {skip_header}
)
SELECT line_no, raw,
    CASE WHEN NOT ok THEN 'malformed CSV line'
         WHEN len(v) < {width} THEN 'expected {width} fields, found ' || len(v) END AS problem,
    coalesce(nullif(trim({unix}), ''), nullif(trim({text}), '')) AS time_text,
    CASE WHEN {seconds} IS NOT NULL THEN {epoch_sql(seconds)} ELSE {parsed_text} END
        AS started, true AS fill_played,
    {_first(columns, ('artist',))} AS artist, {_first(columns, TITLE)} AS title,
    {_first(columns, ('album',))} AS album
FROM f
"""


class LastfmParser:
    """Parses the blocks of one Last.fm CSV file; its state is the header's columns."""

    def __init__(self, context: ParseContext, state: dict[str, Any] | None = None) -> None:
        self.context = context
        self.columns: dict[str, int] | None = (state or {}).get("columns")
        self.header: str | None = (state or {}).get("header")

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        if self.columns is None:
            self._read_header(lines)
        assert self.columns is not None
        params = {"header": self.header} if self.header is not None else None
        return plays_from(con, _select(self.columns, self.header), self.context, SOURCE,
                          {"lines": lines}, params)

    def _read_header(self, lines: pa.Table) -> None:
        first = next((t for t in lines.column("line").to_pylist() if t and t.strip()), "")
        found = columns_of(header_names(first))
        if found is None:  # the header-less shape
            self.columns, self.header = dict(PLAIN), None
        else:
            self.columns, self.header = found, first

    def state(self) -> dict[str, Any]:
        return {"columns": self.columns, "header": self.header}


def sniff(sample: Sequence[str]) -> int:
    """All lines after a scrobbles header; else the lines of the header-less shape."""
    if not sample:
        return 0
    if columns_of(header_names(sample[0])) is not None:
        return len(sample)
    rows = sample_rows(sample)
    return sum(1 for row in rows if len(row) == 4 and _PLAIN_TIME.match(row[3].strip()))


FORMAT = register(Format(
    name="lastfm",
    summary="Last.fm scrobbles as CSV (lastfm.ghan.nl export, API dumps, lastfm-to-csv)",
    sample='"1669812473","30 Nov 2022, 12:47","Brick & Mortar","","Concrete","","Scaffold","'
           '"',
    sniff=sniff,
    open=LastfmParser,
    specificity=15,
))

__all__ = ["FORMAT", "columns_of", "split"]
