"""The event catalog: titles, dates, venues and URLs of event pages, by event id.

Contract: :func:`import_events` reads a CSV whose header names ``event_id``
(required) and any of ``title``, ``date``, ``venue``, ``url``; other columns are
kept as text. It upserts by ``event_id`` into ``<data>/catalog/events.parquet``
as the track catalog does (catalog.py): rows of the new file win, the last row
of an id within a file wins, the file is replaced atomically, blank rows are
skipped, and a row without ``event_id`` fails the whole import with an
InputError naming its line (nothing is written). Reports show the titles
(rankings, the event report, live pages). :func:`catalog_kind` tells a track
catalog from an event catalog by its header, for ``playlog catalog import``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from playlog.catalog import (
    CatalogResult,
    _line_of,
    _write_atomically,
    read_catalog_csv,
    read_stored,
)
from playlog.errors import InputError, UsageError
from playlog.store.layout import Layout
from playlog.store.modes import store_modes

COLUMNS = ("event_id", "title", "date", "venue", "url")
KINDS = ("tracks", "events")


def catalog_kind(csv_path: Path | str, kind: str | None = None) -> str:
    """``tracks`` or ``events``: ``kind`` when given, else what the header names."""
    if kind is not None:
        if kind not in KINDS:
            raise UsageError("--kind", f"'{kind}' is not one of {', '.join(KINDS)}")
        return kind
    header = {name.strip().lstrip("\ufeff").lower() for name in _header(Path(csv_path))}
    if "track_id" in header and "event_id" not in header:
        return "tracks"
    if "event_id" in header and "track_id" not in header:
        return "events"
    what = "both track_id and event_id" if header >= {"track_id", "event_id"} else (
        "neither track_id nor event_id")
    raise InputError(str(csv_path), f"the header names {what}", line=1,
                     hint="say which catalog it is with --kind tracks or --kind events")


def _header(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(str(path), "no such file")
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        import csv

        return next(csv.reader(fh), [])


def import_events(csv_path: Path | str, data_dir: Path | str, *,
                  store_mode: str | None = None) -> CatalogResult:
    """Read ``csv_path``, check every row, upsert into the event catalog of ``data_dir``
    (file and folder with the modes of ``store_mode``: see store.modes)."""
    csv_path = Path(csv_path)
    new = _read(csv_path)
    existing = load_events(data_dir)
    known = new["event_id"].is_in(existing["event_id"].implode())
    updated = int(known.sum())
    merged = pl.concat([existing, new], how="diagonal_relaxed")
    merged = merged.unique(subset="event_id", keep="last", maintain_order=True)
    text = [pl.col(c).cast(pl.String) for c in merged.columns]
    before = existing.select(pl.col(c).cast(pl.String) if c in existing.columns
                             else pl.lit(None, pl.String).alias(c) for c in merged.columns)
    after = merged.select(text).filter(pl.col("event_id").is_in(new.filter(known)["event_id"]
                                                                .implode()))
    changed = after.height - after.join(before, on=merged.columns, how="semi",
                                        nulls_equal=True).height
    target = Layout(data_dir).event_catalog
    if changed or updated < new.height or merged.columns != existing.columns:
        _write_atomically(merged, target, store_modes(store_mode), "event catalog")
    return CatalogResult(target, new.height, new.height - updated, changed, updated - changed,
                         merged.height)


def load_events(data_dir: Path | str) -> pl.DataFrame:
    """The stored event catalog; an empty frame with the standard columns when there is none."""
    layout = Layout(data_dir)
    return read_stored(layout, layout.event_catalog, dict.fromkeys(COLUMNS, pl.String),
                       "event catalog")


def _read(path: Path) -> pl.DataFrame:
    frame = read_catalog_csv(path, "event_id")
    missing = frame.with_row_index("record").filter(
        pl.col("event_id").is_null() | (pl.col("event_id") == ""))
    if missing.height:
        more = f" (and {missing.height - 1} more)" if missing.height > 1 else ""
        raise InputError(str(path), f"missing event_id{more}",
                         line=_line_of(path, int(missing["record"][0])))
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in COLUMNS
                               if c not in frame.columns)
    frame = frame.select(*COLUMNS, *(c for c in frame.columns if c not in COLUMNS))
    return frame.unique(subset="event_id", keep="last", maintain_order=True)
