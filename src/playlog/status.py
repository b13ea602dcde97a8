"""`playlog status`: what the store holds, how far ingest got, and what cleanup would do.

`store_status(settings)` reads a snapshot of the store's files (store.reader)
and the ledger, and answers (docs/commands.md#playlog-status):

- ``datasets``: per dataset, the days covered (first, last, how many), files,
  rows (from the Parquet footers) and bytes on disk;
- ``raw_from`` (the first day with raw rows after a cleanup, else null) and
  ``rollups``: the days the roll-ups cover, and the days with raw rows but no
  roll-up (none after a complete ingest);
- ``files``: per log file the ledger knows, its format, the offset read up to
  (of the decompressed content for compressed files), its size then and now,
  ``lag_bytes`` (what it grew since: bytes not read yet; null when the file is
  gone), and when it was last read (``seen_at``, ``seen_seconds_ago``);
- ``watermark`` (the latest session record ingested) and ``open_sessions``
  (sessions not ended yet, which the next ingest may still close);
- ``cleanup``: what ``playlog cleanup`` with the config file's ``[cleanup]``
  settings would do now (its dry run: actions and bytes freed), or why that
  cannot be said (another run holds the lock).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from playlog import clock
from playlog.errors import PlaylogError
from playlog.schema import DATASETS, ROLLUP_DATASETS


def store_status(settings: Any) -> dict[str, Any]:
    from playlog.store.layout import Layout
    from playlog.store.ledger import Ledger
    from playlog.store.reader import require_store, snapshot

    layout = Layout(Path(settings.data_dir))
    require_store(layout)
    snap = snapshot(layout)
    ledger = Ledger.load(layout)
    datasets = [_dataset(layout, name, snap.files[name]) for name in DATASETS]
    return {
        "data_dir": str(layout.root),
        "datasets": datasets,
        "raw_from": snap.raw_from,
        "rollups": _rollups(snap.files),
        "files": _files(ledger),
        "watermark": ledger.watermark.isoformat() if ledger.watermark else None,
        "open_sessions": _open_sessions(layout, snap.files["sessions"], ledger.open_days),
        "cleanup": _cleanup(settings),
    }


def _dataset(layout: Any, name: str, files: list[str]) -> dict[str, Any]:
    days = sorted({_day(f) for f in files} - {None})
    return {"dataset": name, "first_day": days[0] if days else None,
            "last_day": days[-1] if days else None, "days": len(days), "files": len(files),
            "rows": _rows(layout, files), "bytes": sum(_size(layout, f) for f in files)}


def _rows(layout: Any, files: list[str]) -> int:
    return _scalar(layout, "SELECT coalesce(sum(num_rows), 0) FROM "
                           "parquet_file_metadata(getvariable('_files'))", files)


def _scalar(layout: Any, sql: str, files: list[str]) -> int:
    """`sql`'s one number over the Parquet `files` (bound as ``_files``); 0 without files."""
    if not files:
        return 0
    import duckdb

    from playlog.store.layout import literal

    con = duckdb.connect()
    try:
        layout.fs.attach(con)
        con.execute("SET VARIABLE _files = ?", [[literal(f) for f in files]])
        (value,) = con.execute(sql).fetchone()
    finally:
        con.close()
    return int(value)


def _day(path: str) -> str | None:
    marker = "/date="
    at = path.rfind(marker)
    return path[at + len(marker):at + len(marker) + 10] if at >= 0 else None


def _size(layout: Any, path: str) -> int:
    try:
        return layout.fs.size(layout.path(path))
    except FileNotFoundError:  # removed by a commit since the snapshot
        return 0


# The roll-up of each raw dataset (store/rollups.py, store/webrollups.py).
ROLLUP_OF = {"sessions": "rollup_plays", "events": "rollup_events", "requests": "rollup_requests"}


def _rollups(files: dict[str, list[str]]) -> dict[str, Any]:
    days = {name: {_day(f) for f in files[name]} - {None} for name in DATASETS}
    rolled = set().union(*(days[n] for n in ROLLUP_DATASETS))
    missing = set().union(*(days[raw] - days[rollup] for raw, rollup in ROLLUP_OF.items()))
    return {"first_day": min(rolled, default=None), "last_day": max(rolled, default=None),
            "days": len(rolled), "raw_days_without_rollups": sorted(missing)}


def _files(ledger: Any) -> list[dict[str, Any]]:
    now = clock.now()
    rows = []
    for entry in sorted(ledger.files.values(), key=lambda e: e.path):
        try:
            current = os.stat(entry.path).st_size
        except OSError:
            current = None
        seen = datetime.fromisoformat(entry.seen_at) if entry.seen_at else None
        rows.append({
            "path": entry.path, "format": entry.format or None, "offset": entry.offset,
            "lines": entry.lines, "size": entry.size, "current_size": current,
            "lag_bytes": None if current is None else max(current - entry.size, 0),
            "seen_at": entry.seen_at or None,
            "seen_seconds_ago": None if seen is None else int((now - seen).total_seconds()),
        })
    return rows


def _open_sessions(layout: Any, files: list[str], open_days: list[str]) -> int:
    chosen = [f for f in files if _day(f) in set(open_days)]
    return _scalar(layout, "SELECT count(*) FROM read_parquet(getvariable('_files')) "
                           "WHERE NOT ended", chosen)


def _cleanup(settings: Any) -> dict[str, Any]:
    from playlog.retention import cleanup, configured_cleanup

    try:
        result = cleanup(settings, dry_run=True, **configured_cleanup(settings))
    except PlaylogError as exc:
        return {"known": False, "why": str(exc), "actions": [], "bytes_freed": 0}
    plan = result.as_dict()
    return {"known": True, "why": None, "actions": plan["actions"],
            "bytes_freed": plan["bytes_freed"]}

