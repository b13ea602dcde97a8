"""Rockbox's ``.scrobbler.log`` (docs/formats.md#rockbox): one entry = one play.

The Audioscrobbler portable-player log: ``#`` header lines (``#AUDIOSCROBBLER/1.1``,
``#TZ/UTC`` or ``#TZ/UNKNOWN``, ``#CLIENT/…``), then one tab-separated line per
track played: artist, album, title, track number, the track's length in
seconds, the rating (``L``: listened to at least half, ``S``: skipped) and the
Unix time it started, then an optional MusicBrainz track id. With
``#TZ/UNKNOWN`` the player's clock is local time: it is read in the configured
zone (``tz``, else UTC). An ``L`` entry played the track's length; an ``S``
entry is a user skip whose played duration is unknown. Lines the player marked
``# FAILED`` are quarantined. The track is derived from the artist and the
title (parse.plays); the log names no user (``--user``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from playlog.parse.numbers import epoch_micros_sql, epoch_sql, milliseconds_sql
from playlog.parse.plays import plays_from
from playlog.parse.registry import Format, ParseContext, Parsed, register

SOURCE = "rockbox"
FIELDS = 7  # the eighth, the MusicBrainz id, is optional

ENTRIES_SQL = f"""
WITH f AS (
    SELECT line_no, line AS raw, string_split(line, chr(9)) AS v FROM lines
    WHERE trim(line) <> '' AND NOT starts_with(line, '#')
), t AS (SELECT *, TRY_CAST(v[7] AS BIGINT) AS seconds, upper(trim(v[6])) AS rating FROM f)
SELECT line_no, raw,
    CASE WHEN len(v) < {FIELDS} THEN 'expected {FIELDS} tab-separated fields, found ' || len(v)
         WHEN rating NOT IN ('L', 'S') THEN 'rating is not L or S: ' || left(v[6], 20)
    END AS problem,
    v[7] AS time_text,
    CASE WHEN $local THEN timezone($tz, make_timestamp({epoch_micros_sql('seconds')}))
         ELSE {epoch_sql('seconds')} END AS started,
    {milliseconds_sql('v[5]', 1000)} AS length_ms,
    rating = 'L' AS fill_played,
    v[1] AS artist, v[3] AS title, v[2] AS album,
    CASE WHEN rating = 'S' THEN 'user_skip' END AS skip_reason
FROM t
"""
FAILED = "# FAILED"


class ScrobblerLogParser:
    """Parses one .scrobbler.log; its state is the zone its header names."""

    def __init__(self, context: ParseContext, state: dict[str, Any] | None = None) -> None:
        self.context = context
        self.zone: str = (state or {}).get("zone", "UTC")

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        self._read_header(lines)
        parsed = plays_from(con, ENTRIES_SQL, self.context, SOURCE, {"lines": lines},
                            {"local": self.zone == "UNKNOWN", "tz": self.context.tz})
        parsed.rejects = _failed(lines)
        return parsed

    def _read_header(self, lines: pa.Table) -> None:
        zones = lines.filter(pc.starts_with(lines.column("line"), "#TZ/")).column("line")
        for text in zones.to_pylist()[-1:]:
            self.zone = text[4:].strip().upper() or "UTC"

    def state(self) -> dict[str, Any]:
        return {"zone": self.zone}


def _failed(lines: pa.Table) -> pa.Table | None:
    """The entries the player marked as failed (written while its cache was damaged)."""
    bad = lines.filter(pc.starts_with(lines.column("line"), FAILED))
    if not bad.num_rows:
        return None
    reason = pa.array(["entry marked FAILED by the player"] * bad.num_rows)
    return pa.table({"line_no": bad.column("line_no"), "reason": reason,
                     "raw": bad.column("line")})


def sniff(sample: Sequence[str]) -> int:
    """Every line of a log whose first line is the Audioscrobbler header."""
    if sample and sample[0].lstrip("\ufeff").startswith("#AUDIOSCROBBLER/"):
        return len(sample)
    return 0


FORMAT = register(Format(
    name="rockbox",
    summary="Rockbox and other portable players' .scrobbler.log (Audioscrobbler 1.1)",
    sample='Mara Quell\tPaper Houses\tQuiet Riot\t4\t209\tL\t1691531147\t',
    sniff=sniff,
    open=ScrobblerLogParser,
    specificity=20,
))
