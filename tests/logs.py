"""Helpers to write native log records and read the store back in tests."""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl

from playlog.config import load_settings
from playlog.pipeline import IngestSummary, ingest
from playlog.store.layout import Layout
from playlog.store.modes import PRIVATE

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def at(minutes: float) -> str:
    return iso(T0 + timedelta(minutes=minutes))


def line(**record) -> str:
    return json.dumps(record, separators=(",", ":"))


def write_log(path: Path, records: list[dict | str], *, gz: bool = False, mode: str = "w") -> Path:
    text = "".join((r if isinstance(r, str) else line(**r)) + "\n" for r in records)
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        with path.open(mode, encoding="utf-8") as fh:
            fh.write(text)
    return path


def modified(path: Path, seconds_ago: float = 0.0) -> Path:
    """Set the file's modification time by the clock playlog compares it with
    (`clock.wall_seconds`), so that tests agree with it even under faketime."""
    from playlog import clock

    when = clock.wall_seconds() - seconds_ago
    os.utime(path, (when, when))
    return path


def run(paths, data: Path, *, fixed_salt: bool = True, enricher=None, **kwargs) -> IngestSummary:
    """Ingest into `data` (without enrichment unless `enricher="auto"`); with `fixed_salt`,
    stores in different folders share anonymous keys."""
    layout = Layout(data)
    if fixed_salt and not layout.fs.exists(layout.salt):
        layout.fs.make_dirs(layout.state, PRIVATE)
        layout.fs.write_atomic(layout.salt, b"test-salt-for-the-suite\n")
    settings = load_settings(data=data, session_timeout=kwargs.pop("timeout", None))
    paths = [paths] if isinstance(paths, (str, Path)) else paths
    return ingest(paths, settings, enricher=enricher, **kwargs)


def read(data: Path | str, dataset: str) -> pl.DataFrame:
    """Every stored row of `dataset` in the store `data` (a folder or an ``s3://`` URL)."""
    layout = Layout(data)
    files = sorted(layout.all_files(dataset))
    if not files:
        return pl.DataFrame()
    con = duckdb.connect()
    layout.fs.attach(con)
    con.execute("SET TimeZone = 'UTC'")
    return con.sql(
        "SELECT * FROM read_parquet($f, hive_partitioning = true)", params={"f": files}
    ).pl()


def sessions(data: Path) -> pl.DataFrame:
    """Stored sessions, sorted, without the columns that may legitimately differ."""
    df = read(data, "sessions")
    return df.sort("session_id") if df.height else df


def events(data: Path) -> pl.DataFrame:
    df = read(data, "events")
    return df.sort("record_id") if df.height else df


def session(sid: str, start: float, *, track: str = "t1", played: int = 60_000,
            end: float | None = None, skip: str | None = None, user: str | None = "u1",
            total: int | None = 200_000, progress: int = 0) -> list[dict]:
    """start, `progress` progress records and an end record (unless end is None)."""
    recs = [dict(type="session_start", ts=at(start), session_id=sid, track_id=track,
                 client_ip="81.2.69.142", user_agent="okhttp/4.12.0", quality="high")]
    if user:
        recs[0]["user_id"] = user
    if total:
        recs[0]["total_duration_ms"] = total
    for i in range(1, progress + 1):
        recs.append(dict(type="session_progress", ts=at(start + i * 0.5), session_id=sid,
                         duration_played_ms=30_000 * i, buffer_health=90.0, bytes_sent=1000))
    if end is not None:
        rec = dict(type="session_end", ts=at(end), session_id=sid, duration_played_ms=played)
        if skip:
            rec["skip_reason"] = skip
        recs.append(rec)
    return recs
