"""Generate the sample listening exports of one listener, "alice" (sample_data/exports/).

    python sample_data/listening.py            # writes sample_data/exports/

Her history as each service exports it, one period each so that nothing is
counted twice except where two exports really overlap:

- Last.fm scrobbles, June–November 2022 (lastfm.ghan.nl CSV, newest first,
  with one broken scrobble at timestamp 0);
- Spotify's older extended history ``endsong_0.json``, December 2022 to
  mid-January 2023 (with ``username``), overlapping the next one's first weeks;
- Spotify's extended history for 2023, ``Streaming_History_Audio_2023_0.json``
  and ``_1.json`` (the current shape, without ``username``);
- a Rockbox ``.scrobbler.log`` of a week in August 2023 on an offline player;
- ListenBrainz listens of January 2024 (``listens/2024/1.jsonl``);
- a Maloja export of February 2024;
- Spotify account data, ``StreamingHistory_music_0.json``, March–April 2024.

The output is deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ARTISTS = {
    "Nordic Tides": ("Low Sun", ["Harbour Lights", "Salt", "Long Winter", "Ferry at Dawn"]),
    "Mara Quell": ("Paper Houses", ["Paper Houses", "Glass Lungs", "Kept Time", "Quiet Riot"]),
    "The Velvet Arcs": ("Overpass", ["Overpass", "Sodium", "Night Bus", "Empty Lots"]),
    "Juno Reyes": ("Solstice", ["Solstice", "Agua", "Mercado", "Late Train"]),
    "Kofi Mensah Trio": ("Blue Accra", ["Blue Accra", "Highlife Stroll", "Osu Nights"]),
    "Static Gardens": ("Bloom", ["Bloom", "Fern", "Moss Radio", "Petrichor"]),
    "Ellis & The Foxes": ("Wildwood", ["Wildwood", "Fox Run", "Campfire"]),
    "Hana Mori": ("Neon Koi", ["Neon Koi", "Shibuya Rain", "Ramen at 3am", "Last Train Home"]),
    "Delta Freight": ("Gulf Coast", ["Gulf Coast", "Slow River", "Levee"]),
    "Aurora Vale": ("Northern Suite", ["Part I", "Part II", "Part III"]),
    "Brick & Mortar": ("Concrete", ["Concrete", "Rebar", "Scaffold"]),
    "Lina Sol": ("Tidal", ["Tidal", "Undertow", "Coral", "Sea Glass"]),
}
PODCAST = ("The Listening Hour", ["Ep. 41: Why we skip", "Ep. 42: Radio days",
                                  "Ep. 43: Vinyl again"])
PLATFORMS = {
    "phone": "Android OS 13 API 33 (Google, Pixel 7)",
    "work": "Windows 10 (10.0.19045; x64; AppX)",
    "home": "Partner sonos_ppc Sonos;Play:5",
    "web": "web_player windows 10;chrome 120.0.0.0;desktop",
}
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def spotify_id(text: str) -> str:
    digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    return "".join(ALPHABET[(digest >> (6 * i)) % 62] for i in range(22))


def library(rng: random.Random) -> list[dict]:
    tracks = []
    for artist, (album, titles) in ARTISTS.items():
        for title in titles:
            tracks.append({"artist": artist, "album": album, "title": title,
                           "uri": "spotify:track:" + spotify_id(artist + title),
                           "length": rng.randint(150, 330) * 1000,
                           "weight": rng.paretovariate(1.2)})
    return tracks


def sittings(rng: random.Random, first: date, last: date, skip: set[date] = frozenset()):
    """(start, where) of each listening sitting between two days: most days one or two,
    at commute, lunch and evening hours, more on weekends."""
    day = first
    while day <= last:
        weekend = day.isoweekday() >= 6
        if day not in skip and rng.random() < (0.75 if weekend else 0.55):
            for _ in range(rng.choice([1, 1, 2] if not weekend else [1, 2, 2])):
                hour = rng.choice([8, 12, 19, 20, 21, 22] if not weekend else [10, 11, 15, 20, 23])
                where = ("phone" if hour in (8, 12) else
                         rng.choice(["home", "home", "web"]) if weekend else
                         rng.choice(["home", "work", "phone"]))
                start = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59),
                                 rng.randint(0, 59), tzinfo=UTC)
                yield start, where
        day += timedelta(days=1)


ENDS = [("trackdone", 66), ("fwdbtn", 20), ("endplay", 5), ("backbtn", 3), ("logout", 2),
        ("unexpected-exit-while-paused", 1), ("remote", 3)]


def streams(rng: random.Random, tracks: list[dict], first: date, last: date,
            skip: set[date] = frozenset()) -> list[dict]:
    """One dict per stream: the track (or episode), when it ended, how long, how it ended."""
    weights = [t["weight"] for t in tracks]
    out = []
    for start, where in sittings(rng, first, last, skip):
        now = start
        for _ in range(rng.randint(3, 9)):
            track = rng.choices(tracks, weights)[0]
            if rng.random() < 0.03:  # a podcast episode now and then
                episode = rng.choice(PODCAST[1])
                track = {"episode": episode, "show": PODCAST[0], "length": 2_400_000,
                         "uri": "spotify:episode:" + spotify_id(episode)}
            end = rng.choices([e for e, _ in ENDS], [w for _, w in ENDS])[0]
            played = {"trackdone": track["length"], "fwdbtn": rng.choice([0, 2000, 15000, 42000]),
                      "backbtn": rng.randint(1000, 9000)}.get(end, rng.randint(20, 200) * 1000)
            played = min(played, track["length"])
            now += timedelta(milliseconds=played)
            out.append({"track": track, "ts": now.replace(microsecond=0), "played": played,
                        "end": end, "where": where, "skipped": end == "fwdbtn"})
            now += timedelta(seconds=rng.randint(0, 4))
    return out


def extended_record(s: dict, old: bool) -> dict:
    """A stream as the extended history writes it (`old`: the endsong_*.json shape)."""
    t = s["track"]
    record = {"ts": s["ts"].strftime("%Y-%m-%dT%H:%M:%SZ")}
    if old:
        record["username"] = "alice"
    record.update({
        "platform": PLATFORMS[s["where"]],
        "ms_played": s["played"],
        "conn_country": "SE",
        ("ip_addr_decrypted" if old else "ip_addr"): "81.227.14." + str(40 + len(s["where"])),
    })
    if old:
        record["user_agent_decrypted"] = "unknown"
    record.update({
        "master_metadata_track_name": t.get("title"),
        "master_metadata_album_artist_name": t.get("artist"),
        "master_metadata_album_album_name": t.get("album"),
        "spotify_track_uri": t["uri"] if "title" in t else None,
        "episode_name": t.get("episode"),
        "episode_show_name": t.get("show"),
        "spotify_episode_uri": t["uri"] if "episode" in t else None,
    })
    if not old:
        record.update({"audiobook_title": None, "audiobook_uri": None,
                       "audiobook_chapter_uri": None, "audiobook_chapter_title": None})
    record.update({
        "reason_start": "trackdone" if s["end"] != "backbtn" else "backbtn",
        "reason_end": s["end"],
        "shuffle": s["where"] == "home",
        "skipped": s["skipped"],
        "offline": False,
        "offline_timestamp": int(s["ts"].timestamp() * 1000) if not old else None,
        "incognito_mode": False,
    })
    return record


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def spotify(out: Path, rng: random.Random, tracks: list[dict], vacation: set[date]) -> None:
    older = streams(rng, tracks, date(2022, 12, 1), date(2022, 12, 31))
    year = streams(rng, tracks, date(2023, 1, 1), date(2023, 12, 31), vacation)
    overlap = [s for s in year if s["ts"].date() <= date(2023, 1, 15)]
    write_json(out / "spotify" / "endsong_0.json",
               [extended_record(s, old=True) for s in older + overlap])
    half = [s for s in year if s["ts"].month <= 6], [s for s in year if s["ts"].month > 6]
    for n, part in enumerate(half):
        write_json(out / "spotify" / f"Streaming_History_Audio_2023_{n}.json",
                   [extended_record(s, old=False) for s in part])
    later = streams(rng, tracks, date(2024, 3, 1), date(2024, 4, 30))
    write_json(out / "spotify-account" / "StreamingHistory_music_0.json", [
        {"endTime": s["ts"].strftime("%Y-%m-%d %H:%M"), "artistName": s["track"]["artist"],
         "trackName": s["track"]["title"], "msPlayed": s["played"]}
        for s in later if "title" in s["track"]
    ])


def scrobbles(rng: random.Random, tracks: list[dict], first: date, last: date,
              skip: set[date] = frozenset()) -> list[tuple[datetime, dict, bool]]:
    """(start, track, listened) of each scrobble-worthy play."""
    out = []
    for s in streams(rng, tracks, first, last, skip):
        if "title" in s["track"] and (s["played"] >= 30000 or s["end"] == "fwdbtn"):
            start = s["ts"] - timedelta(milliseconds=s["played"])
            out.append((start.replace(microsecond=0), s["track"], s["end"] != "fwdbtn"))
    return out


def lastfm(out: Path, rng: random.Random, tracks: list[dict]) -> None:
    rows = [(start, t) for start, t, listened in
            scrobbles(rng, tracks, date(2022, 6, 1), date(2022, 11, 30)) if listened]
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    buffer.write("uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n")
    for start, t in sorted(rows, key=lambda r: r[0], reverse=True):
        writer.writerow([int(start.timestamp()), start.strftime("%d %b %Y, %H:%M"), t["artist"],
                         "", t["album"], "", t["title"], ""])
    writer.writerow([0, "01 Jan 1970, 00:00", "Mara Quell", "", "", "", "Kept Time", ""])
    path = out / "lastfm" / "scrobbles-alice-1669852800.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def rockbox(out: Path, rng: random.Random, tracks: list[dict], vacation: set[date]) -> None:
    lines = ["#AUDIOSCROBBLER/1.1", "#TZ/UTC", "#CLIENT/Rockbox ipod6g 3.15"]
    for start, t, listened in scrobbles(rng, tracks, min(vacation), max(vacation)):
        number = ARTISTS[t["artist"]][1].index(t["title"]) + 1
        lines.append("\t".join([t["artist"], t["album"], t["title"], str(number),
                                str(t["length"] // 1000), "L" if listened else "S",
                                str(int(start.timestamp())), ""]))
    path = out / "rockbox" / ".scrobbler.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def listenbrainz(out: Path, rng: random.Random, tracks: list[dict]) -> None:
    lines = []
    for start, t, _ in scrobbles(rng, tracks, date(2024, 1, 1), date(2024, 1, 31)):
        info = {"media_player": "Strawberry", "submission_client": "Strawberry",
                "submission_client_version": "1.0.21"}
        if rng.random() < 0.7:
            info["duration_ms"] = t["length"]
        lines.append(json.dumps({
            "listened_at": int(start.timestamp()),
            "inserted_at": int(start.timestamp()) + rng.randint(200, 400),
            "track_metadata": {"artist_name": t["artist"], "track_name": t["title"],
                               "release_name": t["album"], "additional_info": info,
                               "recording_msid": spotify_id("msid" + t["title"]),
                               "mbid_mapping": None},
        }, ensure_ascii=False))
    path = out / "listenbrainz" / "listens" / "2024" / "1.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def maloja(out: Path, rng: random.Random, tracks: list[dict]) -> None:
    items = []
    for start, t, _ in scrobbles(rng, tracks, date(2024, 2, 1), date(2024, 2, 29)):
        items.append({"time": int(start.timestamp()),
                      "track": {"artists": [t["artist"]], "title": t["title"],
                                "album": {"albumtitle": t["album"], "artists": [t["artist"]]},
                                "length": t["length"] // 1000},
                      "duration": None, "origin": "client:navidrome"})
    write_json(out / "maloja" / "maloja_export_2024_03_01_09_00_00.json",
               {"maloja": {"export_time": 1709283600}, "scrobbles": items})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "exports")
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tracks = library(rng)
    vacation = {date(2023, 8, 7) + timedelta(days=n) for n in range(7)}
    spotify(args.out, rng, tracks, vacation)
    lastfm(args.out, rng, tracks)
    rockbox(args.out, rng, tracks, vacation)
    listenbrainz(args.out, rng, tracks)
    maloja(args.out, rng, tracks)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
