"""Report benchmark: a synthetic store, each report command timed as a whole process.

Builds (directly, without ingest) a store of N sessions over D days and as many
event-page records, Hive-partitioned by UTC day with the schemas of
``playlog.schema``: Zipf-like track popularity over 100k tracks, skewed
listeners over 500k users (20 % anonymous), 2k event pages, and every day's
roll-ups as ingest leaves them. Then times each report command (``python -m
playlog …``, best of 3), a bare DuckDB scan baseline over the same files, and
peak RSS and CPU seconds (user + system) per process.

    python benchmarks/report_bench.py                    # 10M sessions, 90 days
    python benchmarks/report_bench.py --sessions 1000000 --dir /tmp/playlog-bench-1m
    python benchmarks/report_bench.py --dir D --filter country=FR --scaling D1 D30
    python benchmarks/report_bench.py --only-scaling --scaling D1 D10 D30

The store is cached in --dir (keyed by its size) and reused by later runs; a
store of the previous layout (no roll-ups) gets its roll-ups added. ``--filter``
runs every report a second time with that filter; ``--scaling`` times the
fixed-window reports on other built stores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

END = datetime(2026, 11, 21, tzinfo=UTC)
TRACKS, USERS, PAGES = 100_000, 500_000, 2_000

SESSIONS_SQL = """
WITH base AS (
    SELECT i,
           CASE WHEN random() < 0.8 THEN 'u' || CAST(floor(pow(random(), 3) * $users) AS BIGINT) END AS user_id,
           't' || CAST(floor(exp(random() * ln($tracks))) AS BIGINT) AS track_id,
           CAST($day AS TIMESTAMPTZ) + to_milliseconds(CAST(floor(random() * 86400000) AS BIGINT)) AS started_at,
           CAST(120000 + floor(random() * 240000) AS BIGINT) AS total,
           random() AS r, random() AS q, random() AS c, random() AS b
    FROM range($n) AS t(i)
), shaped AS (
    SELECT *, CASE WHEN r < 0.6 THEN total ELSE CAST(total * r AS BIGINT) END AS played
    FROM base
)
SELECT $prefix || i AS session_id, user_id, track_id,
       NULL::VARCHAR AS client_ip, NULL::VARCHAR AS user_agent,
       started_at, started_at + to_milliseconds(played) AS last_update,
       played AS duration_played_ms, total AS total_duration_ms,
       100.0 * played / total AS completion_percentage,
       ['high', 'high', 'medium', 'low', 'mobile'][1 + CAST(floor(q * 5) AS INT)] AS quality,
       ['web', 'web', 'mobile', 'mobile', 'desktop', 'embedded'][1 + CAST(floor(c * 6) AS INT)] AS platform,
       NULL::VARCHAR AS referrer,
       started_at + to_milliseconds(played) < $end AS ended,
       CASE WHEN started_at + to_milliseconds(played) < $end THEN started_at + to_milliseconds(played) END AS ended_at,
       CASE WHEN r < 0.6 THEN NULL WHEN r < 0.9 THEN 'user_skip' WHEN r < 0.95 THEN 'network_error'
            ELSE 'timeout' END AS skip_reason,
       NULL::VARCHAR AS skip_detail,
       coalesce(user_id, 'anon:' || md5(CAST(i % 100000 AS VARCHAR))) AS listener_key,
       CASE WHEN user_id IS NULL THEN md5(CAST(i % 100000 AS VARCHAR)) END AS anon_key,
       true AS has_start, true AS explicit_end, started_at AS start_ts, started_at AS first_seen,
       started_at + to_milliseconds(played) AS end_ts, NULL::VARCHAR AS given_platform,
       ['mobile', 'mobile', 'desktop', 'tablet', 'other'][1 + CAST(floor(b * 5) AS INT)] AS device_type,
       NULL::VARCHAR AS os, NULL::VARCHAR AS browser, b < 0.01 AS is_bot,
       ['FR', 'FR', 'DE', 'US', 'GB', 'ES', 'IT', 'BR', 'JP', NULL][1 + CAST(floor(q * 10) AS INT)] AS country,
       NULL::VARCHAR AS region, NULL::VARCHAR AS city, NULL::DOUBLE AS latitude,
       NULL::DOUBLE AS longitude, NULL::VARCHAR AS source, NULL::VARCHAR AS utm_source,
       NULL::VARCHAR AS utm_medium, NULL::VARCHAR AS utm_campaign
FROM shaped
"""

EVENTS_SQL = """
WITH base AS (
    SELECT i, random() AS k, random() AS s, random() AS d,
           'e' || CAST(floor(exp(random() * ln($pages))) AS BIGINT) AS event_id,
           CAST($day AS TIMESTAMPTZ) + to_milliseconds(CAST(floor(random() * 86400000) AS BIGINT)) AS ts,
           'v' || CAST(floor(random() * 2000000) AS BIGINT) AS visit
    FROM range($n) AS t(i)
)
SELECT event_id,
       CASE WHEN k < 0.6 THEN 'view' WHEN k < 0.8 THEN 'click' WHEN k < 0.87 THEN 'share'
            WHEN k < 0.93 THEN 'favorite' WHEN k < 0.97 THEN 'ticket_click' ELSE 'external_click' END
           AS event_type,
       CASE WHEN s < 0.3 THEN 'u' || CAST(floor(s * $users) AS BIGINT) END AS user_id,
       visit AS session_id, NULL::VARCHAR AS referrer, NULL::VARCHAR AS user_agent,
       NULL::VARCHAR AS client_ip, NULL::VARCHAR AS page_url, ts,
       CASE WHEN k < 0.6 THEN CAST(d * 120000 AS BIGINT) END AS time_on_page_ms,
       NULL::VARCHAR AS metadata, NULL::VARCHAR AS age_group, NULL::VARCHAR AS gender,
       md5(visit) AS anon_key, md5_number_lower($prefix || i) AS record_id, 'web' AS platform,
       ['mobile', 'mobile', 'desktop', 'tablet', 'other'][1 + CAST(floor(d * 5) AS INT)] AS device_type,
       NULL::VARCHAR AS os, NULL::VARCHAR AS browser, d < 0.01 AS is_bot, NULL::VARCHAR AS country,
       NULL::VARCHAR AS region, NULL::VARCHAR AS city, NULL::DOUBLE AS latitude,
       NULL::DOUBLE AS longitude,
       ['direct', 'direct', 'google', 'facebook', 'instagram', 'news.example.com'][1 + CAST(floor(s * 6) AS INT)]
           AS source,
       NULL::VARCHAR AS utm_source, NULL::VARCHAR AS utm_medium, NULL::VARCHAR AS utm_campaign
FROM base
"""

CATALOG_SQL = """
SELECT 't' || i AS track_id, 'Track ' || i AS title, 'Artist ' || (i % 5000) AS artist,
       'Album ' || (i % 20000) AS album,
       ['rock', 'pop', 'jazz', 'electronic', 'indie', 'classical', 'hip-hop'][1 + i % 7] AS genre,
       CAST(120000 + (i * 7919) % 240000 AS BIGINT) AS duration_ms
FROM range(1, $tracks + 1) AS t(i)
"""


LAYOUT = 3  # 2: day files sorted by id in small row groups (schema.SORT_KEYS); 3: roll-ups


def build_rollups(root: Path) -> None:
    """Every day's roll-ups, as ingest leaves them (store/rollups.py, one day at a time)."""
    import duckdb
    import pyarrow.parquet as pq

    from playlog.schema import SCHEMAS
    from playlog.store import rollups as r

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    for folder in sorted((root / "sessions").glob("date=*")):
        day = folder.name
        if (root / r.SKETCHES / day / "part-0.parquet").exists():
            continue
        files = {name: [str(p) for p in (root / name / day).glob("*.parquet")]
                 for name in ("sessions", "events", "requests")}
        for name, table in r.rollup_tables(con, files, salt=""):
            schema = SCHEMAS[name]
            (root / name / day).mkdir(parents=True, exist_ok=True)
            pq.write_table(table.select(schema.names).cast(schema), root / name / day / "part-0.parquet")


def build(root: Path, sessions: int, events: int, days: int) -> None:
    """Write the store day by day (each day's rows cast to the stored schema)."""
    import duckdb
    import pyarrow.parquet as pq

    from playlog.schema import EVENT_SCHEMA, ROW_GROUP_ROWS, SESSION_SCHEMA, SORT_KEYS
    from playlog.store.reader import CATALOG_SCHEMA

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    first = (END - timedelta(days=days)).date()
    for name, sql, schema, total in [
        ("sessions", SESSIONS_SQL, SESSION_SCHEMA, sessions),
        ("events", EVENTS_SQL, EVENT_SCHEMA, events),
    ]:
        for i in range(days):
            day = first + timedelta(days=i)
            folder = root / name / f"date={day}"
            folder.mkdir(parents=True, exist_ok=True)
            params = {"n": total // days, "day": f"{day} 00:00:00+00", "prefix": f"{name[0]}{i}-",
                      "users": USERS}
            params.update({"tracks": TRACKS, "end": END} if name == "sessions" else {"pages": PAGES})
            table = con.sql(sql, params=params).to_arrow_table().cast(schema)
            # laid out as ingest and compaction leave a day: sorted by id, small row groups
            table = table.sort_by([(key, "ascending") for key in SORT_KEYS[name]])
            pq.write_table(table, folder / "part-0.parquet", row_group_size=ROW_GROUP_ROWS)
    (root / "catalog").mkdir(exist_ok=True)
    catalog = con.sql(CATALOG_SQL, params={"tracks": TRACKS}).to_arrow_table().cast(CATALOG_SCHEMA)
    pq.write_table(catalog, root / "catalog" / "tracks.parquet")
    build_rollups(root)
    (root / "BUILT").write_text(
        json.dumps({"sessions": sessions, "events": events, "days": days, "layout": LAYOUT})
    )


def run_process(argv: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{child.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def best_of(argv: list[str], repeat: int) -> tuple[float, int, float]:
    """Best wall seconds, largest peak RSS, least CPU seconds of ``repeat`` runs."""
    runs = [run_process(argv) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), min(r[2] for r in runs)


def baseline_argv(glob: str, days: int | None) -> list[str]:
    where = ""
    if days:
        first = (END - timedelta(days=days)).date()
        where = f" WHERE date >= DATE '{first}'"
    code = (
        "import duckdb; con = duckdb.connect(config={'memory_limit': '1GB'}); "
        f"con.execute(\"SELECT track_id, count(*) FROM read_parquet('{glob}', "
        f"hive_partitioning = true){where} GROUP BY 1\").fetchall()"
    )
    return [sys.executable, "-c", code]


def commands(popular_track: str, user: str, page: str) -> dict[str, list[str]]:
    until = ["--until", END.strftime("%Y-%m-%dT%H:%M:%SZ")]
    return {
        "--help": ["--help"],
        "report --days 90": ["report", "--days", "90", *until],
        f"user {user} --days 90": ["user", user, "--days", "90", *until],
        f"event {page} --days 90": ["event", page, "--days", "90", *until],
        "top-tracks --days 7": ["top-tracks", "--days", "7", *until],
        f"track {popular_track} (all days, top track)": ["track", popular_track, *until],
        "track t500 (all days)": ["track", "t500", *until],
        f"track {popular_track} --days 7": ["track", popular_track, "--days", "7", *until],
        f"user {user} (all days)": ["user", user, *until],
        f"event {page} (all days, top page)": ["event", page, *until],
        "top-events --days 7": ["top-events", "--days", "7", *until],
        "report --days 7": ["report", "--days", "7", *until],
        "realtime --at END": ["realtime", *until],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000_000)
    parser.add_argument("--events", type=int, default=None, help="default: as many as sessions")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--dir", type=Path, default=None, help="store cache directory")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--filter", default=None,
                        help="also run every report with this --filter (e.g. country=FR)")
    parser.add_argument("--scaling", type=Path, nargs="*", default=None,
                        help="built stores of other sizes for the scaling table")
    parser.add_argument("--only-scaling", action="store_true",
                        help="time only the scaling table's commands on the --scaling stores")
    args = parser.parse_args()
    if args.only_scaling:
        scaling(args.scaling or [], args.repeat)
        return
    events = args.events or args.sessions
    root = args.dir or Path(f"/tmp/playlog-bench-{args.sessions}-{events}-{args.days}")
    built = json.loads((root / "BUILT").read_text()) if (root / "BUILT").is_file() else {}
    if built.get("layout") == 2:  # the same raw rows: add the roll-ups
        started = time.perf_counter()
        build_rollups(root)
        (root / "BUILT").write_text(json.dumps({**built, "layout": LAYOUT}))
        print(f"built the roll-ups of {root} in {time.perf_counter() - started:.1f} s")
    elif built.get("layout") != LAYOUT:
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        build(root, args.sessions, events, args.days)
        print(f"built {root} in {time.perf_counter() - started:.1f} s")
    glob = str(root / "sessions" / "date=*" / "*.parquet")
    results = {}
    for label, days in (("baseline scan, all days", None), ("baseline scan, last 7 days", 7)):
        results[label] = best_of(baseline_argv(glob, days), args.repeat)
    play = [sys.executable, "-m", "playlog"]
    chosen = commands("t1", "u0", "e1")
    for label, argv in chosen.items():
        options = [] if argv == ["--help"] else ["--data", str(root), "--format", "json"]
        results[label] = best_of([*play, *argv, *options], args.repeat)
        if args.filter and argv != ["--help"] and not argv[0].startswith("realtime"):
            results[f"{label} --filter {args.filter}"] = best_of(
                [*play, *argv, *options, "--filter", args.filter], args.repeat)
    table(results)
    if args.scaling:
        scaling(args.scaling, args.repeat)


def table(results: dict[str, tuple[float, int, float]]) -> None:
    base = results["baseline scan, all days"][0]
    week = results["baseline scan, last 7 days"][0]
    print(f"{'command':48} {'seconds':>8} {'CPU s':>6} {'x base':>7} {'x 7-day':>8} "
          f"{'peak MiB':>9}")
    for label, (seconds, rss, cpu) in results.items():
        print(f"{label:48} {seconds:8.2f} {cpu:6.2f} {seconds / base:7.2f} {seconds / week:8.2f} "
              f"{rss:9d}")


SCALING = {"report --days 7": ["report", "--days", "7"],
           "top-tracks --days 7": ["top-tracks", "--days", "7"],
           "track t500 --days 7": ["track", "t500", "--days", "7"],
           "track t500 (all days)": ["track", "t500"]}


def scaling(stores: list[Path], repeat: int) -> None:
    """The fixed-window commands on stores of several sizes (each built once, like --dir)."""
    until = ["--until", END.strftime("%Y-%m-%dT%H:%M:%SZ"), "--format", "json"]
    print(f"\n{'store':28} {'sessions':>11} " + " ".join(f"{k:>22}" for k in SCALING))
    for root in stores:
        built = json.loads((root / "BUILT").read_text())
        if built.get("layout") != LAYOUT:
            raise SystemExit(f"{root}: build it first (--dir {root} --sessions N)")
        cells = []
        for argv in SCALING.values():
            seconds, _rss, cpu = best_of([sys.executable, "-m", "playlog", *argv, "--data",
                                          str(root), *until], repeat)
            cells.append(f"{seconds:6.2f} s / {cpu:5.2f} CPU s")
        print(f"{root!s:28} {built['sessions']:>11,} " + " ".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
