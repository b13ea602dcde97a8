"""A realistic nginx access log (combined format) of the events website, deterministic.

    python sample_data/weblog.py --lines 2000000 --out /tmp/access.log   # benchmarks

`access_lines` writes visits of returning and new visitors with a diurnal
pattern: event pages (``/e/ev003``, the event ids of the sample), their assets
(CSS, versioned JS, images, fonts, favicon) with the page as referrer, 304
answers from caches, ticket clicks that redirect, a few POSTs; crawlers
(Googlebot, bingbot, AhrefsBot, GPTBot …) reading pages, ``robots.txt`` and
the sitemap; scanners probing ``/wp-login.php`` and ``/.env`` (404s); requests
that are not HTTP (``"-"``, TLS handshakes sent to the plain port); IPv6
clients; ``-`` sizes. Times are written in the server's offset (``+0100`` by
default) as nginx does. sample_data/generate.py calls it for the shipped sample.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

BROWSERS = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Safari/537.36", 30),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Safari/605.1.15", 10),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", 6),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.80", 6),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", 22),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.6723.102 Mobile Safari/537.36", 16),
    ("Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", 5),
    ("Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.6 Mobile/15E148 Safari/604.1", 5),
]
CRAWLERS = [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 30),
    ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/130.0.6723.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
     "+http://www.google.com/bot.html)", 10),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 15),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 12),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
     "+https://openai.com/gptbot)", 8),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", 5),
    ("Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", 6),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", 4),
]
SCANNERS = ["curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1", "-",
            "Mozilla/5.0 zgrab/0.x"]
PROBES = ["/wp-login.php", "/.env", "/xmlrpc.php", "/wp-admin/setup-config.php", "/.git/config",
          "/phpmyadmin/index.php", "/admin/config.php", "/cgi-bin/luci", "/vendor/phpunit/x.php"]
REFERRERS = [("-", 40), ("https://www.google.com/", 25), ("https://www.facebook.com/", 8),
             ("https://l.instagram.com/", 6), ("https://t.co/Ab12Cd", 5),
             ("https://www.bing.com/search?q=concert", 3), ("https://news.example.org/week", 3),
             ("https://duckduckgo.com/", 2)]
IP_BLOCKS = [("8.8.", 10), ("81.2.", 6), ("2.4.", 8), ("90.12.", 6), ("84.150.", 6),
             ("126.10.", 3), ("177.32.", 4), ("1.136.", 3), ("24.48.", 5), ("151.20.", 3)]
V6_BLOCKS = ["2a01:cb00:", "2001:4860:", "2600:1700:", "2a02:810d:"]
HOURS = [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.8, 0.8, 0.8, 0.9,
         1.0, 0.9, 0.8, 0.8, 0.9, 1.0, 1.2, 1.4, 1.5, 1.3, 0.9, 0.5]
HOST = "https://events.example.com"


def _pick(rng: random.Random, pairs: list[tuple]) -> object:
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


class Visitors:
    """A pool of (address, agent) pairs; most visits come from people seen before."""

    def __init__(self, rng: random.Random, size: int, agents: int) -> None:
        self.rng = rng
        base = [a for a, _ in BROWSERS]
        weights = [w for _, w in BROWSERS]
        variants = [f"{rng.choices(base, weights)[0]} build/{n}" for n in range(max(0, agents))]
        self.agents = base + variants
        self.weights = weights + [0.2] * len(variants)
        self.pool = [(self._address(), rng.choices(self.agents, self.weights)[0])
                     for _ in range(size)]

    def _address(self) -> str:
        rng = self.rng
        if rng.random() < 0.15:
            return (f"{rng.choice(V6_BLOCKS)}{rng.randrange(1, 65535):x}:{rng.randrange(65535):x}"
                    f"::{rng.randrange(1, 65535):x}")
        return f"{_pick(rng, IP_BLOCKS)}{rng.randrange(256)}.{rng.randrange(1, 255)}"

    def one(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.7:  # returning: the first part of the pool comes back most
            return self.pool[int(len(self.pool) * rng.random() ** 2)]
        return rng.choice(self.pool)


class Writer:
    def __init__(self, offset: timedelta) -> None:
        self.zone = timezone(offset)
        self.lines: list[tuple[datetime, str]] = []

    def add(self, when: datetime, ip: str, request: str, status: int, size: int | None,
            referrer: str = "-", agent: str = "-", user: str = "-") -> None:
        local = when.astimezone(self.zone)
        stamp = local.strftime("%d/%b/%Y:%H:%M:%S %z")
        sent = "-" if size is None else str(size)
        self.lines.append((when, f'{ip} - {user} [{stamp}] "{request}" {status} {sent} '
                                 f'"{referrer}" "{agent}"'))


def _visit(rng: random.Random, out: Writer, start: datetime, ip: str, agent: str,
           pages: int, version: int) -> None:
    """Pages of one visit, each with its assets fetched right after it."""
    when, referrer = start, str(_pick(rng, REFERRERS))
    for n in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
        event = f"ev{rng.choices(range(pages), [1 / (k + 2) for k in range(pages)])[0]:03d}"
        page = rng.choice([f"/e/{event}"] * 8 + ["/", "/events", "/search?q=jazz"])
        if rng.random() < 0.1:
            page += "?utm_source=" + rng.choice(["newsletter", "facebook", "partner"])
        cached = n > 0 and rng.random() < 0.2
        out.add(when, ip, f"GET {page} HTTP/{rng.choice(['1.1', '2.0'])}",
                304 if cached else 200, 0 if cached else rng.randrange(6_000, 32_000),
                referrer, agent)
        url = HOST + page
        assets = [("/static/app.css", 18_420), (f"/static/app.js?v={version}", 61_337),
                  (f"/img/{event}.jpg", rng.randrange(40_000, 240_000)),
                  ("/static/inter.woff2", 48_256)]
        if n == 0:
            assets.append(("/favicon.ico", 4_286))
        for path, size in assets:
            if rng.random() < 0.85:
                when += timedelta(milliseconds=rng.randrange(20, 400))
                hit = rng.random() < 0.3
                out.add(when, ip, f"GET {path} HTTP/2.0", 304 if hit else 200,
                        0 if hit else size, url, agent)
        if page.startswith("/e/") and rng.random() < 0.12:
            when += timedelta(seconds=rng.randrange(5, 120))
            out.add(when, ip, f"GET /e/{event}/tickets HTTP/2.0", 302, 0, url, agent)
        if rng.random() < 0.2:
            when += timedelta(seconds=rng.randrange(2, 60))
            out.add(when, ip, f"POST /api/events/{event}/track HTTP/2.0", 204, 0, url, agent)
        referrer = url
        when += timedelta(seconds=rng.randrange(8, 240))


def _crawl(rng: random.Random, out: Writer, when: datetime, pages: int) -> None:
    agent = str(_pick(rng, CRAWLERS))
    ip = f"66.249.{rng.randrange(64, 80)}.{rng.randrange(1, 255)}"
    if rng.random() < 0.1:
        out.add(when, ip, "GET /robots.txt HTTP/1.1", 200, 312, "-", agent)
    path = rng.choice(["/sitemap.xml", "/", "/events"] + [f"/e/ev{rng.randrange(pages):03d}"] * 6)
    status = 404 if rng.random() < 0.04 else 200
    out.add(when, ip, f"GET {path} HTTP/1.1", status, rng.randrange(3_000, 30_000), "-", agent)


def _probe(rng: random.Random, out: Writer, when: datetime) -> None:
    ip = f"45.{rng.randrange(128, 160)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    kind = rng.random()
    if kind < 0.08:
        out.add(when, ip, "-", 400, 0)
    elif kind < 0.14:
        out.add(when, ip, "\\x16\\x03\\x01\\x00\\xCA\\x01\\x00\\x00\\xC6\\x03\\x03", 400, 157)
    else:
        out.add(when, ip, f"GET {rng.choice(PROBES)} HTTP/1.1", 404, 153, "-",
                rng.choice(SCANNERS))


def access_lines(*, first_day: datetime, days: int, visits_per_day: int, seed: int,
                 offset: timedelta = timedelta(hours=1), pages: int = 25,
                 visitors: int | None = None, agents: int = 40) -> Iterator[str]:
    """The lines of the log, day by day, each day in time order (a visit started just
    before midnight ends in the next day's first lines, as a server writes it)."""
    rng = random.Random(seed)
    pool = Visitors(rng, visitors or max(50, visits_per_day * days // 3), agents)
    for d in range(days):
        out = Writer(offset)
        day = first_day + timedelta(days=d)
        for hour in rng.choices(range(24), HOURS, k=visits_per_day):
            start = day + timedelta(hours=hour, seconds=rng.random() * 3600)
            ip, agent = pool.one()
            _visit(rng, out, start, ip, agent, pages, version=3 + d // 3)
        for hour in rng.choices(range(24), k=visits_per_day * 2 // 3):
            _crawl(rng, out, day + timedelta(hours=hour, seconds=rng.random() * 3600), pages)
        for hour in rng.choices(range(24), k=visits_per_day // 6):
            _probe(rng, out, day + timedelta(hours=hour, seconds=rng.random() * 3600))
        out.lines.sort(key=lambda item: item[0])
        yield from (text for _, text in out.lines)


def write_access_log(path: Path, lines: int, *, seed: int = 20261120,
                     first_day: datetime = datetime(2026, 11, 14, tzinfo=UTC),
                     days: int = 7, offset: timedelta = timedelta(0)) -> Path:
    """About `lines` lines of one week, for benchmarks (UTC offset by default)."""
    visits = max(1, int(lines / (days * 11.2)))
    visitors = max(100, lines // 15)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for text in access_lines(first_day=first_day, days=days, visits_per_day=visits, seed=seed,
                                 offset=offset, visitors=visitors, agents=2000):
            fh.write(text + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2_000_000, help="about this many lines")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20261120)
    args = parser.parse_args()
    write_access_log(args.out, args.lines, seed=args.seed)


if __name__ == "__main__":
    main()
