"""ListenBrainz listens (docs/formats.md#listenbrainz): one listen = one play.

- ``listenbrainz``: JSON Lines, one listen per line, as in the user export's
  ``listens/YYYY/M.jsonl`` files (or the API's listens, one per line);
- ``listenbrainz_json``: the same listens as one JSON array (the older
  "export listens" file), a document read whole.

A listen: ``listened_at`` (Unix seconds: when it started), ``track_metadata``
(``artist_name``, ``track_name``, ``release_name``, ``additional_info`` with
the track's ``duration_ms`` or ``duration`` in seconds), and, in the API's
form, ``user_name``. ListenBrainz keeps no played duration: it is the track's
length when the listen names it (else the catalog's), else unknown. The track
is derived from the artist and the title (parse.plays); listens that name no
user take the run's ``--user``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from playlog.parse.jsondoc import document_plays, objects_sql
from playlog.parse.numbers import epoch_sql, milliseconds_sql
from playlog.parse.plays import plays_from
from playlog.parse.registry import Format, ParseContext, Parsed, json_objects, register

SOURCE = "listenbrainz"
STRUCTURE = (
    '{"listened_at": "VARCHAR", "user_name": "VARCHAR", "track_metadata": {'
    '"artist_name": "VARCHAR", "track_name": "VARCHAR", "release_name": "VARCHAR", '
    '"additional_info": {"duration_ms": "VARCHAR", "duration": "VARCHAR"}}}'
)
_LENGTH = f"coalesce({milliseconds_sql('i.duration_ms')}, {milliseconds_sql('i.duration', 1000)})"


def listens_sql(records: str) -> str:
    """SQL: play rows (parse.plays.PLAY_INPUT) of the listens `records` gives
    (parse.jsondoc.records_sql)."""
    return f"""
WITH p AS ({records}),
m AS (SELECT *, r.track_metadata AS t, r.track_metadata.additional_info AS i FROM p)
SELECT line_no, raw,
    CASE WHEN r IS NULL OR NOT is_object THEN 'not a JSON object' END AS problem,
    r.listened_at AS time_text,
    {epoch_sql('r.listened_at')} AS started,
    {_LENGTH} AS length_ms, true AS fill_played,
    t.artist_name AS artist, t.track_name AS title, t.release_name AS album,
    r.user_name AS user_id
FROM m
"""
LINES = "SELECT line_no, line AS raw FROM lines WHERE trim(line) <> ''"


class ListensParser:
    """Parses listens: blocks of JSON Lines, or one JSON array document."""

    def __init__(self, context: ParseContext, document: bool) -> None:
        self.context = context
        self.document = document

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        if self.document:
            return document_plays(con, lines, listens_sql, STRUCTURE, self.context, SOURCE)
        return plays_from(con, listens_sql(objects_sql(STRUCTURE, LINES)), self.context,
                          SOURCE, {"lines": lines})

    def state(self) -> dict[str, Any]:
        return {}


def sniff_lines(sample: Sequence[str]) -> int:
    return sum(1 for record in json_objects(sample)
               if "listened_at" in record and "track_metadata" in record)


def sniff_array(sample: Sequence[str]) -> int:
    head = "\n".join(sample).lstrip("\ufeff \t\r\n")
    if head.startswith("[") and '"listened_at"' in head and '"track_metadata"' in head:
        return len(sample)
    return 0


LINES_FORMAT = register(Format(
    name="listenbrainz",
    summary="ListenBrainz listens as JSON Lines (the user export's listens/YYYY/M.jsonl)",
    sample='{"listened_at": 1704103200, "inserted_at": 1704103500, "track_metadata": {"artis'
           't_name": "Hana Mori", "track_name": "Neon Koi", "release_name": "Neon Koi", "add'
           'itional_info": {"duration_ms": 241000, "submission_client": "Strawberry"}, "reco'
           'rding_msid": "4f1e5a", "mbid_mapping": null}}',
    sniff=sniff_lines,
    open=lambda context, state: ListensParser(context, document=False),
    specificity=12,
))

ARRAY_FORMAT = register(Format(
    name="listenbrainz_json",
    summary="ListenBrainz listens as one JSON array (the older export file)",
    sample='[{"listened_at": 1704103200, "user_name": "alice", "track_metadata": {"artist_na'
           'me": "Hana Mori", "track_name": "Neon Koi"}}]',
    sniff=sniff_array,
    open=lambda context, state: ListensParser(context, document=True),
    specificity=20,
    document=True,
))
