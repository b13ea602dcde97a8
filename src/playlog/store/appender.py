"""Appending records to a day-partitioned dataset, each record once.

Every record carries a ``record_id`` (a hash of its content). Before a batch is
written, records already stored on their day, or already written by this run,
are dropped and counted as duplicates. One Parquet file per day and run is
streamed batch by batch, so memory does not grow with the size of the input.

With ``distinct_ids`` (ids that cannot repeat within a run, such as a file and
line number), only the ids already stored are checked, and rows are written in
the order they come (access logs are in time order already), their text as
Arrow string views straight from Polars, with dictionaries and statistics only
for the columns in `dictionary` and `statistics`: the same file, written
without copying or re-sorting what the parser produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from playlog.schema import ROW_GROUP_ROWS, SORT_KEYS, dictionary_columns
from playlog.store.layout import Layout, literal
from playlog.store.transaction import COMPRESSION, Transaction, close_sink


def conform(df: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """The frame as an Arrow table of exactly `schema` (missing columns are null)."""
    return conform_arrow(df.to_arrow(), schema)


def conform_arrow(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table with exactly the columns and types of `schema` (missing ones null)."""
    columns = []
    for fld in schema:
        if fld.name in table.column_names:
            columns.append(table.column(fld.name).cast(fld.type, safe=False))
        else:
            columns.append(pa.nulls(table.num_rows, fld.type))
    return pa.Table.from_arrays(columns, schema=schema.remove_metadata())


def conform_views(df: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """Like `conform`, with text columns as Arrow string views (no copy out of Polars)."""
    table = df.to_arrow(compat_level=pl.CompatLevel.newest())
    columns = []
    for fld in _view_schema(schema):
        if fld.name in table.column_names:
            columns.append(table.column(fld.name).cast(fld.type, safe=False))
        else:
            columns.append(pa.nulls(table.num_rows, fld.type))
    return pa.Table.from_arrays(columns, schema=_view_schema(schema))


def _view_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, pa.string_view() if f.type == pa.string() else f.type)
                      for f in schema])


@dataclass
class DedupAppender:
    layout: Layout
    dataset: str
    schema: pa.Schema
    tx: Transaction
    con: duckdb.DuckDBPyConnection
    distinct_ids: bool = False  # ids never repeat within a run: check only the stored ones
    dictionary: tuple[str, ...] | None = None  # with distinct_ids: dictionary-encoded columns
    statistics: tuple[str, ...] | None = None  # with distinct_ids: columns with min/max
    written: int = 0
    duplicates: int = 0
    _ids: dict[date, pl.Series] = field(default_factory=dict)
    _writers: dict[date, pq.ParquetWriter] = field(default_factory=dict)
    _sinks: list = field(default_factory=list)

    def add(self, df: pl.DataFrame, day_column: str) -> None:
        """Write the records of `df` not seen before; `day_column` holds each one's day."""
        if df.is_empty():
            return
        # (ids that are distinct already, as they mostly are, are not made unique: no copy)
        unique = df if self.distinct_ids or df["record_id"].n_unique() == df.height else \
            df.unique("record_id", keep="first", maintain_order=True)
        self.duplicates += df.height - unique.height
        for (day,), part in unique.partition_by(day_column, as_dict=True).items():
            seen = self._seen(day)
            fresh = part.filter(~pl.col("record_id").is_in(seen.implode())) if len(seen) else part
            self.duplicates += part.height - fresh.height
            if fresh.is_empty():
                continue
            self._write(day, fresh)
            if not self.distinct_ids:
                self._ids[day] = pl.concat([seen, fresh["record_id"]])
            self.written += fresh.height

    def _write(self, day: date, rows: pl.DataFrame) -> None:
        if self.distinct_ids:
            table = conform_views(rows, self.schema)
        else:
            keys = SORT_KEYS.get(self.dataset)
            table = conform(rows.sort(keys, nulls_last=True) if keys else rows, self.schema)
        self._writer(day).write_table(table, row_group_size=ROW_GROUP_ROWS)

    def days(self) -> list[date]:
        return sorted(self._writers)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        for sink in self._sinks:
            close_sink(sink)
        self._writers.clear()
        self._sinks.clear()

    def _seen(self, day: date) -> pl.Series:
        if day not in self._ids:
            files = [literal(p) for p in self.layout.files(self.dataset, day)]
            if files:
                ids = self.con.sql(
                    "SELECT record_id FROM read_parquet($files)", params={"files": files}
                ).pl()["record_id"]
            else:
                ids = pl.Series("record_id", [], dtype=pl.UInt64)
            self._ids[day] = ids
        return self._ids[day]

    def _writer(self, day: date) -> pq.ParquetWriter:
        if day not in self._writers:
            path = self.tx.new_file(self.dataset, day)
            self._sinks.append(path)
            if self.distinct_ids:  # readers see plain strings: the Arrow schema is not stored
                self._writers[day] = pq.ParquetWriter(
                    path, _view_schema(self.schema.remove_metadata()), compression=COMPRESSION,
                    store_schema=False, use_dictionary=list(self.dictionary or ()) or True,
                    write_statistics=list(self.statistics or ()) or True,
                )
            else:
                self._writers[day] = pq.ParquetWriter(
                    path, self.schema.remove_metadata(), compression=COMPRESSION,
                    use_dictionary=dictionary_columns(self.schema.names),
                )
        return self._writers[day]
