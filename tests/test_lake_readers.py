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
from test_s3_store import CATALOG, LOGS, lake, playlog, s3  # noqa: F401 - fixtures

FROM, TO = "2026-11-14", "2026-11-21"  # report --days 7 at the pinned now


def playlog_answers(data: str) -> tuple[list, dict, dict]:
    report = json.loads(playlog("report", "--days", "7", "--data", data, "--format",
                                "json").stdout)
    top = json.loads(playlog("top-tracks", "--days", "7", "--limit", "5", "--data", data,
                             "--format", "json").stdout)
    tracks = [(t["track_id"], t["total_plays"], t["unique_listeners"],
               t["total_duration_played_ms"]) for t in top["top_tracks"]]
    totals = {k: report["totals"][k] for k in ("total_plays", "unique_listeners",
                                               "total_duration_played_ms")}
    return tracks, report["plays_by_day"], totals


SQL_TOP = f"""
SELECT track_id, count(*) AS plays, count(DISTINCT listener_key) AS listeners,
       sum(duration_played_ms) AS played
FROM sessions
WHERE started_at >= TIMESTAMP '{FROM} 00:00:00' AND started_at < TIMESTAMP '{TO} 00:00:00'
  AND NOT coalesce(is_bot, false)
GROUP BY track_id ORDER BY plays DESC, track_id LIMIT 5
"""
SQL_DAYS = f"""
SELECT CAST(date AS STRING) AS day, count(*) AS plays FROM sessions
WHERE started_at >= TIMESTAMP '{FROM} 00:00:00' AND started_at < TIMESTAMP '{TO} 00:00:00'
  AND NOT coalesce(is_bot, false)
GROUP BY date ORDER BY date
"""
SQL_TOTALS = f"""
SELECT count(*) AS plays, count(DISTINCT listener_key) AS listeners,
       sum(duration_played_ms) AS played FROM sessions
WHERE started_at >= TIMESTAMP '{FROM} 00:00:00' AND started_at < TIMESTAMP '{TO} 00:00:00'
  AND NOT coalesce(is_bot, false)
"""


def as_answers(top, days, totals) -> tuple[list, dict, dict]:
    return ([tuple(r) for r in top], {d: n for d, n in days},
            dict(zip(("total_plays", "unique_listeners", "total_duration_played_ms"), totals)))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    data = tmp_path_factory.mktemp("lake") / "data"
    playlog("ingest", os.path.join(SAMPLE_DATA, "logs"), "--data", str(data),
            "--catalog", os.path.join(SAMPLE_DATA, "tracks.csv"))
    return str(data)


def test_spark_reads_the_store_and_gets_playlogs_numbers(store):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime (apt-get install openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("playlog-lake")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    try:
        spark.read.parquet(os.path.join(store, "sessions")).createOrReplaceTempView("sessions")
        top = [tuple(r) for r in spark.sql(SQL_TOP).collect()]
        days = [tuple(r) for r in spark.sql(SQL_DAYS).collect()]
        totals = tuple(spark.sql(SQL_TOTALS).collect()[0])
    finally:
        spark.stop()
    assert as_answers(top, days, totals) == playlog_answers(store)


def test_duckdb_elsewhere_reads_the_s3_store_directly(s3, lake):  # noqa: F811
    playlog("ingest", LOGS, "--data", lake, "--catalog", CATALOG)
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
    sql = [q.replace("AS STRING", "AS VARCHAR") for q in (SQL_TOP, SQL_DAYS, SQL_TOTALS)]
    top = con.sql(sql[0]).fetchall()
    days = con.sql(sql[1]).fetchall()
    totals = con.sql(sql[2]).fetchall()[0]
    assert as_answers(top, days, totals) == playlog_answers(lake)
