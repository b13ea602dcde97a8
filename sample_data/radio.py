"""Generate the sample radio station's Icecast 2 logs for the sample week (2026-11-14..20).

    python sample_data/radio.py            # writes sample_data/logs/icecast/

The station streams one mount, ``/radio`` (MP3, 128 kbit/s), from a server in
Paris (times in +0100). Its playlist rotates the first 40 tracks of sample_data/tracks.csv
each for its length; ``playlist.log`` gets a line per title and ``access.log``
what Icecast writes when each client disconnects: listeners (players, apps,
browsers, speakers, a monitoring bot), the source client's metadata updates and
its reconnect, status pages, playlists and static files, a wrong mount.
The output is deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote_plus

HERE = Path(__file__).parent
START = datetime(2026, 11, 13, 23, 0, tzinfo=UTC)
END = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))
MOUNT = "/radio"
BYTES_PER_SECOND = 16_000
SOURCE_IP, SOURCE_AGENT = "127.0.0.1", "liquidsoap/2.2.5"
AGENTS = [
    ("VLC/3.0.21 LibVLC/3.0.21", 14, None),
    ("iTunes/12.13 (Windows; Microsoft Windows 10 x64) AppleWebKit/7619.1.26", 5, None),
    ("WinampMPEG/5.66, Ultravox/2.1", 4, None),
    ("TuneIn Radio/32.5.1 (Android 14; Pixel 8; Java)", 10, None),
    ("AppleCoreMedia/1.0.0.22A3354 (iPhone; U; CPU OS 18_0 like Mac OS X; en_us)", 9, None),
    ("ExoPlayerLib/2.19.1 (Linux; Android 13) okhttp/4.12.0", 6, None),
    ("Sonos/80.1-55014 (ZPS27)", 5, None),
    ("Roku/DVP-14.0 (14.0.4.5312-46)", 2, None),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/130.0.0.0 Safari/537.36"), 12, "https://radio.example.com/"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7; rv:132.0) Gecko/20100101 Firefox/132.0",
     6, "https://radio.example.com/"),
    (("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
      "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"), 5,
     "https://radio.example.com/"),
]
WEB_AGENT = AGENTS[-3][0]
MONITOR = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"


def clf(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%b/%Y:%H:%M:%S %z")


def line(ip: str, end: datetime, request: str, status: int, size: int, agent: str,
         seconds: int, referrer: str = "-", user: str = "-") -> tuple[datetime, str]:
    return end, (f'{ip} - {user} [{clf(end)}] "{request}" {status} {size} "{referrer}" '
                 f'"{agent}" {seconds}')


def playlist(rng: random.Random, tracks: list[dict]) -> list[tuple[datetime, dict]]:
    """(on air, track) from START to END, each title for its length."""
    aired, now = [], START
    rotation = tracks[:40]  # the station's playlist: the catalog's first 40, the first most
    weights = [1 / (i + 2) for i in range(len(rotation))]
    while now < END:
        track = rng.choices(rotation, weights)[0]
        aired.append((now, track))
        now += timedelta(milliseconds=int(track["duration_ms"]) + rng.randint(0, 2500))
    return aired


def _busy(moment: datetime) -> float:
    """Listeners come more in the morning and the evening (Paris time)."""
    hour = moment.astimezone(PARIS).hour + moment.minute / 60
    return 0.35 + 0.45 * math.exp(-((hour - 8.5) ** 2) / 4) + math.exp(-((hour - 20) ** 2) / 6)


def listeners(rng: random.Random) -> list[tuple[datetime, str]]:
    out, now = [], START + timedelta(hours=1)
    names, weights = [a[0] for a in AGENTS], [a[1] for a in AGENTS]
    while now < END:
        now += timedelta(seconds=rng.expovariate(_busy(now) / 1500))
        if now >= END - timedelta(minutes=1):
            break
        agent = rng.choices(range(len(AGENTS)), weights)[0]
        seconds = int(min(8 * 3600, rng.lognormvariate(math.log(480), 1.2)))
        end = min(now + timedelta(seconds=seconds), END - timedelta(seconds=1))
        seconds = int((end - now).total_seconds())
        ip = f"{rng.choice([81, 84, 90, 176, 185, 212])}.{rng.randint(1, 254)}." \
             f"{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        referrer = AGENTS[agent][2] or "-"
        if referrer != "-" and rng.random() < 0.5:  # the page's player fetches the playlist
            out.append(line(ip, now - timedelta(seconds=1), f"GET {MOUNT}.m3u HTTP/1.1", 200,
                            61, names[agent], 0, referrer))
        size = seconds * BYTES_PER_SECOND + rng.randint(0, 64_000)
        out.append(line(ip, end, f"GET {MOUNT} HTTP/1.1", 200, size, names[agent], seconds,
                        referrer))
    return out


def server_traffic(rng: random.Random, aired: list[tuple[datetime, dict]]):
    out = []
    for on_air, track in aired:  # the source client sets each title through the admin API
        song = quote_plus(f"{track['artist']} - {track['title']}")
        out.append(line(SOURCE_IP, on_air, f"GET /admin/metadata?mount={MOUNT}&mode=updinfo"
                        f"&charset=UTF-8&song={song} HTTP/1.0", 200, 122, SOURCE_AGENT, 0,
                        user="source"))
    drop = datetime(2026, 11, 17, 3, 12, 40, tzinfo=UTC)  # the source reconnects once
    out.append(line(SOURCE_IP, drop, f"PUT {MOUNT} HTTP/1.1", 200, 0, SOURCE_AGENT,
                    int((drop - START).total_seconds()), user="source"))
    moment = START + timedelta(minutes=7)
    while moment < END:  # a monitor checks the stream every hour
        out.append(line("216.144.248.18", moment, f"GET {MOUNT} HTTP/1.1", 200, 32_000, MONITOR,
                        2))
        out.append(line("216.144.248.18", moment, "GET /status-json.xsl HTTP/1.1", 200, 1_204,
                        MONITOR, 0))
        moment += timedelta(hours=1)
    for _ in range(120):  # visitors of the server's own pages, and a wrong mount
        moment = START + timedelta(seconds=rng.randint(0, int((END - START).total_seconds())))
        ip = f"90.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        request, status, size = rng.choice([
            ("GET / HTTP/1.1", 200, 3_117), ("GET /status.xsl HTTP/1.1", 200, 4_321),
            ("GET /style.css HTTP/1.1", 200, 4_690), ("GET /favicon.ico HTTP/1.1", 200, 1_150),
            (f"GET {MOUNT}.xspf HTTP/1.1", 200, 260), ("GET /radio.mp3 HTTP/1.1", 404, 0),
        ])
        out.append(line(ip, moment, request, status, size, WEB_AGENT, 0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "logs" / "icecast")
    parser.add_argument("--seed", type=int, default=1120)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with (HERE / "tracks.csv").open(encoding="utf-8") as fh:
        tracks = list(csv.DictReader(fh))
    aired = playlist(rng, tracks)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "playlist.log").open("w", encoding="utf-8") as fh:
        for on_air, track in aired:
            listening = 1 + int(6 * _busy(on_air))
            fh.write(f"{clf(on_air)}|{MOUNT}|{listening}|{track['artist']} - {track['title']}\n")
    lines = sorted(listeners(rng) + server_traffic(rng, aired), key=lambda item: item[0])
    with (args.out / "access.log").open("w", encoding="utf-8") as fh:
        fh.writelines(text + "\n" for _, text in lines)
    print(f"wrote {args.out}: {len(aired):,} titles, {len(lines):,} access lines")


if __name__ == "__main__":
    main()
