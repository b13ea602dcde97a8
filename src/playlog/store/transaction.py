"""All-or-nothing changes to the store.

A run writes every new Parquet file under a hidden temporary name (``.*.tmp``,
invisible to readers, whose glob is ``*.parquet``), then commits: it writes a
journal listing the renames, the files to remove and the new ledger, and only
then applies it. A run killed before the journal exists leaves only temporary
files, removed by the next run; a run killed while applying leaves the journal,
which the next run applies again (every step is idempotent). So the store and
the ledger always move together: no half file, no ledger entry for unwritten
data, no record counted twice.
"""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from playlog.schema import ROW_GROUP_ROWS
from playlog.store.files import fsync_path, read_json, write_json_atomic
from playlog.store.layout import Layout
from playlog.store.modes import create_file, make_dirs

COMPRESSION = "zstd"


@dataclass
class Transaction:
    layout: Layout
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    _seq: int = 0
    _journaled: bool = False  # the journal is written: the next run completes the commit
    # The added files by folder, built again when `added` has grown (see files_after).
    _index: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _indexed: int = -1

    def new_file(self, dataset: str, day: date | str) -> Path:
        """A temporary path for a new file of `dataset` on `day`, renamed at commit."""
        folder = self.layout.day_dir(dataset, day)
        make_dirs(folder, self.layout.modes)
        self._seq += 1
        name = f"part-{self.run_id}-{self._seq:04d}.parquet"
        tmp = folder / f".{name}.tmp"
        self.added.append((str(tmp), str(folder / name)))
        create_file(tmp, self.layout.modes)  # its mode; the writer fills it
        return tmp

    def write_table(self, dataset: str, day: date | str, table: pa.Table) -> None:
        _write_parquet(self.new_file(dataset, day), table)

    def write_days(self, dataset: str, table: pa.Table, days: pa.Array) -> None:
        """One file per day of `table`, whose rows are sorted by `days` (the UTC day of
        each row): the table is cut into zero-copy slices and the files are written a few
        at a time (Parquet encoding releases the GIL), so a history of a thousand days
        costs a thousand small writes, not a thousand conversions."""
        runs = pc.run_end_encode(days)
        ends = runs.run_ends.to_pylist()
        values = runs.values.to_pylist()
        jobs, start = [], 0
        for day, end in zip(values, ends):
            jobs.append((self.new_file(dataset, day), table.slice(start, end - start)))
            start = end
        with ThreadPoolExecutor(WRITE_THREADS) as pool:
            list(pool.map(lambda job: _write_parquet(*job), jobs))

    def replace(self, target: Path) -> Path:
        """A temporary path next to `target` (a file outside the datasets, such as the
        catalog) that replaces it at commit."""
        make_dirs(target.parent, self.layout.modes)
        tmp = target.with_name(f".{target.name}.{self.run_id}.tmp")
        self.added.append((str(tmp), str(target)))
        create_file(tmp, self.layout.modes)  # its mode; the writer fills it
        return tmp

    def remove(self, path: Path | str) -> None:
        self.removed.append(str(path))

    def files_after(self, dataset: str, day: date | str) -> list[str]:
        """The files `dataset` will hold on `day` once committed (new ones by their
        temporary names, which is where their data is until then)."""
        folder = self.layout.day_dir(dataset, day)
        gone = set(self.removed)
        kept = [str(p) for p in self.layout.files(dataset, day) if str(p) not in gone]
        new = [tmp for tmp in self._added_in(str(folder)) if os.path.exists(tmp)]
        return kept + new

    def _added_in(self, folder: str) -> list[str]:
        """The temporary paths of the files added to `folder` (an index, so that asking
        for every day of a long history stays linear)."""
        if self._indexed != len(self.added):
            index: dict[str, list[str]] = {}
            for tmp, final in self.added:
                index.setdefault(os.path.dirname(final), []).append(tmp)
            self._index, self._indexed = index, len(self.added)
        return self._index.get(folder, [])

    def days_changed(self, dataset: str) -> set[date]:
        """The days of `dataset` this transaction adds or removes files on."""
        paths = [final for _, final in self.added] + self.removed
        prefix = str(self.layout.dataset(dataset)) + "/date="
        return {date.fromisoformat(p[len(prefix):len(prefix) + 10]) for p in paths if p.startswith(prefix)}

    def commit(
        self, ledger: dict[str, Any] | None, state: dict[str, Any] | None = None
    ) -> None:
        """Make every staged change at once; `state` maps state-file paths to JSON values."""
        fsync_all([Path(tmp) for tmp, _ in self.added if Path(tmp).exists()])
        journal = {"run": self.run_id, "add": self.added, "remove": self.removed,
                   "ledger": ledger, "state": state or {}}
        write_json_atomic(self.layout.journal, journal, self.layout.modes.file)
        self._journaled = True
        apply_journal(self.layout, journal)

    def rollback(self) -> None:
        """Drop the staged files (not once the journal is written: the next run applies it)."""
        if self._journaled:
            return
        for tmp, _ in self.added:
            Path(tmp).unlink(missing_ok=True)
            _remove_if_empty(Path(tmp).parent)
        self.added.clear()
        self.removed.clear()


FSYNC_THREADS = 16
WRITE_THREADS = 4


def _write_parquet(path: Path, table: pa.Table) -> None:
    pq.write_table(table, path, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS)


def fsync_all(paths: list[Path]) -> None:
    """Flush every file to disk, several at once: the device takes concurrent flushes
    together, so a run that writes a day file for each of a thousand days (an export
    of several years) does not wait for a thousand flushes one after the other."""
    if len(paths) <= 1:
        for path in paths:
            fsync_path(path)
        return
    with ThreadPoolExecutor(min(FSYNC_THREADS, len(paths))) as pool:
        list(pool.map(fsync_path, paths))


def apply_journal(layout: Layout, journal: dict[str, Any]) -> None:
    """Renames, then state (e.g. where raw rows start, so readers turn to the roll-ups
    before raw files go), then removals, then the ledger. Readers that find the
    journal still there see the store as it will be (store.reader.visible_files)."""
    for tmp, final in journal["add"]:
        if os.path.exists(tmp):
            os.replace(tmp, final)
    for path, value in journal.get("state", {}).items():
        write_json_atomic(Path(path), value, layout.modes.file)
    for path in journal["remove"]:
        Path(path).unlink(missing_ok=True)
        _remove_if_empty(Path(path).parent)
    if journal.get("ledger") is not None:
        write_json_atomic(layout.ledger, journal["ledger"], layout.modes.file)
    layout.journal.unlink(missing_ok=True)


def recover(layout: Layout) -> bool:
    """Finish a committed run that was interrupted; drop an uncommitted run's files.

    Returns True when something was repaired. Call it holding the lock."""
    repaired = False
    journal = read_json(layout.journal, None)
    if journal is not None:
        apply_journal(layout, journal)
        repaired = True
    for dataset_dir in (layout.dataset(name) for name in _dataset_names()):
        if not dataset_dir.is_dir():
            continue
        for tmp in dataset_dir.glob("date=*/.*.tmp"):
            tmp.unlink(missing_ok=True)
            repaired = True
    # state files half-written by a killed run (.ledger.json.<pid>.tmp, .salt.<pid>.tmp, …):
    # they are only ever written under the lock, which the caller holds
    if layout.state.is_dir():
        for tmp in [*layout.state.glob(".*.tmp"), *layout.state.glob(".probe-*")]:
            tmp.unlink(missing_ok=True)
            repaired = True
    for tmp in layout.catalog.parent.glob(f".{layout.catalog.name}.*.tmp"):
        tmp.unlink(missing_ok=True)
        repaired = True
    return repaired


def _dataset_names() -> tuple[str, ...]:
    from playlog.schema import DATASETS

    return DATASETS


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
