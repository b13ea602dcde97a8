"""A generated Icecast 2 access log and playlist log for benchmarks/listen_bench.py.

`icecast_logs(work, lines)` writes (once, cached) ``access.log`` with `lines`
lines over 30 days and four mounts — listener connections (85 %; one address for about 40 lines), the source
clients' metadata updates, status pages, playlists and static files — and the
mounts' ``playlist.log`` (a title every four minutes or so), and returns the
folder and the number of lines of both.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

MOUNTS = ("/live", "/live.aac", "/jazz", "/talk")
DAYS = 30
START = datetime(2026, 10, 22, tzinfo=UTC)
AGENTS = ("VLC/3.0.21 LibVLC/3.0.21", "TuneIn Radio/32.5.1 (Android 14; Pixel 8; Java)",
          "AppleCoreMedia/1.0.0.22A3354 (iPhone; U; CPU OS 18_0 like Mac OS X; en_us)",
          "Sonos/80.1-55014 (ZPS27)", "WinampMPEG/5.66, Ultravox/2.1",
          ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/130.0.0.0 Safari/537.36"))
WEB = ("GET /status.xsl HTTP/1.1", "GET /live.m3u HTTP/1.1", "GET /style.css HTTP/1.1",
       "GET / HTTP/1.1", "GET /favicon.ico HTTP/1.1")


def clf(moment: datetime) -> str:
    return moment.strftime("%d/%b/%Y:%H:%M:%S +0000")


def icecast_logs(work: Path, lines: int) -> tuple[Path, int]:
    out = work / f"icecast-{lines}"
    done = out / "done"
    if done.exists():
        return out, int(done.read_text())
    out.mkdir(parents=True, exist_ok=True)
    print(f"generating {lines:,} Icecast lines in {out} …", flush=True)
    rng = random.Random(11)
    span = DAYS * 86400
    titles = _playlist(out / "playlist.log", rng)
    rows: list[tuple[float, str]] = []
    pool = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
            f"{rng.randint(1, 254)}" for _ in range(max(1, lines // 40))]  # returning listeners
    for _ in range(lines):
        end = rng.random() * span
        moment = START + timedelta(seconds=end)
        kind = rng.random()
        ip = rng.choice(pool)
        if kind < 0.85:
            seconds = int(min(end, rng.lognormvariate(6.2, 1.1)))
            agent = rng.choice(AGENTS)
            text = (f'{ip} - - [{clf(moment)}] "GET {rng.choice(MOUNTS)} HTTP/1.1" 200 '
                    f'{seconds * 16000} "-" "{agent}" {seconds}')
        elif kind < 0.95:
            text = (f'127.0.0.1 - source [{clf(moment)}] "GET /admin/metadata?mount=/live&mode='
                    f'updinfo&song=Artist+{rng.randint(1, 500)} HTTP/1.0" 200 122 "-" '
                    f'"liquidsoap/2.2.5" 0')
        else:
            text = (f'{ip} - - [{clf(moment)}] "{rng.choice(WEB)}" 200 {rng.randint(40, 5000)} '
                    f'"-" "{AGENTS[-1]}" 0')
        rows.append((end, text))
    rows.sort(key=lambda row: row[0])
    with (out / "access.log").open("w", encoding="utf-8") as fh:
        fh.writelines(text + "\n" for _, text in rows)
    done.write_text(str(lines + titles))
    return out, lines + titles


def _playlist(path: Path, rng: random.Random) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for mount in MOUNTS:
            moment = START - timedelta(hours=1)
            while moment < START + timedelta(days=DAYS):
                n = rng.randint(1, 3000)
                fh.write(f"{clf(moment)}|{mount}|{rng.randint(0, 400)}|Artist {n % 400} - "
                         f"Song {n}\n")
                moment += timedelta(seconds=rng.randint(150, 360))
                count += 1
    return count
