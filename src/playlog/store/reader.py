"""Read access: a DuckDB connection with one view per stored dataset.

Views read the Parquet files with Hive partitioning, so a filter on ``date``
prunes whole days before any file is opened. A dataset with no file yet is an
empty view of the right schema, so every query works on an empty store.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from playlog.schema import DATASETS, SCHEMAS
from playlog.store.files import read_json
from playlog.store.layout import Layout


def connect(data_dir: Path, *, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per dataset of schema.DATASETS
    (each with a ``date`` DATE column), ``catalog`` (the track catalog, possibly
    empty) and ``store_info`` (``raw_from``: the first day with raw rows, or null;
    ``salt``: the salt of the store's pseudonymous keys)."""
    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # stdout carries the data only
    layout = Layout(Path(data_dir))
    journal = read_json(layout.journal, None)
    for name in DATASETS:
        create_view(con, layout, name, journal)
    create_catalog_view(con, layout)
    # Where raw rows start (cleanup deleted what came before): reports fall back on roll-ups.
    # The salt lets reports find a user in the roll-ups, which hold only salted keys.
    retention = read_json(layout.retention, {})
    if journal is not None:
        retention = journal.get("state", {}).get(str(layout.retention), retention)
    raw_from = retention.get("raw_from")
    salt = layout.salt.read_text().strip() if layout.salt.is_file() else ""
    con.execute("CREATE TEMP TABLE store_info AS SELECT CAST(? AS DATE) AS raw_from, ? AS salt",
                [raw_from, salt])
    return con


def visible_files(layout: Layout, name: str, journal: dict | None) -> list[str] | None:
    """With a commit under way (or interrupted), the files of `name` as the commit
    leaves them: without those it removes, with those it adds (wherever they are
    now). None when there is no journal: the glob is right."""
    if journal is None:
        return None
    prefix = str(layout.dataset(name)) + "/"
    gone = set(journal["remove"])
    files = {str(p) for d in layout.days(name) for p in layout.files(name, d)} - gone
    for tmp, final in journal["add"]:
        if final.startswith(prefix):
            files.discard(final)
            files.add(final if Path(final).exists() else tmp)
    return sorted(f for f in files if Path(f).exists())


def create_view(con: duckdb.DuckDBPyConnection, layout: Layout, name: str,
                journal: dict | None = None) -> None:
    files = visible_files(layout, name, journal)
    if files:
        listed = "[" + ", ".join(quote(f) for f in files) + "]"
        con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({listed}, "
            "hive_partitioning = true, hive_types = {'date': DATE}, union_by_name = true)"
        )
        return
    if files is None and layout.days(name):
        # A view cannot take parameters: the path goes in as a quoted literal.
        con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({quote(layout.glob(name))}, "
            "hive_partitioning = true, hive_types = {'date': DATE}, union_by_name = true)"
        )
        return
    empty = SCHEMAS[name].empty_table()
    con.register(f"_empty_{name}", empty)
    con.execute(
        f"CREATE OR REPLACE VIEW {name} AS "
        f"SELECT *, NULL::DATE AS date FROM _empty_{name}"
    )


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


CATALOG_SCHEMA = pa.schema(
    [
        pa.field("track_id", pa.string()),
        pa.field("title", pa.string()),
        pa.field("artist", pa.string()),
        pa.field("album", pa.string()),
        pa.field("genre", pa.string()),
        pa.field("duration_ms", pa.int64()),
    ]
)


def create_catalog_view(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    if layout.catalog.is_file():
        con.execute(
            f"CREATE OR REPLACE VIEW catalog AS SELECT * FROM read_parquet({quote(str(layout.catalog))})"
        )
        return
    con.register("_empty_catalog", CATALOG_SCHEMA.empty_table())
    con.execute("CREATE OR REPLACE VIEW catalog AS SELECT * FROM _empty_catalog")
