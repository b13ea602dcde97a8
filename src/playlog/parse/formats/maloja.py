"""Maloja's JSON export (docs/formats.md#maloja): one scrobble = one play.

``maloja_export_*.json`` is one JSON object, ``{"maloja": {"export_time": …},
"scrobbles": [{"time": …, "track": {"artists": […], "title": …, "album":
{"albumtitle": …} , "length": …}, "duration": …, "origin": …}, …]}``: ``time``
is the scrobble's Unix time (when it started), ``duration`` the seconds
played (often null), ``track.length`` the track's seconds. Played duration:
``duration``, else the track's length (the export's, else the catalog's),
else unknown. Several artists are joined with ", "; the track is derived from
the artists and the title (parse.plays); no user is named (``--user``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from playlog.parse.jsondoc import document_plays
from playlog.parse.numbers import epoch_sql, milliseconds_sql
from playlog.parse.registry import Format, ParseContext, Parsed, register

SOURCE = "maloja"
PATH = "$.scrobbles"
STRUCTURE = (
    '{"time": "VARCHAR", "duration": "VARCHAR", "track": {"artists": ["VARCHAR"], '
    '"title": "VARCHAR", "length": "VARCHAR", "album": {"albumtitle": "VARCHAR", '
    '"name": "VARCHAR"}}}'
)


def _ms(seconds: str) -> str:
    return milliseconds_sql(seconds, 1000)


def scrobbles_sql(records: str) -> str:
    """SQL: play rows (parse.plays.PLAY_INPUT) of the scrobbles `records` gives
    (parse.jsondoc.records_sql)."""
    return f"""
WITH p AS ({records})
SELECT line_no, raw,
    CASE WHEN r IS NULL OR NOT is_object THEN 'not a JSON object' END AS problem,
    r.time AS time_text, {epoch_sql('r.time')} AS started,
    {_ms('r.duration')} AS played_ms, {_ms('r.track.length')} AS length_ms,
    true AS fill_played,
    nullif(array_to_string(r.track.artists, ', '), '') AS artist, r.track.title AS title,
    coalesce(r.track.album.albumtitle, r.track.album.name) AS album
FROM p
"""


class MalojaParser:
    def __init__(self, context: ParseContext, state: dict[str, Any] | None = None) -> None:
        self.context = context

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        return document_plays(con, lines, scrobbles_sql, STRUCTURE, self.context, SOURCE, PATH)

    def state(self) -> dict[str, Any]:
        return {}


def sniff(sample: Sequence[str]) -> int:
    head = "\n".join(sample).lstrip("\ufeff \t\r\n")
    if head.startswith("{") and re.search(r'"maloja"\s*:', head) and '"scrobbles"' in head:
        return len(sample)
    return 0


FORMAT = register(Format(
    name="maloja",
    summary="Maloja's JSON export (maloja_export_*.json)",
    sample='{"maloja": {"export_time": 1709283600}, "scrobbles": [{"time": 1706781600, "trac'
           'k": {"artists": ["Juno Reyes"], "title": "Agua", "album": null, "length": 201}, '
           '"duration": null, "origin": "client:navidrome"}]}',
    sniff=sniff,
    open=MalojaParser,
    specificity=20,
    document=True,
))
