"""A small deterministic store for golden files and docs/commands.md: one week
(2026-11-14 to 2026-11-20 UTC) of plays of six tracks by eight users and some
anonymous listeners, three event pages (with an event catalog and the demographics of
some records), and progress records; T = 2026-11-20 18:00Z."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from storebuild import at, event, progress, session, store, write_event_catalog

T = "2026-11-20T18:00:00Z"
TRACKS = [
    ("t1", "Blue Hour", "Nora Vale", "jazz", 200_000),
    ("t2", "Paper Boats", "The Lanterns", "indie", 180_000),
    ("t3", "Northbound", "Kilo Echo", "electronic", 240_000),
    ("t4", "Salt Road", "Nora Vale", "jazz", 210_000),
    ("t5", "Glass Garden", "Mirela", "pop", 190_000),
    ("t6", "Low Tide", "The Lanterns", "indie", 170_000),
]
COUNTRIES = ["FR", "FR", "DE", "US", "GB", None]
PLATFORMS = ["web", "web", "mobile", "mobile", "desktop", "embedded"]
QUALITIES = ["high", "high", "medium", "low", "mobile"]
SKIPS = [None, None, None, None, "user_skip", "user_skip", "network_error", "timeout"]
SOURCES = ["direct", "direct", "google", "facebook", "instagram", "news.example.com"]
DEVICES = ["mobile", "mobile", "desktop", "tablet", "other"]
KINDS = ["view"] * 6 + ["click", "click", "share", "favorite", "ticket_click", "external_click"]
AGES = ["18-24", "25-34", "25-34", "35-44", "45-54", None]
GENDERS = ["female", "male", "female", "male", "non-binary", None]
EVENTS = [("e1", "Jazz at the Docks", "2026-12-05", "Harbour Hall"),
          ("e2", "Indie Night", "2026-12-12", "The Lantern Club"),
          ("e3", "Electronic Sunrise", "2027-01-09", "Warehouse 9")]


def sessions(rng: random.Random) -> list[dict]:
    rows = []
    start = at("2026-11-14 00:00")
    weights = [30, 20, 12, 8, 5, 3]
    for i in range(160):
        track = rng.choices(TRACKS, weights)[0]
        user = rng.choice([f"u{n}" for n in range(1, 9)] + [None, None])
        begin = start + timedelta(minutes=rng.randrange(0, 7 * 24 * 60 - 200))
        played = rng.randrange(20, track[4] // 1000) / 60
        skip = rng.choice(SKIPS)
        minutes = track[4] / 60_000 if skip is None else played
        rows.append(session(
            f"s{i:03d}", begin.strftime("%Y-%m-%d %H:%M"), round(minutes, 2), track_id=track[0],
            user_id=user, anon_key=None if user else f"k{rng.randrange(5)}",
            total_duration_ms=track[4], skip_reason=skip, country=rng.choice(COUNTRIES),
            platform=rng.choice(PLATFORMS), quality=rng.choice(QUALITIES),
            device_type=rng.choice(DEVICES),
        ))
    for i, minute in enumerate([5, 20, 35, 50]):  # listening at T
        rows.append(session(f"live{i}", f"2026-11-20 17:{minute:02d}", 30, track_id=TRACKS[i % 2][0],
                            user_id=f"u{i + 1}", ended=False, country=COUNTRIES[i]))
    rows.append(session("bot1", "2026-11-20 12:00", 3, user_id=None, anon_key="b", is_bot=True))
    return rows


def events(rng: random.Random) -> list[dict]:
    rows = []
    people = random.Random(11)  # its own draws: the other columns stay as they were
    start = at("2026-11-14 00:00")
    for i in range(120):
        page = rng.choices(["e1", "e2", "e3"], [6, 3, 1])[0]
        ts = start + timedelta(minutes=rng.randrange(0, 7 * 24 * 60 - 1))
        kind = rng.choice(KINDS)
        rows.append(event(
            page, kind, ts.strftime("%Y-%m-%d %H:%M"), session_id=f"v{rng.randrange(40)}",
            user_id=rng.choice([None, None, f"u{rng.randrange(1, 9)}"]),
            time_on_page_ms=rng.randrange(2_000, 90_000) if kind == "view" else None,
            source=rng.choice(SOURCES), device_type=rng.choice(DEVICES),
            age_group=people.choice(AGES), gender=people.choice(GENDERS),
        ))
    return rows


def progress_rows() -> list[dict]:
    return [
        progress(f"live{i}", f"2026-11-20 17:{m:02d}", bytes_sent=250_000 * (i + 1),
                 buffer_health=60.0 + 10 * i)
        for i in range(4) for m in (51, 55)
    ]


def build_sample(root: Path) -> Path:
    rng = random.Random(7)
    catalog = [dict(zip(("track_id", "title", "artist", "genre", "duration_ms"), t)) for t in TRACKS]
    store(root, sessions=sessions(rng), events=events(rng), progress_rows=progress_rows(),
          catalog=catalog)
    write_event_catalog(root, [dict(zip(("event_id", "title", "date", "venue"), e))
                               for e in EVENTS])
    return root
