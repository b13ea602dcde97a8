"""Hand-made stores for tests: rows in, Hive-partitioned Parquet out (schema.py schemas)."""

from __future__ import annotations

import hashlib

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from playlog.schema import EVENT_SCHEMA, PROGRESS_SCHEMA, SESSION_SCHEMA
from playlog.store.reader import CATALOG_SCHEMA, EVENT_CATALOG_SCHEMA


def at(text: str) -> datetime:
    """'2026-11-20 18:00' (UTC) → aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def session(sid: str, start: str, minutes: float = 3, **kw: Any) -> dict[str, Any]:
    """A session started at ``start`` (UTC) lasting ``minutes``; ended unless told."""
    started = at(start)
    last = started + timedelta(minutes=minutes)
    played = int(minutes * 60_000)
    row = {
        "session_id": sid,
        "user_id": "u1",
        "track_id": "t1",
        "started_at": started,
        "last_update": last,
        "duration_played_ms": played,
        "total_duration_ms": 180_000,
        "quality": "high",
        "platform": "web",
        "ended": True,
        "ended_at": last,
        "skip_reason": None,
        "is_bot": False,
        "device_type": "desktop",
        "country": "FR",
    }
    row.update(kw)
    if "listener_key" not in kw:
        row["listener_key"] = row["user_id"] or f"anon:{row.get('anon_key') or sid}"
    if "completion_percentage" not in kw:
        total = row["total_duration_ms"]
        row["completion_percentage"] = (
            None if not total else min(100.0, 100.0 * row["duration_played_ms"] / total)
        )
    if not row["ended"] and "ended_at" not in kw:
        row["ended_at"] = None
    return row


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.md5(text.encode()).digest()[8:], "little")


def event(event_id: str, kind: str, ts: str, **kw: Any) -> dict[str, Any]:
    row = {
        "event_id": event_id,
        "event_type": kind,
        "ts": at(ts),
        "user_id": None,
        "session_id": None,
        "anon_key": None,
        "source": "direct",
        "device_type": "desktop",
        "is_bot": False,
        "record_id": _hash64(f"{event_id}-{kind}-{ts}-{kw}"),
    }
    row.update(kw)
    return row


def progress(sid: str, ts: str, **kw: Any) -> dict[str, Any]:
    row = {"session_id": sid, "ts": at(ts), "duration_played_ms": 0, "buffer_health": 100.0,
           "bytes_sent": 0}
    row.update(kw)
    return row


def write(root: Path, dataset: str, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` to ``root/dataset/date=<UTC day>/part-0.parquet``."""
    schema = {"sessions": SESSION_SCHEMA, "events": EVENT_SCHEMA, "progress": PROGRESS_SCHEMA}[dataset]
    key = "started_at" if dataset == "sessions" else "ts"
    by_day: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_day.setdefault(row[key].astimezone(UTC).date().isoformat(), []).append(row)
    for day, day_rows in by_day.items():
        folder = root / dataset / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(day_rows, schema=schema)
        pq.write_table(table, folder / "part-0.parquet")


def write_catalog(root: Path, rows: list[dict[str, Any]]) -> None:
    folder = root / "catalog"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA), folder / "tracks.parquet")


def write_event_catalog(root: Path, rows: list[dict[str, Any]]) -> None:
    folder = root / "catalog"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=EVENT_CATALOG_SCHEMA),
                   folder / "events.parquet")


def store(root: Path, *, sessions=(), events=(), progress_rows=(), catalog=()) -> Path:
    if sessions:
        write(root, "sessions", list(sessions))
    if events:
        write(root, "events", list(events))
    if progress_rows:
        write(root, "progress", list(progress_rows))
    if catalog:
        write_catalog(root, list(catalog))
    return root
