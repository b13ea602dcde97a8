"""Helpers for tests of listening exports: realistic Spotify records and files."""

from __future__ import annotations

import json
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "exports"


def stream(ts: str, uri: str | None = "spotify:track:4uLU6hMCjMI75M1A2tKUQC", *,
           ms: int = 212_000, end: str = "trackdone", skipped: bool | None = False,
           title: str | None = "Harbour Lights", artist: str | None = "Nordic Tides",
           album: str | None = "Low Sun", platform: str = "Android OS 13 API 33 (Google, Pixel 7)",
           username: str | None = None, **extra) -> dict:
    """One record of the extended streaming history, as Spotify writes it (2024 shape;
    with `username`, the older endsong shape)."""
    record: dict = {"ts": ts}
    if username is not None:
        record["username"] = username
    record.update({
        "platform": platform, "ms_played": ms, "conn_country": "SE",
        "ip_addr": "81.227.14.43",
        "master_metadata_track_name": title, "master_metadata_album_artist_name": artist,
        "master_metadata_album_album_name": album, "spotify_track_uri": uri,
        "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
        "audiobook_title": None, "audiobook_uri": None, "audiobook_chapter_uri": None,
        "audiobook_chapter_title": None, "reason_start": "trackdone", "reason_end": end,
        "shuffle": False, "skipped": skipped, "offline": False, "offline_timestamp": None,
        "incognito_mode": False,
    })
    record.update(extra)
    return record


def write_json(path: Path, value, *, indent: int | None = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=indent) + ("\n" if indent else ""), encoding="utf-8")
    return path
