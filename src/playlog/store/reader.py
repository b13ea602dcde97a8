"""Read access: a DuckDB connection with one view per stored dataset.

`connect` takes a consistent snapshot of the store's files: the list of every
dataset's committed files, taken again if a commit moved on while it was
listed (a commit always rewrites the ledger or ``state/retention.json``, and
writes its journal first), and read through the journal while a commit is
being applied (`visible_files`). The views read exactly those files, with Hive
partitioning, so a filter on ``date`` prunes whole days before any file is
opened. A dataset with no file yet is an empty view of the right schema, so
every query works on an empty store.

A commit that lands while a report runs may remove a file of its snapshot.
`retry_on_vanished` runs a piece of work again, on a new connection, when that
happened: a report never fails because of a commit. `connect` itself does so
for the views it makes (making a view reads its files' schemas).

A data directory that holds no store is an error (`StoreError`), not an empty
report: a mistyped ``--data`` must not look like a quiet week.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from playlog.errors import StoreError
from playlog.schema import DATASETS, SCHEMAS
from playlog.store.files import read_json
from playlog.store.layout import Layout, literal
from playlog.store.salt import read_salt

T = TypeVar("T")
# How a read of a file removed meanwhile fails: locally, and through an object store.
VANISHED = ("No such file or directory", "No files found that match", "Path does not exist",
            "NoSuchKey", "does not exist")
SNAPSHOT_ATTEMPTS = 20
RETRIES = 5


def connect(data_dir: Any, *, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per dataset of schema.DATASETS
    (each with a ``date`` DATE column), ``catalog`` (the track catalog, possibly
    empty), ``event_catalog`` (the event catalog, possibly empty) and ``store_info``
    (``raw_from``: the first day with raw rows, or null; ``salt``: the salt of the
    store's pseudonymous keys)."""
    layout = Layout(data_dir)
    require_store(layout)
    con = duckdb.connect(config={"memory_limit": memory_limit})
    layout.fs.attach(con)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # stdout carries the data only
    try:
        snap = retry_on_vanished(lambda: _create_views(con, layout))
    except BaseException:
        con.close()
        raise
    # Where raw rows start (cleanup deleted what came before): reports fall back on roll-ups.
    # The salt lets reports find a user in the roll-ups, which hold only salted keys.
    salt = read_salt(layout) or ""
    con.execute("CREATE TEMP TABLE store_info AS SELECT CAST(? AS DATE) AS raw_from, ? AS salt",
                [snap.raw_from, salt])
    # The UTC days each roll-up of totals has files for: the whole quarter hours of those
    # days are read from it, the other days from raw rows (query/blend.py).
    days = [(name, day) for name in TOTALS for day in sorted(_days(snap.files[name]))]
    con.register("_rollup_days", pa.table({
        "dataset": pa.array([name for name, _ in days], pa.string()),
        "day": pa.array([date.fromisoformat(day) for _, day in days], pa.date32())}))
    con.execute("CREATE TEMP TABLE rollup_days AS SELECT * FROM _rollup_days")
    con.unregister("_rollup_days")
    return con


TOTALS = ("rollup_play_totals", "rollup_event_totals")


def _days(files: list[str]) -> set[str]:
    """The ``YYYY-MM-DD`` of the ``date=`` folders of ``files`` (the text of their paths,
    local or ``s3://``: store.fs)."""
    return {f.rsplit("/", 2)[-2].removeprefix("date=") for f in files}


def _create_views(con: duckdb.DuckDBPyConnection, layout: Layout) -> Snapshot:
    """The views over a new snapshot (a view reads its files' schemas as it is made, so
    a commit removing one meanwhile makes the caller take another snapshot)."""
    snap = snapshot(layout)
    for name in DATASETS:
        create_view(con, name, snap.files[name])
    create_catalog_view(con, layout)
    create_event_catalog_view(con, layout)
    return snap


def require_store(layout: Layout) -> None:
    """StoreError unless the data directory holds a store."""
    if layout.holds_store():
        return
    root, fs = layout.root, layout.fs
    why = ("not a directory" if fs.exists(root) else "no such directory")
    if layout.remote or fs.is_dir(root):
        why = "no playlog store here (no state, dataset, catalog or incoming folder)"
    raise StoreError(str(root), f"cannot read the data directory: {why}",
                     hint="ingest logs into it first, or choose another with --data DIR")


@dataclass(frozen=True)
class Snapshot:
    files: dict[str, list[str]]  # dataset → its committed files, as one commit left them
    raw_from: str | None  # the first day with raw rows (retention), or None


def snapshot(layout: Layout) -> Snapshot:
    """The files of every dataset as they are between two commits (or as the commit under
    way will leave them)."""
    taken = None
    for _ in range(SNAPSHOT_ATTEMPTS):
        before = _generation(layout)
        journal = _read_state(layout.journal, None)
        files = {name: visible_files(layout, name, journal) for name in DATASETS}
        retention = _read_state(layout.retention, {})
        if journal is not None:
            retention = journal.get("state", {}).get(str(layout.retention), retention)
        taken = Snapshot(files, retention.get("raw_from"))
        if _generation(layout) == before:
            return taken
        time.sleep(0.01)  # a commit is being applied: let it finish
    assert taken is not None
    return taken


def _generation(layout: Layout) -> tuple:
    """What every commit changes: its journal, then the ledger or the retention state."""
    return tuple(layout.fs.stamp(p) for p in (layout.journal, layout.ledger, layout.retention))


def _read_state(path: Any, default: Any) -> Any:
    try:
        return read_json(path, default)
    except (FileNotFoundError, ValueError):  # replaced or removed as it was read
        return default


def visible_files(layout: Layout, name: str, journal: dict | None) -> list[str]:
    """The committed files of `name`; with a commit under way (or interrupted), the
    files as the commit leaves them: without those it removes, with those it adds
    (wherever they are now)."""
    files = set(layout.all_files(name))
    if journal is None:
        return sorted(files)
    prefix = str(layout.dataset(name)) + "/"
    files -= set(journal["remove"])
    exists = layout.fs.exists
    for tmp, final in journal["add"]:
        if final.startswith(prefix):
            files.discard(final)
            files.add(final if exists(layout.path(final)) else tmp)
    return sorted(f for f in files if exists(layout.path(f)))


def create_view(con: duckdb.DuckDBPyConnection, name: str, files: list[str]) -> None:
    """View `name` over exactly `files` (given to DuckDB as a variable, each path literal).

    The view always has every column of today's schema: files written by an older
    release that lack a column read it as NULL (the union with an empty table of
    the current schema costs nothing; filters and projections still reach the
    Parquet scan)."""
    con.register(f"_empty_{name}", SCHEMAS[name].empty_table())
    empty = f"SELECT *, NULL::DATE AS date FROM _empty_{name}"
    if not files:
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {empty}")
        return
    con.execute(f"SET VARIABLE _files_{name} = ?", [[literal(f) for f in files]])
    con.execute(
        f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet("
        f"getvariable('_files_{name}'), hive_partitioning = true, "
        "hive_types = {'date': DATE}, union_by_name = true) "
        f"UNION ALL BY NAME {empty}"
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
    if layout.fs.is_file(layout.catalog):
        con.execute(
            "CREATE OR REPLACE VIEW catalog AS SELECT * FROM "
            f"read_parquet({quote(literal(layout.catalog))})"
        )
        return
    con.register("_empty_catalog", CATALOG_SCHEMA.empty_table())
    con.execute("CREATE OR REPLACE VIEW catalog AS SELECT * FROM _empty_catalog")


def is_vanished_file(exc: BaseException) -> bool:
    """Did a query fail because a Parquet file of its snapshot was removed meanwhile?"""
    if not isinstance(exc, duckdb.IOException):
        return False
    text = str(exc)
    gone = any(why in text for why in VANISHED)
    return gone and ".parquet" in text


def retry_on_vanished(work: Callable[[], T], *, retries: int = RETRIES) -> T:
    """`work()`, run again (up to `retries` times) when a commit removed a file it was
    reading. `work` must open its own connection, so that it takes a new snapshot."""
    for attempt in range(retries + 1):
        try:
            return work()
        except duckdb.Error as exc:
            if attempt == retries or not is_vanished_file(exc):
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


EVENT_CATALOG_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string()),
        pa.field("title", pa.string()),
        pa.field("date", pa.string()),
        pa.field("venue", pa.string()),
        pa.field("url", pa.string()),
    ]
)


def create_event_catalog_view(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    if layout.fs.is_file(layout.event_catalog):
        con.execute("CREATE OR REPLACE VIEW event_catalog AS SELECT * FROM "
                    f"read_parquet({quote(literal(layout.event_catalog))})")
        return
    con.register("_empty_event_catalog", EVENT_CATALOG_SCHEMA.empty_table())
    con.execute("CREATE OR REPLACE VIEW event_catalog AS SELECT * FROM _empty_event_catalog")
