"""Ingest throughput of listening data against the native format, in the same run.

    python benchmarks/listen_bench.py                       # 1 M Spotify, 2 M Icecast, 1 M native
    python benchmarks/listen_bench.py --spotify 200000 --icecast 0 --native 200000
    python benchmarks/listen_bench.py --spotify-days 1461   # the history over four years

Generates (once, cached under --work):

- a Spotify extended streaming history of N records, as Spotify exports it:
  JSON arrays of about 12 MB (``Streaming_History_Audio_*.json``, 2-space
  indented), 50 listeners over a year (``--spotify-days``: a store writes a
  file a day per dataset, so the span of days costs as much as the records);
- an Icecast 2 access log of N lines (listener GETs of four mounts, with the
  source, admin, status-page and static lines a server writes between them)
  and its ``playlist.log``, over 30 days;
- a native log of N records (benchmarks/ingest_bench.py's generator).

Each is ingested by ``playlog ingest`` in a fresh process on an empty store
(the Icecast folder twice: its access log alone, then with its playlist log,
which splits every listening interval into one session per title);
the figures are records (or lines) per second, wall and CPU seconds, peak RSS,
and the ratio of each format's records/s to the native format's (target: at
least 0.5). Other jobs on the machine stretch wall times; CPU seconds vary less.

The runs are repeated ``--rounds`` times (3 by default), the native one first in
each round, and each ratio is taken against the native run of its own round: a
machine whose speed drifts over minutes moves both sides of a ratio together.
The tables give the median of the rounds, and each round's ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_bench import generate as generate_native
from ingest_bench import run_measured

FILE_BYTES = 12_000_000
USERS = 50
START = datetime(2020, 1, 1, tzinfo=UTC)
PLATFORMS = ["Android OS 13 API 33 (Google, Pixel 7)", "iOS 17.1 (iPhone14,2)",
             "Windows 10 (10.0.19045; x64; AppX)", "OS X 14.1.1 [arm 2]",
             "web_player windows 10;chrome 120.0.0.0;desktop", "Partner sonos_ppc Sonos;Play:5"]
ENDS = ["trackdone"] * 13 + ["fwdbtn"] * 4 + ["backbtn", "endplay", "logout"]
TEMPLATE = """  {{
    "ts": "{ts}",
    "platform": "{platform}",
    "ms_played": {ms},
    "conn_country": "{country}",
    "ip_addr": "{ip}",
    "master_metadata_track_name": "Track {track}",
    "master_metadata_album_artist_name": "Artist {artist}",
    "master_metadata_album_album_name": "Album {album}",
    "spotify_track_uri": "spotify:track:{uri}",
    "episode_name": null,
    "episode_show_name": null,
    "spotify_episode_uri": null,
    "audiobook_title": null,
    "audiobook_uri": null,
    "audiobook_chapter_uri": null,
    "audiobook_chapter_title": null,
    "reason_start": "trackdone",
    "reason_end": "{end}",
    "shuffle": false,
    "skipped": {skipped},
    "offline": false,
    "offline_timestamp": {offline},
    "incognito_mode": false
  }}"""


def spotify_history(work: Path, records: int, days: int) -> Path:
    """A folder of Streaming_History_Audio_*.json files holding `records` streams."""
    out = work / f"spotify-{records}-{days}"
    if (out / "done").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    print(f"generating {records:,} Spotify records in {out} …", flush=True)
    rng = random.Random(7)
    step = days * 86400 / (records / USERS)
    parts: list[str] = []
    size, n = 0, 0
    for i in range(records):
        user, k = i % USERS, i // USERS
        ts = START + timedelta(seconds=k * step + user * 37 + rng.random() * step * 0.5)
        end = rng.choice(ENDS)
        track = int(rng.paretovariate(1.1)) % 50_000
        ms = rng.randint(120_000, 300_000) if end == "trackdone" else rng.randint(0, 60_000)
        text = TEMPLATE.format(
            ts=ts.strftime("%Y-%m-%dT%H:%M:%SZ"), platform=PLATFORMS[(user + k // 7) % 6],
            ms=ms, country=("SE", "DE", "US", "FR", "BR")[user % 5],
            ip=f"81.{user}.{k % 250}.{user % 200}", track=track, artist=track % 4000,
            album=track % 9000, uri=f"{track:022d}", end=end,
            skipped="true" if end == "fwdbtn" else "false",
            offline=int(ts.timestamp() * 1000))
        parts.append(text)
        size += len(text) + 2
        if size >= FILE_BYTES or i == records - 1:
            path = out / f"Streaming_History_Audio_{n:03d}.json"
            path.write_text("[\n" + ",\n".join(parts) + "\n]\n", encoding="utf-8")
            parts, size, n = [], 0, n + 1
    (out / "done").write_text("")
    return out


def measure(label: str, path: Path, count: int, work: Path, *extra: str) -> dict:
    data = work / "store"
    shutil.rmtree(data, ignore_errors=True)
    cmd = [sys.executable, "-m", "playlog", "ingest", str(path), "--data", str(data),
           "--format", "json", "--no-progress", *extra]
    secs, rss, cpu, out = run_measured(cmd)
    summary = json.loads(out)
    return {"label": label, "records": count, "seconds": secs, "rss": rss, "cpu": cpu,
            "sessions": summary["sessions"], "stages": summary.get("stage_seconds", {}),
            "quarantined": summary["quarantined"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spotify", type=int, default=1_000_000)
    parser.add_argument("--icecast", type=int, default=2_000_000)
    parser.add_argument("--native", type=int, default=1_000_000)
    parser.add_argument("--spotify-days", type=int, default=365)
    parser.add_argument("--work", type=Path, default=Path("/tmp/playlog-listen-bench"))
    parser.add_argument("--rounds", type=int, default=3,
                        help="times every run is repeated, the native one first each time")
    args = parser.parse_args()
    native = generate_native(args.work, args.native)
    native_lines = sum(1 for _ in native.open("rb"))
    plan = [("native (baseline)", native, native_lines, ())]
    if args.spotify:
        folder = spotify_history(args.work, args.spotify, args.spotify_days)
        plan.append((f"spotify, {args.spotify_days} days", folder, args.spotify,
                     ("--user", "bench")))
    if args.icecast:
        from icecast_log import icecast_logs

        folder, lines = icecast_logs(args.work, args.icecast)
        plan.append(("icecast access.log", folder / "access.log", args.icecast, ()))
        plan.append(("icecast access + playlist", folder, lines, ()))
    rounds = []
    for number in range(1, args.rounds + 1):
        runs = []
        for label, path, count, extra in plan:
            runs.append(measure(label, path, count, args.work, *extra))
            r = runs[-1]
            print(f"round {number}: {label:28} {r['seconds']:7.2f} s {r['cpu']:7.1f} CPU s",
                  flush=True)
        rounds.append(runs)
    report(rounds)


def _rate(run: dict, per: str = "seconds") -> float:
    """Records per wall second (or per CPU second: `per` "cpu")."""
    return run["records"] / run[per]


def report(rounds: list[list[dict]]) -> None:
    """Medians over the rounds; ratios to the native run of the same round (by wall time
    and by CPU time), then each round's wall ratio."""
    from statistics import median

    print(f"\n{len(rounds)} round(s); medians of the rounds")
    print(f"{'run':28} {'records':>10} {'seconds':>8} {'records/s':>10} {'CPU s':>7} "
          f"{'peak MiB':>9} {'x native':>9} {'x n. CPU':>9} {'sessions':>10}   each round")
    for i, first in enumerate(rounds[0]):
        runs = [each[i] for each in rounds]  # this run in every round
        wall = [_rate(r) / _rate(each[0]) for r, each in zip(runs, rounds)]
        cpu = [_rate(r, "cpu") / _rate(each[0], "cpu") for r, each in zip(runs, rounds)]
        seconds = median(r["seconds"] for r in runs)
        print(f"{first['label']:28} {first['records']:>10,} {seconds:>8.2f} "
              f"{first['records'] / seconds:>10,.0f} {median(r['cpu'] for r in runs):>7.1f} "
              f"{max(r['rss'] for r in runs):>9,.0f} {median(wall):>9.2f} {median(cpu):>9.2f} "
              f"{first['sessions']:>10,}   " + " ".join(f"{w:.2f}" for w in wall))
    print(f"\n{'stages (s, in-process, median)':30} {'read':>8} {'sessions':>8} {'rollups':>8} "
          f"{'commit':>8}")
    for i, first in enumerate(rounds[0]):
        stages = [each[i]["stages"] for each in rounds]
        print(f"{first['label']:30} " + " ".join(
            f"{median(st.get(k, 0.0) for st in stages):>8.2f}"
            for k in ("read", "sessions", "rollups", "commit")))


if __name__ == "__main__":
    main()
