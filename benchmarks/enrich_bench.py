"""Enrichment benchmark: full enrichment against the no-GeoIP, no-user-agent baseline.

Builds N rows (default 2,000,000) with 5,000 distinct realistic user agents,
200,000 distinct IPs (IPv4 and IPv6) and a mix of referrers and page URLs,
then times ``Enricher.enrich`` chunk by chunk, as the ingest pipeline calls it,
for the baseline (``geoip=False, parse_agents=False``) and the full stage, in
the same process. Prints rows/s, seconds, peak RSS and the ratio.

    python benchmarks/enrich_bench.py [--rows 2000000] [--agents 5000] [--ips 200000]
        [--chunk 500000] [--geoip-db PATH]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

import polars as pl

from playlog.config import load_settings
from playlog.enrich import Enricher

CHROME = (
    "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{b}.{p} Safari/537.36"
)
DESKTOP_OS = (
    "Windows NT 10.0; Win64; x64",
    "Macintosh; Intel Mac OS X 10_15_7",
    "X11; Linux x86_64",
    "X11; CrOS x86_64 14541.0.0",
)
TEMPLATES = (
    lambda r: CHROME.format(
        os=r.choice(DESKTOP_OS), v=r.randint(100, 131), b=r.randint(4000, 6800), p=r.randint(1, 250)
    ),
    lambda r: (
        f"Mozilla/5.0 ({r.choice(DESKTOP_OS)}; rv:{r.randint(100, 133)}.0) Gecko/20100101 "
        f"Firefox/{r.randint(100, 133)}.0"
    ),
    lambda r: (
        f"Mozilla/5.0 (iPhone; CPU iPhone OS {r.randint(14, 18)}_{r.randint(0, 7)} like Mac OS X)"
        f" AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{r.randint(14, 18)}.{r.randint(0, 6)} "
        "Mobile/15E148 Safari/604.1"
    ),
    lambda r: (
        f"Mozilla/5.0 (Linux; Android {r.randint(9, 15)}; SM-{r.choice('GSAN')}{r.randint(100, 999)}"
        f"{r.choice('BFUW')}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{r.randint(100, 131)}.0."
        f"{r.randint(4000, 6800)}.{r.randint(1, 250)} Mobile Safari/537.36"
    ),
    lambda r: (
        f"Mozilla/5.0 (iPad; CPU OS {r.randint(14, 18)}_{r.randint(0, 7)} like Mac OS X) "
        f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{r.randint(14, 18)}.0 Mobile/15E148 Safari/604.1"
    ),
    lambda r: f"okhttp/{r.randint(3, 4)}.{r.randint(0, 12)}.{r.randint(0, 9)}",
    lambda r: (
        f"Dalvik/2.1.0 (Linux; U; Android {r.randint(9, 15)}; SM-G{r.randint(100, 999)}F "
        f"Build/TP1A.{r.randint(220000, 240000)}.0{r.randint(10, 99)})"
    ),
    lambda r: (
        f"AppleCoreMedia/1.0.0.{r.randint(18, 22)}{r.choice('ABCDEFG')}{r.randint(10, 400)} "
        f"(iPhone; U; CPU OS {r.randint(14, 18)}_{r.randint(0, 7)} like Mac OS X; en_us)"
    ),
    lambda r: (
        f"Spotify/8.{r.randint(5, 9)}.{r.randint(0, 99)} {r.choice(['Android/33', 'iOS/17.1'])} "
        f"({r.choice(['SM-G991B', 'iPhone15,2', 'Pixel 8'])})"
    ),
    lambda r: (
        f"MyStreamApp/{r.randint(1, 9)}.{r.randint(0, 99)} CFNetwork/{r.randint(1200, 1500)} "
        f"Darwin/{r.randint(20, 24)}.{r.randint(0, 6)}.0"
    ),
    lambda r: f"VLC/3.0.{r.randint(0, 21)} LibVLC/3.0.{r.randint(0, 21)}",
    lambda r: f"Lavf/{r.randint(56, 61)}.{r.randint(0, 99)}.{r.randint(0, 200)}",
    lambda r: (
        f"Linux UPnP/1.0 Sonos/{r.randint(60, 80)}.{r.randint(0, 9)}-{r.randint(10000, 99999)} (ZPS23)"
    ),
    lambda r: (
        f"Roku/DVP-{r.randint(9, 13)}.{r.randint(0, 9)} ({r.randint(9, 13)}.{r.randint(0, 9)}.0."
        f"{r.randint(1000, 9999)}-46)"
    ),
    lambda r: (
        f"Mozilla/5.0 (compatible; Googlebot/2.{r.randint(0, 9)}; +http://www.google.com/bot.html)"
        f" r{r.randint(0, 999)}"
    ),
    lambda r: f"curl/{r.randint(7, 8)}.{r.randint(0, 80)}.{r.randint(0, 9)}",
)
WEIGHTS = (20, 8, 15, 15, 4, 6, 5, 5, 5, 3, 2, 2, 2, 2, 3, 3)
REFERRERS = [
    None,
    "",
    "https://www.google.com/",
    "https://www.google.co.uk/",
    "https://t.co/xyz",
    "https://l.facebook.com/l.php",
    "https://www.bing.com/search?q=x",
    "https://duckduckgo.com/",
    "https://news.ycombinator.com/",
    "https://www.reddit.com/r/music/",
    "https://example.com/home",
    "android-app://com.google.android.googlequicksearchbox/",
] + [f"https://blog{i}.example.org/post/{i}" for i in range(40)]


def distinct_agents(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(rng.choices(TEMPLATES, WEIGHTS)[0](rng))
    return sorted(seen)


def _uniform(rows: int, seed: int) -> pl.Expr:
    """Pseudo-random floats in [0, 1), vectorised: a seeded hash of the row number."""
    return (pl.int_range(0, rows, dtype=pl.UInt64).hash(seed) % 1_000_003) / 1_000_003


def _ints(rows: int, low: int, high: int, seed: int) -> pl.Expr:
    return (low + _uniform(rows, seed) * (high - low)).cast(pl.Int64)


def distinct_ips(count: int) -> pl.Series:
    """``count`` distinct addresses, 90 % IPv4, 10 % IPv6, built column-wise."""
    v4, v6 = int(count * 0.9), count - int(count * 0.9)
    ipv4 = pl.select(
        pl.concat_str(
            [_ints(v4 * 2, 1, 224, 11), *(_ints(v4 * 2, 0, 256, 12 + i) for i in range(3))],
            separator=".",
        ).alias("client_ip")
    ).to_series()
    ipv6 = pl.select(
        pl.concat_str(
            [
                pl.lit("2a0"),
                _ints(v6 * 2, 0, 10, 21).cast(pl.String),
                pl.lit(":"),
                *(_ints(v6 * 2, 0, 10_000, 22 + i).cast(pl.String) + pl.lit(":") for i in range(3)),
                pl.lit(":1"),
            ]
        ).alias("client_ip")
    ).to_series()
    return pl.concat(
        [ipv4.unique(maintain_order=True).head(v4), ipv6.unique(maintain_order=True).head(v6)]
    )


def _skewed(values: pl.Series, rows: int, seed: int, power: float) -> pl.Series:
    """``rows`` picks from ``values``, the first ones much more often (power > 1)."""
    index = (_uniform(rows, seed) ** power * len(values)).cast(pl.Int64)
    return values.gather(pl.select(index).to_series())


def build_rows(rows: int, agents: int, ips: int) -> pl.DataFrame:
    ua_values = pl.Series("user_agent", distinct_agents(agents))
    ip_values = distinct_ips(ips)
    pages = pl.Series(
        "page_url",
        [
            f"https://events.example.com/e/{i}"
            + ("?utm_source=newsletter&utm_medium=email" if i % 7 == 0 else "")
            for i in range(1000)
        ],
    )
    refs = pl.Series("referrer", REFERRERS, dtype=pl.String)
    platforms = pl.Series("platform", [None] * 8 + ["web", "mobile"], dtype=pl.String)
    return pl.DataFrame(
        [
            _skewed(ua_values, rows, 1, 2.0),
            _skewed(ip_values, rows, 2, 1.0),
            _skewed(refs, rows, 3, 2.0),
            _skewed(pages, rows, 4, 2.0),
            _skewed(platforms, rows, 5, 1.0),
        ]
    )


def run(frame: pl.DataFrame, enricher: Enricher, chunk: int) -> tuple[float, pl.DataFrame]:
    start = time.perf_counter()
    out = None
    for offset in range(0, frame.height, chunk):
        out = enricher.enrich(frame.slice(offset, chunk))
    return time.perf_counter() - start, out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _breakdown(frame: pl.DataFrame, settings, geoip_db: Path | None) -> None:
    """The per-distinct-value work alone: GeoIP lookups and user-agent classification."""
    from playlog.enrich.geo import GeoLookup, locate_database
    from playlog.enrich.useragent import classify_many

    ips = frame["client_ip"].unique().to_list()
    uas = frame["user_agent"].unique().to_list()
    with GeoLookup(locate_database(settings, geoip_db)) as geo:
        start = time.perf_counter()
        geo.lookup_many(ips)
        geo_seconds = time.perf_counter() - start
    start = time.perf_counter()
    classify_many(uas)
    ua_seconds = time.perf_counter() - start
    print(
        f"of which: {len(ips):,} GeoIP lookups {geo_seconds:.2f} s, "
        f"{len(uas):,} user-agent classifications {ua_seconds:.2f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--agents", type=int, default=5_000)
    parser.add_argument("--ips", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--geoip-db", type=Path, default=None)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    frame = build_rows(args.rows, args.agents, args.ips)
    print(
        f"built {frame.height:,} rows: {frame['user_agent'].n_unique():,} agents, "
        f"{frame['client_ip'].n_unique():,} IPs in {time.perf_counter() - started:.1f} s; "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )
    settings = load_settings()
    results = {}
    for name, options in (("baseline", {"geoip": False, "parse_agents": False}), ("full", {})):
        with Enricher.from_settings(settings, geoip_db=args.geoip_db, **options) as enricher:
            seconds, _ = run(frame, enricher, args.chunk)
            again, _ = run(frame, enricher, args.chunk)
        results[name] = seconds
        print(
            f"{name:8}  {seconds:6.2f} s  {frame.height / seconds:12,.0f} rows/s  "
            f"(warm cache: {again:5.2f} s)  peak RSS {peak_rss_mb():.0f} MB"
        )
    _breakdown(frame, settings, args.geoip_db)
    print(
        f"ratio full / baseline: {results['full'] / results['baseline']:.2f}x; "
        f"added {results['full'] - results['baseline']:.2f} s for {frame.height:,} rows"
    )


if __name__ == "__main__":
    sys.exit(main())
