"""The track catalog: titles, artists, albums, genres and durations by track id.

Contract: :func:`import_catalog` reads a CSV with a header naming
``track_id`` (required) and any of ``title``, ``artist``, ``album``, ``genre``,
``duration_ms``; other columns are kept as text. It upserts by ``track_id``
into ``<data>/catalog/tracks.parquet`` (rows of the new file win, and within a
file the last row of an id wins; columns the file lacks become empty for its
rows) and replaces the file atomically (a temporary
file, then ``os.replace``), so a reader sees the old catalog or the new one.
Blank rows are skipped. A row without ``track_id``, or with a ``duration_ms`` that is not a
non-negative integer, fails the whole import with an
:class:`~playlog.errors.InputError` naming the file and the row's line number;
nothing is written then. :func:`load_catalog` returns the stored catalog, or
an empty frame with the standard columns. :func:`fill_catalog` adds what
listening exports name (titles, artists, albums, lengths) without overwriting
anything the catalog already has: a new track id is added, a known one only
gets the values it lacks.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

from playlog.errors import InputError, StoreError
from playlog.store.layout import Layout
from playlog.store.modes import Modes, create_file, make_dirs, store_modes

COLUMNS: dict[str, pl.DataType] = {
    "track_id": pl.String(),
    "title": pl.String(),
    "artist": pl.String(),
    "album": pl.String(),
    "genre": pl.String(),
    "duration_ms": pl.Int64(),
}


@dataclass(frozen=True)
class CatalogResult:
    path: Path  # the stored catalog
    rows: int  # data rows read from the CSV
    added: int  # track ids new to the catalog
    changed: int  # track ids already in it whose row the file changes
    unchanged: int  # track ids already in it with the same row
    total: int  # tracks in the catalog after the import

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}


def import_catalog(csv_path: Path | str, data_dir: Path | str, *,
                   store_mode: str | None = None) -> CatalogResult:
    """Read ``csv_path``, check every row, upsert into the catalog of ``data_dir`` (a new
    file and folder get the modes of ``store_mode``: see store.modes)."""
    csv_path = Path(csv_path)
    new = _read_csv(csv_path)
    _check_rows(new, csv_path)
    new = _typed(new).unique(subset="track_id", keep="last", maintain_order=True)
    existing = load_catalog(data_dir)
    known = existing["track_id"]
    updated = int(new["track_id"].is_in(known.implode()).sum())
    merged = pl.concat([existing, new], how="diagonal_relaxed")
    merged = merged.unique(subset="track_id", keep="last", maintain_order=True)
    changed = _changed(existing, merged, new["track_id"])
    target = Layout(Path(data_dir)).catalog
    if changed or updated < new.height or merged.columns != existing.columns:
        _write_atomically(merged, target, store_modes(store_mode))
    rows = new.height
    return CatalogResult(target, rows, rows - updated, changed, updated - changed, merged.height)


def _changed(existing: pl.DataFrame, merged: pl.DataFrame, ids: pl.Series) -> int:
    """How many stored tracks of ``ids`` the merged catalog holds with a different row."""
    text = [pl.col(name).cast(pl.String) for name in merged.columns]
    after = merged.filter(pl.col("track_id").is_in(existing["track_id"].implode())
                          & pl.col("track_id").is_in(ids.implode())).select(text)
    before = existing.select(
        pl.col(name).cast(pl.String) if name in existing.columns
        else pl.lit(None, pl.String).alias(name) for name in merged.columns)
    same = after.join(before, on=merged.columns, how="semi", nulls_equal=True)
    return after.height - same.height


def fill_catalog(existing: pl.DataFrame, rows: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """`existing` with `rows` (track_id and any of the standard columns) filled in: new
    ids added, and the nulls of known ids filled; returns (catalog, ids added or filled)."""
    values = [name for name in COLUMNS if name != "track_id"]
    rows = _typed(rows).select(*COLUMNS).group_by("track_id", maintain_order=True).agg(
        pl.col(name).drop_nulls().first() for name in values
    )
    known = existing.join(rows, on="track_id", how="left", suffix="_new")
    gains = pl.any_horizontal(pl.col(n).is_null() & pl.col(f"{n}_new").is_not_null()
                              for n in values)
    filled = int(known.select(gains.sum()).item() or 0)
    merged = known.with_columns(pl.coalesce(n, f"{n}_new").alias(n) for n in values)
    merged = merged.drop([f"{n}_new" for n in values])
    added = rows.join(existing.select("track_id"), on="track_id", how="anti")
    return pl.concat([merged, added], how="diagonal_relaxed"), filled + added.height


def load_catalog(data_dir: Path | str) -> pl.DataFrame:
    """The stored catalog; an empty frame with the standard columns when there is none."""
    layout = Layout(data_dir)
    return read_stored(layout, layout.catalog, COLUMNS, "track catalog")


def read_stored(layout: Layout, path: Any, schema: dict[str, Any], what: str) -> pl.DataFrame:
    """The stored catalog file `path` (local or on an object store); an empty frame of
    `schema` when there is none; StoreError naming `what` when it cannot be read."""
    if not layout.fs.is_file(path):
        return pl.DataFrame(schema=schema)
    try:
        return pl.read_parquet(layout.fs.read_bytes(path)) if layout.remote else \
            pl.read_parquet(path, glob=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise StoreError(str(path), f"cannot read the {what}: {_first_line(exc)}") from None


def catalog_size(data_dir: Path | str) -> int:
    """The number of tracks in the stored catalog (0 when there is none)."""
    layout = Layout(data_dir)
    if not layout.fs.is_file(layout.catalog):
        return 0
    return load_catalog(data_dir).height if layout.remote else \
        pl.scan_parquet(layout.catalog, glob=False).select(pl.len()).collect().item()


def _read_csv(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise InputError(str(path), "no such file")
    return read_catalog_csv(path, "track_id")


def read_catalog_csv(path: Path, id_column: str) -> pl.DataFrame:
    """A catalog CSV as text columns: header names trimmed and lower-cased (a BOM
    dropped), values trimmed, blank rows gone; `id_column` must be in the header."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except pl.exceptions.NoDataError:
        raise InputError(str(path), f"empty file: expected a header with {id_column}") from None
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(str(path), f"not a readable CSV file: {_first_line(exc)}") from None
    frame = frame.rename({name: name.strip().lstrip("\ufeff").lower() for name in frame.columns})
    if id_column not in frame.columns:
        raise InputError(str(path), f"no {id_column} column in the header", line=1)
    frame = frame.with_columns(pl.col(name).str.strip_chars() for name in frame.columns)
    return frame.filter(~pl.all_horizontal(pl.all().is_null() | (pl.all() == "")))


_INTEGER = r"^\d{1,18}$"


def _check_rows(frame: pl.DataFrame, path: Path) -> None:
    """Raise for the first bad row, naming its line; count the others."""
    duration = pl.col("duration_ms") if "duration_ms" in frame.columns else pl.lit(None, pl.String)
    reason = (
        pl.when(pl.col("track_id").is_null() | (pl.col("track_id") == ""))
        .then(pl.lit("missing track_id"))
        .when(duration.is_not_null() & duration.str.starts_with("-"))
        .then(pl.format("negative duration_ms '{}'", duration))
        .when(duration.is_not_null() & ~duration.str.contains(_INTEGER))
        .then(pl.format("duration_ms '{}' is not an integer", duration))
    )
    bad = frame.with_row_index("record").select("record", reason.alias("reason")).drop_nulls()
    if bad.height == 0:
        return
    record, message = bad.row(0)
    if bad.height > 1:
        message += f" (and {bad.height - 1} more bad row(s))"
    raise InputError(str(path), message, line=_line_of(path, record))


def _line_of(path: Path, record: int) -> int:
    """The line where data record ``record`` (0-based) starts, quoted newlines included."""
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        previous_end = reader.line_num
        index = 0
        for row in reader:
            if any(field.strip() for field in row):  # blank rows are skipped
                if index == record:
                    return previous_end + 1
                index += 1
            previous_end = reader.line_num
    return record + 2


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [
        pl.lit(None, dtype).alias(name)
        for name, dtype in COLUMNS.items()
        if name not in frame.columns
    ]
    frame = frame.with_columns(missing).with_columns(pl.col("duration_ms").cast(pl.Int64))
    extras = [name for name in frame.columns if name not in COLUMNS]
    return frame.select(*COLUMNS, *extras)


def _write_atomically(frame: pl.DataFrame, target: Any, modes: Modes,
                      what: str = "track catalog") -> None:
    """`frame` as the Parquet file `target`, replacing it whole (a local file by rename)."""
    from playlog.store.fs import as_path, fs_for

    target = as_path(target)
    if not isinstance(target, Path):  # an object store: one put replaces it whole
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        try:
            fs_for(target).write_atomic(target, buffer.getvalue(), modes.file)
        except OSError as exc:
            raise StoreError(str(target), f"cannot write the {what}: {exc}") from None
        return
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        make_dirs(target.parent, modes)
        create_file(tmp, modes)
        frame.write_parquet(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(str(target), f"cannot write the {what}: {exc.strerror}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
