"""Play records from listening exports and streaming-server logs (docs/formats.md).

A format that reads plays (Spotify, Last.fm, ListenBrainz, Maloja, Rockbox …)
writes one DuckDB SELECT giving one row per play with the columns of
`PLAY_INPUT` it knows (the others are NULL); `plays_from` wraps it in one query that checks every row, derives
what every such format shares, and returns native ``play`` records (the columns
of parse.formats.native, rejects included with their ``reason``) plus the
titles, artists, albums and lengths they name, for the catalog:

- ``track_id``: the service's own id (``uri``), else one derived from the
  artist and title (`name_track_id`); neither → rejected as "no track";
- ``session_id``: derived from the content — the source, the user, the start
  to the millisecond and the track — so the same play read twice, from a
  renamed copy or from two overlapping exports is one session;
- ``user_id``: the record's, else the ``--user`` of the run (ParseContext.user);
- played duration: the record's; a scrobble without one is marked
  ``fill_played``, and its session's played duration becomes the track's
  length (the record's, else the catalog's ``duration_ms``) when the session is
  finalized (sessionize.finalize), else stays unknown (null: docs/metrics.md);
- rejected: an unusable time (missing, unreadable, timestamp 0, before 1990 or
  from 2100 on), a negative duration, no track, or the format's own ``problem``.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from playlog.parse.formats.native import TS_MAX, TS_MIN
from playlog.parse.keys import anon_key_sql
from playlog.parse.registry import ParseContext, Parsed

# What a format's SELECT gives, one row per play.
PLAY_INPUT = {
    "line_no": "BIGINT",  # the line (or the record's number in a JSON document)
    "raw": "VARCHAR",  # the record as read, for the quarantine
    "problem": "VARCHAR",  # the format's own reason to reject the row, else NULL
    "time_text": "VARCHAR",  # the time as written, for messages
    "started": "TIMESTAMPTZ",  # when the play started (NULL: unreadable)
    "played_ms": "BIGINT",  # how long it played (NULL: the record does not say)
    "length_ms": "BIGINT",  # the track's length, when the record gives it
    "fill_played": "BOOLEAN",  # an unknown played duration is the track's length (scrobbles)
    "uri": "VARCHAR",  # the service's id of the track
    "artist": "VARCHAR",
    "title": "VARCHAR",
    "album": "VARCHAR",
    "user_id": "VARCHAR",
    "client_ip": "VARCHAR",
    "user_agent": "VARCHAR",
    "platform": "VARCHAR",  # web, mobile, desktop, embedded, unknown (or NULL)
    "country": "VARCHAR",  # ISO 3166-1 alpha-2, when the record names it
    "skip_reason": "VARCHAR",  # as in the native format (user_skip, other text …)
}

CATALOG_SCHEMA = pa.schema([
    pa.field("track_id", pa.string()), pa.field("title", pa.string()),
    pa.field("artist", pa.string()), pa.field("album", pa.string()),
    pa.field("duration_ms", pa.int64()),
])


def name_track_id(artist: str, title: str) -> str:
    """SQL for the track id derived from an artist's and a title's names (case and
    surrounding blanks do not count), shared by every format without ids of its own."""
    key = f"lower(trim({artist})) || chr(31) || lower(trim({title}))"
    return f"'name:' || left(md5({key}), 16)"


def _blank(column: str) -> str:
    return f"nullif(trim({column}), '')"


def _reason() -> str:
    rules = [
        ("problem IS NOT NULL", "problem"),
        ("started IS NULL AND time_text IS NULL", "'missing time'"),
        ("started IS NULL", "'invalid time: ' || left(time_text, 80)"),
        ("started < TIMESTAMPTZ '1970-01-02'", "'timestamp 0 (no time)'"),
        (f"started < TIMESTAMPTZ '{TS_MIN}' OR started >= TIMESTAMPTZ '{TS_MAX}'",
         "'time out of range: ' || left(time_text, 80)"),
        ("played_ms < 0", "'negative duration: ' || played_ms"),
        ("track_id IS NULL", "'no track'"),
    ]
    whens = " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in rules)
    return f"CASE {whens} END"


def plays_sql(select: str) -> str:
    """The query turning `select` (rows of PLAY_INPUT) into typed play records; a column
    of PLAY_INPUT that `select` does not give is NULL (a format names what it knows)."""
    typed = ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in PLAY_INPUT.items())
    nothing = ", ".join(f"NULL::{kind} AS {name}" for name, kind in PLAY_INPUT.items())
    artist, title = _blank("artist"), _blank("title")
    track = (f"coalesce({_blank('uri')}, CASE WHEN {artist} IS NOT NULL AND {title} IS NOT NULL "
             f"THEN {name_track_id(artist, title)} END)")
    user = "coalesce(" + _blank("user_id") + ", $user)"
    key = ("$source || '|' || coalesce(user_id, '') || '|' || epoch_ms(started) || '|' "
           "|| track_id")
    return f"""
WITH src AS (SELECT {typed} FROM ((SELECT {nothing} WHERE false) UNION ALL BY NAME ({select}))),
named AS (
    SELECT * REPLACE ({user} AS user_id), {track} AS track_id,
           {_blank('artist')} AS artist_name, {_blank('title')} AS title_name,
           {_blank('album')} AS album_name
    FROM src
), checked AS (SELECT *, {_reason()} AS reason FROM named)
SELECT
    line_no, reason,
    CASE WHEN reason IS NOT NULL THEN left(raw, 65536) END AS raw,
    'play' AS type,
    started AS ts,
    CASE WHEN reason IS NULL THEN $source || ':' || left(md5({key}), 24) END AS session_id,
    track_id, user_id, {_blank('client_ip')} AS client_ip, {_blank('user_agent')} AS user_agent,
    NULL::VARCHAR AS quality, lower(platform) AS platform, NULL::VARCHAR AS referrer,
    skip_reason, NULL::VARCHAR AS event_id, NULL::VARCHAR AS event_type,
    NULL::VARCHAR AS page_url,
    played_ms AS duration_played_ms, length_ms AS total_duration_ms,
    played_ms IS NULL AND coalesce(fill_played, false) AS fill_played,
    NULL::BIGINT AS bytes_sent, NULL::BIGINT AS time_on_page_ms,
    NULL::DOUBLE AS buffer_health, NULL::VARCHAR AS metadata, NULL::VARCHAR AS age_group,
    NULL::VARCHAR AS gender,
    {anon_key_sql(_blank('client_ip'), _blank('user_agent'))} AS anon_key,
    -- the play's identity within the run: the same play twice (two exports) is counted
    -- as a duplicate; never stored, so DuckDB's fast hash serves (its session_id lasts)
    CASE WHEN reason IS NULL THEN hash({key}) ELSE hash(raw) END AS record_id,
    upper(nullif(trim(country), '')) AS country,
    artist_name AS _artist, title_name AS _title, album_name AS _album
FROM checked
"""


CATALOG_SQL = """
SELECT track_id, max(_title) AS title, max(_artist) AS artist, max(_album) AS album,
       max(total_duration_ms) AS duration_ms
FROM plays WHERE reason IS NULL AND (_title IS NOT NULL OR _artist IS NOT NULL)
GROUP BY track_id
"""


def plays_from(con: duckdb.DuckDBPyConnection, select: str, context: ParseContext, source: str,
               tables: dict[str, pa.Table] | None = None,
               params: dict | None = None) -> Parsed:
    """Play records and catalog rows from `select` (see PLAY_INPUT), which may read the
    Arrow `tables` registered under their names (e.g. ``lines``)."""
    registered = dict(tables or {})
    for name, table in registered.items():
        con.register(name, table)
    try:
        query = plays_sql(select)
        values = {"source": source, "user": context.user, "salt": context.salt,
                  **(params or {})}
        plays = con.sql(query, params=values).to_arrow_table()
        con.register("plays", plays)
        catalog = con.sql(CATALOG_SQL).to_arrow_table().cast(CATALOG_SCHEMA)
        con.unregister("plays")
    finally:
        for name in registered:
            con.unregister(name)
    records = plays.drop_columns(["_artist", "_title", "_album"])
    return Parsed(records=records, catalog=catalog if catalog.num_rows else None)
