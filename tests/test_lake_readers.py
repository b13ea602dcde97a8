"""Other engines read the datasets as they are and get playlog's numbers.

PySpark (local mode) reads the Hive-partitioned Parquet of a store; a DuckDB
connection with no playlog code reads the same store on the local S3 server
through pyarrow's S3 file system. Both compute top tracks, plays by day and the
period totals with the definitions of docs/metrics.md (sessions started in the
window, bots left out) and must equal ``playlog top-tracks`` / ``report``.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import SAMPLE_DATA
from s3server import cli

LOGS = os.path.join(SAMPLE_DATA, "logs")
CATALOG = os.path.join(SAMPLE_DATA, "tracks.csv")

FROM, TO = "2026-11-14", "2026-11-21"  # report --days 7 at the pinned now


def playlog_answers(data: str) -> tuple[list, dict, dict]:
    report = json.loads(cli("report", "--days", "7", "--data", data, "--format", "json"))
    top = json.loads(cli("top-tracks", "--days", "7", "--limit", "5", "--data", data,
                         "--format", "json"))
    tracks = [(t["track_id"], t["total_plays"], t["unique_listeners"],
               t["total_duration_played_ms"]) for t in top["top_tracks"]]
    totals = {k: report["totals"][k] for k in ("total_plays", "unique_listeners",
                                               "total_duration_played_ms")}
    return tracks, report["plays_by_day"], totals


# One query for the three answers: per track, per day and in all (GROUPING SETS), so that an
# engine reads the store once.
SQL = f"""
SELECT grouping(track_id) AS no_track, grouping(date) AS no_day, track_id,
       CAST(date AS {{text}}) AS day, count(*) AS plays,
       count(DISTINCT listener_key) AS listeners, sum(duration_played_ms) AS played
FROM sessions
WHERE started_at >= TIMESTAMP '{FROM} 00:00:00' AND started_at < TIMESTAMP '{TO} 00:00:00'
  AND NOT coalesce(is_bot, false)
GROUP BY GROUPING SETS ((track_id), (date), ())
"""


def as_answers(rows) -> tuple[list, dict, dict]:
    """The query's rows as playlog answers: the top 5 tracks (most plays, then id), plays by
    day, and the period totals."""
    rows = [tuple(r) for r in rows]
    tracks = sorted((r for r in rows if r[:2] == (0, 1)), key=lambda r: (-r[4], r[2]))
    totals = [r[4:] for r in rows if r[:2] == (1, 1)]
    assert len(totals) == 1
    return ([(r[2], *r[4:]) for r in tracks[:5]],
            dict(sorted((r[3], r[4]) for r in rows if r[:2] == (1, 0))),
            dict(zip(("total_plays", "unique_listeners", "total_duration_played_ms"), totals[0])))


@pytest.fixture(scope="module")
def spark():
    """One small local Spark for the module: one core, one shuffle partition, no UI, and a
    JVM tuned to start fast rather than to run long."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime (apt-get install openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("playlog-lake")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.default.parallelism", "1")
               .config("spark.driver.extraJavaOptions",
                       "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
               .getOrCreate())
    yield session
    session.stop()


def test_spark_reads_the_store_and_gets_playlogs_numbers(spark, shipped_store):
    store = str(shipped_store)
    spark.read.parquet(os.path.join(store, "sessions")).createOrReplaceTempView("sessions")
    rows = spark.sql(SQL.format(text="STRING")).collect()
    assert as_answers(rows) == playlog_answers(store)


def test_duckdb_elsewhere_reads_the_s3_store_directly(s3, lake):
    cli("ingest", LOGS, "--data", lake, "--catalog", CATALOG)
    import duckdb
    from fsspec.implementations.arrow import ArrowFSWrapper
    from pyarrow import fs as pafs

    # Another machine: its own connection, the service's endpoint, no playlog code.
    class S3(ArrowFSWrapper):
        protocol = ("s3",)

    con = duckdb.connect()
    con.register_filesystem(S3(pafs.S3FileSystem(endpoint_override=f"127.0.0.1:{s3.port}",
                                                 scheme="http", region="us-east-1")))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE VIEW sessions AS SELECT * FROM read_parquet('{lake}/sessions/*/*.parquet',"
                " hive_partitioning = true)")
    rows = con.sql(SQL.format(text="VARCHAR")).fetchall()
    assert as_answers(rows) == playlog_answers(lake)
