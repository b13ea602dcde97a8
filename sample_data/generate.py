"""Generate a realistic native-format data set: play sessions, event-page records, a catalog.

    python sample_data/generate.py                      # the shipped sample (7 days to 2026-11-20)
    python sample_data/generate.py --records 2000000 --out /tmp/big --single-file

Sessions are written as start / progress / end records (some as one-line `play`
records), slightly shuffled so that records of a session arrive out of order, with
a diurnal pattern, a Zipf-like track popularity, anonymous listeners, bots, and a
few sessions left open at the end. Event-page records cover every event type, with
referrers, `utm_source` links and demographics. A handful of invalid lines shows
the quarantine. The shipped sample also has the site's nginx access log
(`access.log`, sample_data/weblog.py) for the same week. The output is
deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from weblog import access_lines

ACCESS_OFFSET = timedelta(hours=1)  # the web server writes Paris time
ACCESS_VISITS_PER_DAY = 60

GENRES = ["rock", "pop", "jazz", "electronic", "hip-hop", "classical", "folk", "ambient"]
WORDS = ["night", "river", "gold", "echo", "summer", "glass", "paper", "neon", "blue", "wild",
         "slow", "fire", "ocean", "city", "dream", "north", "silver", "heart", "shadow", "light"]
QUALITIES = ["high", "high", "medium", "medium", "low", "mobile"]
SKIPS = ["user_skip"] * 12 + ["network_error", "quality_issue", "buffering stalled"]

AGENTS = [
    # browsers: desktop, phone, tablet
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Safari/537.36", 20),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Safari/605.1.15", 8),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", 4),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", 14),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.6723.102 Mobile Safari/537.36", 12),
    ("Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.6 Mobile/15E148 Safari/604.1", 4),
    # apps and media frameworks
    ("okhttp/4.12.0", 10),
    ("AppleCoreMedia/1.0.0.22A3354 (iPhone; U; CPU OS 18_0 like Mac OS X; en_us)", 8),
    ("Dalvik/2.1.0 (Linux; U; Android 13; SM-S911B Build/TP1A.220624.014)", 4),
    ("PocketCasts/7.75 (iOS 18.1)", 2),
    # desktop players
    ("VLC/3.0.21 LibVLC/3.0.21", 3),
    ("iTunes/12.13 (Windows; Microsoft Windows 10 x64) AppleWebKit/7619.1.26", 2),
    ("foobar2000/2.1", 1),
    # embedded
    ("Sonos/80.1-55014 (ZPS27)", 2),
    ("Roku/DVP-14.0 (14.0.4.5312-46)", 1),
    ("Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.6099.225 Safari/537.36 CrKey/1.56.500000", 1),
    # bots
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 2),
    ("curl/8.5.0", 1),
]

# Event pages are seen in browsers (and by bots).
WEB_AGENTS = [a for a, _ in AGENTS if a.startswith("Mozilla/") or a.startswith("curl/")]

# Address blocks of known countries (so that GeoIP has something to say).
IP_BLOCKS = [("8.8.", 10), ("81.2.", 6), ("2.4.", 8), ("90.12.", 6), ("84.150.", 6),
             ("126.10.", 3), ("177.32.", 4), ("1.136.", 3), ("24.48.", 5), ("151.20.", 3)]

REFERRERS = [(None, 30), ("https://www.google.com/", 20), ("https://www.facebook.com/", 10),
             ("https://l.instagram.com/", 8), ("https://t.co/Ab12Cd", 6),
             ("https://www.bing.com/search?q=concert", 3), ("https://news.example.org/week", 4),
             ("https://duckduckgo.com/", 2)]
EVENT_TYPES = [("view", 60), ("click", 14), ("share", 5), ("favorite", 6),
               ("ticket_click", 8), ("external_click", 4)]


def _weighted(rng: random.Random, pairs: list[tuple]) -> object:
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class World:
    """The tracks, listeners, agents and addresses the records are drawn from."""

    def __init__(self, rng: random.Random, tracks: int, users: int, agents: int, ips: int):
        self.rng = rng
        self.tracks = [self._track(i) for i in range(tracks)]
        self.track_weights = [1.0 / (rank + 1) ** 0.9 for rank in range(tracks)]
        self.users = [f"u{n:05d}" for n in range(users)]
        base = [a for a, _ in AGENTS]
        self.agents = base + [f"{_weighted(rng, AGENTS)} build/{n}" for n in range(agents - len(base))]
        self.agent_weights = [w for _, w in AGENTS] + [1] * (len(self.agents) - len(base))
        self.ips = [f"{_weighted(rng, IP_BLOCKS)}{rng.randrange(256)}.{rng.randrange(1, 255)}"
                    for _ in range(ips)]
        self.user_agent = {u: rng.choices(self.agents, self.agent_weights)[0] for u in self.users}
        self.user_ip = {u: rng.choice(self.ips) for u in self.users}

    def _track(self, i: int) -> dict:
        rng = self.rng
        title = " ".join(rng.sample(WORDS, 2)).title()
        return {"track_id": f"t{i:04d}", "title": title,
                "artist": f"{rng.choice(WORDS).title()} {rng.choice(['Band', 'Trio', 'Collective', 'Project'])}",
                "album": f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}",
                "genre": rng.choice(GENRES), "duration_ms": rng.randrange(120_000, 420_000, 1000)}

    def listener(self) -> tuple[str | None, str, str]:
        rng = self.rng
        if rng.random() < 0.25:  # anonymous listener: only address and agent
            return None, rng.choices(self.agents, self.agent_weights)[0], rng.choice(self.ips)
        user = rng.choice(self.users)
        return user, self.user_agent[user], self.user_ip[user]


def session_records(world: World, sid: str, start: datetime, open_until: datetime | None) -> list[dict]:
    """The records of one play session; `open_until` cuts it off (still open at the end)."""
    rng = world.rng
    track = rng.choices(world.tracks, world.track_weights)[0]
    user, agent, ip = world.listener()
    total = track["duration_ms"]
    skip = rng.random() < 0.3
    played = rng.randrange(5_000, total) if skip else total
    first = {"type": "session_start", "ts": _iso(start), "session_id": sid,
             "track_id": track["track_id"], "client_ip": ip, "user_agent": agent,
             "quality": rng.choice(QUALITIES)}
    if user:
        first["user_id"] = user
    if rng.random() < 0.8:
        first["total_duration_ms"] = total
    if rng.random() < 0.3:
        first["referrer"] = "https://app.example.com/playlist/" + str(rng.randrange(50))
    if rng.random() < 0.15:  # a collector that writes whole sessions as one line
        play = dict(first, type="play", duration_played_ms=played)
        if skip:
            play["skip_reason"] = rng.choice(SKIPS)
        return [play]
    records = [first]
    for pos in range(30_000, played, 30_000):
        ts = start + timedelta(milliseconds=pos + rng.randrange(0, 900))
        if open_until and ts >= open_until:
            return records
        records.append({"type": "session_progress", "ts": _iso(ts), "session_id": sid,
                        "duration_played_ms": pos, "buffer_health": round(rng.uniform(55, 100), 1),
                        "bytes_sent": rng.randrange(300_000, 1_200_000)})
    end_ts = start + timedelta(milliseconds=played + rng.randrange(0, 1500))
    if open_until and end_ts >= open_until:
        return records
    if rng.random() < 0.03:  # the client vanished: no end record, closed by timeout
        return records
    end = {"type": "session_end", "ts": _iso(end_ts), "session_id": sid, "duration_played_ms": played}
    if skip:
        end["skip_reason"] = rng.choice(SKIPS)
    records.append(end)
    return records


def visit_records(world: World, ts: datetime, pages: int) -> list[dict]:
    """A visit to an event page: a view, and sometimes clicks, shares … on the same page."""
    rng = world.rng
    user, _, ip = world.listener()
    agent = rng.choices(WEB_AGENTS, [w for a, w in AGENTS if a in WEB_AGENTS])[0]
    page = f"ev{rng.choices(range(pages), [1 / (k + 2) for k in range(pages)])[0]:03d}"
    url = f"https://events.example.com/e/{page}"
    if rng.random() < 0.12:
        url += "?utm_source=" + rng.choice(["newsletter", "facebook", "partner"]) + "&utm_medium=email"
    base = {"type": "event", "event_id": page, "session_id": f"w{rng.randrange(16**8):08x}",
            "user_agent": agent, "client_ip": ip, "page_url": url}
    if user:
        base["user_id"] = user
    referrer = _weighted(rng, REFERRERS)
    if referrer:
        base["referrer"] = referrer
    view = dict(base, ts=_iso(ts), event_type="view", time_on_page_ms=rng.randrange(2_000, 240_000))
    if rng.random() < 0.3:
        view["metadata"] = {"age_group": rng.choice(["18-24", "25-34", "35-44", "45-54", "55+"]),
                            "gender": rng.choice(["female", "male", "other"])}
    records = [view]
    while rng.random() < 0.4 and len(records) < 4:
        ts += timedelta(seconds=rng.randrange(3, 90))
        kind = _weighted(rng, EVENT_TYPES[1:])
        records.append(dict(base, ts=_iso(ts), event_type=kind))
    return records


BAD_LINES = [
    '{"type": "session_start", "ts": "2026-11-19T10:00:00Z", "session_id": "bad-1"',
    '{"type": "session_rewind", "ts": "2026-11-19T10:00:00Z", "session_id": "bad-2"}',
    '{"type": "session_start", "ts": "2026-11-19T10:00:00Z", "track_id": "t0001"}',
    '{"type": "session_progress", "ts": "2026-11-19T10:00:00Z", "session_id": "bad-4", "duration_played_ms": -500}',
    '{"type": "session_end", "ts": "19/11/2026 10:00", "session_id": "bad-5"}',
    '{"type": "event", "ts": "2026-11-19T10:00:00Z", "event_id": "ev001", "event_type": "hover"}',
    'GET /stream/t0001 HTTP/1.1 200',
    '[1, 2, 3]',
]


def diurnal_starts(rng: random.Random, day: datetime, count: int) -> list[datetime]:
    hours = [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.8, 0.8, 0.8, 0.9,
             1.0, 0.9, 0.8, 0.8, 0.9, 1.0, 1.2, 1.4, 1.5, 1.3, 0.9, 0.5]
    picked = rng.choices(range(24), hours, k=count)
    return sorted(day + timedelta(hours=h, seconds=rng.randrange(3600)) for h in picked)


def generate(out: Path, *, days: int, end: datetime, sessions_per_day: int, events_per_day: int,
             seed: int, agents: int, ips: int, single_file: bool, bad_lines: bool) -> dict:
    rng = random.Random(seed)
    world = World(rng, tracks=200, users=400, agents=max(agents, len(AGENTS)), ips=ips)
    out.mkdir(parents=True, exist_ok=True)
    first_day = datetime.combine(end.date(), time(), timezone.utc) - timedelta(days=days - 1)
    counts = {"records": 0, "sessions": 0, "events": 0}
    streams: dict[Path, list[str]] = {}
    carry: list[str] = []  # records that spill into the next day's file
    for d in range(days):
        day = first_day + timedelta(days=d)
        stream = out / ("stream.jsonl" if single_file or d == days - 1 else f"stream-{day:%Y-%m-%d}.jsonl.gz")
        lines = streams.setdefault(stream, [])
        lines.extend(carry)
        carry = []
        for n, start in enumerate(diurnal_starts(rng, day, sessions_per_day)):
            if start >= end:
                break
            sid = f"s{d:03d}-{n:06d}-{rng.randrange(16**6):06x}"
            records = session_records(world, sid, start, end)
            counts["sessions"] += 1
            for rec in records:
                text = json.dumps(rec, separators=(",", ":"))
                target = carry if rec["ts"][:10] > f"{day:%Y-%m-%d}" else lines
                target.append(text)
        events = out / ("stream.jsonl" if single_file else "events.jsonl")
        ev_lines = streams.setdefault(events, [])
        for ts in diurnal_starts(rng, day, int(events_per_day / 1.45)):
            if ts >= end:
                break
            for rec in visit_records(world, ts, pages=25):
                ev_lines.append(json.dumps(rec, separators=(",", ":")))
                counts["events"] += 1
    streams[next(iter(streams))].extend(carry)
    if bad_lines:
        streams[next(iter(streams))][100:100] = BAD_LINES
    for path, lines in streams.items():
        _shuffle_nearby(rng, lines)
        counts["records"] += len(lines)
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    if not single_file:
        first = datetime.combine(first_day.date(), time(), timezone(ACCESS_OFFSET))
        lines = list(access_lines(first_day=first, days=days, visits_per_day=ACCESS_VISITS_PER_DAY,
                                  seed=seed, offset=ACCESS_OFFSET))
        (out / "access.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
        counts["access_lines"] = len(lines)
    with (out.parent if not single_file else out).joinpath("tracks.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(world.tracks[0]))
        writer.writeheader()
        writer.writerows(world.tracks)
    if not single_file:
        write_event_catalog(out.parent / "events.csv", pages=25)
    return counts


VENUES = ["Le Trianon", "La Cigale", "Olympia", "Bataclan", "Zenith", "New Morning"]
SHOWS = ["Quartet", "Big Band", "Trio", "Live Session", "Night", "Festival"]


def write_event_catalog(path: Path, pages: int, seed: int = 7) -> None:
    """The event catalog of the sample's pages (ev000 …): title, date, venue, url, city."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["event_id", "title", "date", "venue", "url", "city"])
        for k in range(pages):
            venue = VENUES[k % len(VENUES)]
            day = datetime(2026, 11, 21) + timedelta(days=rng.randrange(60))
            writer.writerow([f"ev{k:03d}", f"{rng.choice(SHOWS)} #{k}", day.date().isoformat(),
                             venue, f"https://events.example.com/e/ev{k:03d}", "Paris"])


def _shuffle_nearby(rng: random.Random, lines: list[str], reach: int = 12) -> None:
    """Swap each line with one a few lines away: collectors deliver out of order."""
    for i in range(0, len(lines) - reach, 3):
        j = i + rng.randrange(1, reach)
        lines[i], lines[j] = lines[j], lines[i]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "logs")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--end", default="2026-11-20T21:30:00+00:00", help="end of the data (ISO 8601)")
    parser.add_argument("--sessions-per-day", type=int, default=260)
    parser.add_argument("--events-per-day", type=int, default=420)
    parser.add_argument("--records", type=int, help="about this many records in all (overrides per-day counts)")
    parser.add_argument("--agents", type=int, default=len(AGENTS), help="distinct user agents")
    parser.add_argument("--ips", type=int, default=600, help="distinct client addresses")
    parser.add_argument("--seed", type=int, default=20261120)
    parser.add_argument("--single-file", action="store_true", help="everything in one stream.jsonl")
    parser.add_argument("--no-bad-lines", action="store_true")
    args = parser.parse_args()
    sessions, events = args.sessions_per_day, args.events_per_day
    if args.records:  # about 6.6 records per session; a third of the records are event-page records
        sessions = max(1, int(args.records * 0.67 / 6.6 / args.days))
        events = max(1, int(args.records * 0.33 / args.days))
    end = datetime.fromisoformat(args.end).astimezone(timezone.utc)
    counts = generate(args.out, days=args.days, end=end, sessions_per_day=sessions,
                      events_per_day=events, seed=args.seed, agents=args.agents, ips=args.ips,
                      single_file=args.single_file, bad_lines=not args.no_bad_lines)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
