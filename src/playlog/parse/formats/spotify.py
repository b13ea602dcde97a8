"""Spotify's streaming histories (docs/formats.md#spotify), read as play sessions.

- ``spotify``: the extended streaming history (``Streaming_History_Audio_*.json``,
  ``endsong_*.json``): a JSON array, one object per stream. ``ts`` is when the
  stream ENDED, so it started ``ms_played`` before; the track is
  ``spotify_track_uri`` (an episode's or audiobook chapter's URI for those);
  ``skipped`` or a ``reason_end`` of ``fwdbtn``/``backbtn`` is a user skip,
  ``trackdone`` a play to the end, any other ``reason_end`` an ``other`` end.
- ``spotify_account``: the account data's ``StreamingHistory*.json``
  (``endTime`` in UTC to the minute, ``artistName``, ``trackName``,
  ``msPlayed``; podcasts with ``podcastName``, ``episodeName``): the track is
  derived from the artist and title.

Both are documents, read whole by DuckDB (parse.jsondoc); rows become play
records through parse.plays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from playlog.parse.jsondoc import document_plays
from playlog.parse.numbers import milliseconds_sql
from playlog.parse.registry import Format, ParseContext, Parsed, register

SOURCE = "spotify"

EXTENDED_FIELDS = (
    "ts", "username", "platform", "ms_played", "conn_country", "ip_addr", "ip_addr_decrypted",
    "user_agent_decrypted", "master_metadata_track_name", "master_metadata_album_artist_name",
    "master_metadata_album_album_name", "spotify_track_uri", "episode_name", "episode_show_name",
    "spotify_episode_uri", "audiobook_title", "audiobook_chapter_uri", "audiobook_chapter_title",
    "reason_end", "skipped",
)
ACCOUNT_FIELDS = ("endTime", "artistName", "trackName", "msPlayed", "podcastName", "episodeName")


def _structure(fields: Sequence[str]) -> str:
    return "{" + ", ".join(f'"{name}": "VARCHAR"' for name in fields) + "}"


# Words of Spotify's platform texts that name a speaker, TV, console, car or watch.
EMBEDDED = ("partner|cast|sonos|tv|xbox|playstation|ps[345]|alexa|amazon|echo|roku|car|tesla|"
            "bose|speaker|wear|watch|tizen|webos")


def platform_sql(text: str) -> str:
    """SQL: Spotify's ``platform`` text as one of docs/metrics.md's platforms.

    Spotify writes a free text (``Android OS 9 API 28 (samsung, SM-G960F)``,
    ``iOS 14.4 (iPhone12,1)``, ``Windows 10 (10.0.19041; x64)``, ``OS X 10.15.7``,
    ``web_player windows 10;chrome 87``, ``Partner sonos_ppc Sonos;…``,
    ``cast_to_device``) or, in recent histories, a word (``android``, ``ios``,
    ``windows``, ``osx``, ``linux``)."""
    p = f"lower(coalesce({text}, ''))"
    return f"""CASE
        WHEN {p} = '' THEN NULL
        WHEN regexp_matches({p}, 'web[_ ]?player|webplayer|^web') THEN 'web'
        WHEN regexp_matches({p}, '{EMBEDDED}') THEN 'embedded'
        WHEN regexp_matches({p}, 'android|ios|iphone|ipad|ipod') THEN 'mobile'
        WHEN regexp_matches({p}, 'windows|os ?x|mac|linux|desktop') THEN 'desktop'
        ELSE 'unknown' END"""


def _ms(text: str) -> str:
    return milliseconds_sql(text)


def _number_problem(name: str) -> str:
    field = f"r.{name}"
    return (f"WHEN {field} IS NULL THEN 'missing field: {name}' "
            f"WHEN {_ms(field)} IS NULL "
            f"THEN 'invalid {name}: ' || left({field}, 40)")


EXTENDED = _structure(EXTENDED_FIELDS)
ACCOUNT = _structure(ACCOUNT_FIELDS)


def extended_sql(records: str) -> str:
    """SQL: play rows (parse.plays.PLAY_INPUT) of an extended history's `records`
    (parse.jsondoc.records_sql)."""
    return f"""
WITH p AS ({records})
SELECT line_no, raw,
    CASE WHEN r IS NULL OR NOT is_object THEN 'not a JSON object'
         {_number_problem('ms_played')} END AS problem,
    r.ts AS time_text,
    TRY_CAST(r.ts AS TIMESTAMPTZ) - to_milliseconds(coalesce({_ms('r.ms_played')}, 0)) AS started,
    {_ms('r.ms_played')} AS played_ms, false AS fill_played,
    coalesce(r.spotify_track_uri, r.spotify_episode_uri, r.audiobook_chapter_uri) AS uri,
    coalesce(r.master_metadata_album_artist_name, r.episode_show_name) AS artist,
    coalesce(r.master_metadata_track_name, r.episode_name, r.audiobook_chapter_title) AS title,
    coalesce(r.master_metadata_album_album_name, r.audiobook_title) AS album,
    r.username AS user_id,
    coalesce(r.ip_addr, r.ip_addr_decrypted) AS client_ip,
    CASE WHEN nullif(lower(r.user_agent_decrypted), 'unknown') IS NOT NULL
         THEN r.user_agent_decrypted END AS user_agent,
    {platform_sql('r.platform')} AS platform,
    r.conn_country AS country,
    CASE WHEN lower(r.skipped) IN ('true', '1') OR r.reason_end IN ('fwdbtn', 'backbtn')
             THEN 'user_skip'
         WHEN r.reason_end IS NULL OR r.reason_end = 'trackdone' THEN NULL
         ELSE r.reason_end END AS skip_reason
FROM p
"""


def account_sql(records: str) -> str:
    """SQL: play rows of an account-data history's `records`."""
    return f"""
WITH p AS ({records})
SELECT line_no, raw,
    CASE WHEN r IS NULL OR NOT is_object THEN 'not a JSON object'
         {_number_problem('msPlayed')} END AS problem,
    r.endTime AS time_text,
    TRY_CAST(r.endTime AS TIMESTAMPTZ) - to_milliseconds(coalesce({_ms('r.msPlayed')}, 0))
        AS started,
    {_ms('r.msPlayed')} AS played_ms, false AS fill_played,
    coalesce(r.artistName, r.podcastName) AS artist,
    coalesce(r.trackName, r.episodeName) AS title
FROM p
"""


class SpotifyParser:
    """Parses one Spotify history document (the one row of `lines`)."""

    def __init__(self, sql: Callable[[str], str], structure: str,
                 context: ParseContext) -> None:
        self.sql = sql
        self.structure = structure
        self.context = context

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        return document_plays(con, lines, self.sql, self.structure, self.context, SOURCE)

    def state(self) -> dict[str, Any]:
        return {}


def _array_of(sample: Sequence[str], keys: Sequence[str]) -> int:
    """All the sample's lines when it opens a JSON array of objects with these keys."""
    head = "\n".join(sample).lstrip("\ufeff \t\r\n")
    if not head.startswith("[") or not all(re.search(rf'"{k}"\s*:', head) for k in keys):
        return 0
    return len(sample)


def sniff_extended(sample: Sequence[str]) -> int:
    return _array_of(sample, ("ts", "ms_played"))


def sniff_account(sample: Sequence[str]) -> int:
    return _array_of(sample, ("endTime", "msPlayed"))


EXTENDED_FORMAT = register(Format(
    name="spotify",
    summary="Spotify extended streaming history (Streaming_History_Audio_*.json, endsong_*.json)",
    sample='{"ts": "2023-05-14T18:04:05Z", "platform": "Android OS 13 API 33 (Google, Pixel '
           '7)", "ms_played": 212000, "master_metadata_track_name": "Harbour Lights", "spoti'
           'fy_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "reason_end": "fwdbtn", "'
           'skipped": true}',
    sniff=sniff_extended,
    open=lambda context, state: SpotifyParser(extended_sql, EXTENDED, context),
    specificity=20,
    document=True,
))

ACCOUNT_FORMAT = register(Format(
    name="spotify_account",
    summary="Spotify account data streaming history (StreamingHistory*.json)",
    sample='[{"endTime": "2024-03-01 08:12", "artistName": "Lina Sol", "trackName": "Tidal",'
           ' "msPlayed": 184000}]',
    sniff=sniff_account,
    open=lambda context, state: SpotifyParser(account_sql, ACCOUNT, context),
    specificity=20,
    document=True,
))
