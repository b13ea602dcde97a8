"""All-or-nothing changes to the store.

A run writes every new Parquet file under a staging name that no reader lists
(store.fs: a hidden ``.*.tmp`` beside its final name on a local disk, a key
outside the dataset prefixes on an object store), then commits: it writes a
journal listing the files to publish (rename, or copy), the files to remove and
the new ledger — created only if no journal is there, so two commits never
interleave — and only then applies it. A run killed before the journal exists leaves only temporary
files, removed by the next run; a run killed while applying leaves the journal,
which the next run applies again (every step is idempotent). So the store and
the ledger always move together: no half file, no ledger entry for unwritten
data, no record counted twice.
"""

from __future__ import annotations

import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from playlog.errors import StoreError
from playlog.schema import ROW_GROUP_ROWS, dictionary_columns
from playlog.store.files import read_json, write_json_atomic
from playlog.store.fs import dump_json
from playlog.store.layout import Layout

COMPRESSION = "zstd"


@dataclass
class Transaction:
    layout: Layout
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    _seq: int = 0
    _journaled: bool = False  # the journal is written: the next run completes the commit
    # The added files by folder, built again when `added` has changed (see files_after):
    # `_changes` counts the changes (a staged file dropped and another added leave the
    # list as long as it was).
    _index: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _indexed: int = -1
    _changes: int = 0
    # Day files being written behind the run (write_days): waited for before anything
    # reads or removes staged files, and before the commit.
    _writer: ThreadPoolExecutor | None = field(default=None, repr=False)
    _writing: list[Future] = field(default_factory=list, repr=False)

    def new_file(self, dataset: str, day: date | str) -> Any:
        """A writable sink for a new file of `dataset` on `day` (a local path, or an
        object-store stream), published at commit. Close what it returns."""
        return self.new_path(dataset, day)[1]

    def new_path(self, dataset: str, day: date | str) -> tuple[Any, Any]:
        """(the staging path of a new file of `dataset` on `day`, a sink to fill it)."""
        return self._open(self._reserve(self._day_file(dataset, day)))

    def stage(self, final: Any, root: Layout | None = None) -> tuple[Any, Any]:
        """(staging path, sink) of a file to appear at `final` at commit (`root`: the
        layout it belongs to, when not this store: an archive)."""
        return self._open(self._reserve(final, root))

    def _day_file(self, dataset: str, day: date | str) -> Any:
        folder = self.layout.day_dir(dataset, day)
        return folder / f"part-{self.run_id}-{self._next():04d}.parquet"

    def _reserve(self, final: Any, root: Layout | None = None) -> tuple[Layout, Any]:
        """(the layout, the staging path) of a file to appear at `final`, listed as added
        (a rollback removes it, made or not) but not made yet: see `_open`."""
        where = root or self.layout
        tmp = where.fs.staging_path(where.root, final)
        self.added.append((str(tmp), str(final)))
        self._changes += 1
        return where, tmp

    @staticmethod
    def _open(reserved: tuple[Layout, Any]) -> tuple[Any, Any]:
        """(staging path, sink) of a reserved file: its folder made, the file created with
        its mode for the writer to fill."""
        where, tmp = reserved
        where.fs.make_dirs(tmp.parent, where.modes)
        return tmp, where.fs.open_output(tmp, where.modes)

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def write_table(self, dataset: str, day: date | str, table: pa.Table) -> None:
        write_parquet(self.new_file(dataset, day), table)

    def write_days(self, dataset: str, table: pa.Table, days: pa.Array) -> None:
        """One file per day of `table`, whose rows are sorted by `days` (the UTC day of
        each row): the table is cut into zero-copy slices and the files are written a few
        at a time (Parquet encoding releases the GIL), so a history of a thousand days
        costs a thousand small writes, not a thousand conversions.

        The files are named (and listed as added) here, in order, and written behind:
        this returns at once, and the run goes on (computing the next roll-up, say)
        while threads make and fill them; `wait` is called before anything reads or
        removes staged files, and by `commit`."""
        runs = pc.run_end_encode(days)
        ends = runs.run_ends.to_pylist()
        values = runs.values.to_pylist()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(WRITE_THREADS, "playlog-write")
        start = 0
        for day, end in zip(values, ends):
            reserved = self._reserve(self._day_file(dataset, day))
            self._writing.append(self._writer.submit(
                _write_reserved, reserved, table.slice(start, end - start)))
            start = end

    def wait(self) -> None:
        """Wait for the files written behind (write_days); the first failure is raised."""
        writing, self._writing = self._writing, []
        failure: BaseException | None = None
        for job in writing:
            try:
                job.result()
            except BaseException as exc:  # the others are waited for all the same
                failure = failure or exc
        if failure is not None:
            raise failure

    def _stop_writer(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def replace(self, target: Any) -> Any:
        """A sink for a file outside the datasets (such as the catalog) that replaces
        `target` at commit (staged like a dataset file). Close what it returns."""
        return self.stage(target)[1]

    def remove(self, path: Any) -> None:
        """Remove a committed file at commit; a file this run staged (rewritten again by a
        later step of the same run) is dropped at once."""
        path = str(path)
        if any(tmp == path for tmp, _ in self.added):
            self.wait()
            self.added = [pair for pair in self.added if pair[0] != path]
            self._changes += 1
            self.layout.fs.remove(self.layout.path(path))
            return
        self.removed.append(path)

    def days_after(self, dataset: str) -> list[date]:
        """The days `dataset` will hold files on once committed, ascending (committed
        days and the days of staged files; a day whose every file is removed may remain)."""
        prefix = str(self.layout.dataset(dataset)) + "/date="
        staged = {date.fromisoformat(final[len(prefix):len(prefix) + 10])
                  for _, final in self.added if final.startswith(prefix)}
        return sorted(staged.union(self.layout.days(dataset)))

    def files_after(self, dataset: str, day: date | str) -> list[str]:
        """The files `dataset` will hold on `day` once committed (new ones by their
        temporary names, which is where their data is until then)."""
        self.wait()
        folder = str(self.layout.day_dir(dataset, day))
        gone = set(self.removed)
        kept = [str(p) for p in self.layout.files(dataset, day) if str(p) not in gone]
        exists, path = self.layout.fs.exists, self.layout.path
        new = [tmp for tmp in self._added_in(folder) if exists(path(tmp))]
        return kept + new

    def _added_in(self, folder: str) -> list[str]:
        """The staging paths of the files added to `folder` (an index, so that asking
        for every day of a long history stays linear)."""
        if self._indexed != self._changes:
            index: dict[str, list[str]] = {}
            for tmp, final in self.added:
                index.setdefault(final.rsplit("/", 1)[0], []).append(tmp)
            self._index, self._indexed = index, self._changes
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
        try:
            self.wait()
        finally:
            self._stop_writer()
        fs = self.layout.fs
        durable_all(fs, [p for p in map(self.layout.path, (t for t, _ in self.added))
                         if fs.exists(p)])
        journal = {"run": self.run_id, "add": self.added, "remove": self.removed,
                   "ledger": ledger, "state": state or {}}
        fs.fence()  # still the one writer (an object store's lease may have been lost)
        if not fs.create_once(self.layout.journal, dump_json(journal), self.layout.modes):
            raise StoreError(str(self.layout.journal), "another run's commit is under way",
                             hint="nothing of this run was committed; run it again")
        self._journaled = True
        apply_journal(self.layout, journal)

    def rollback(self) -> None:
        """Drop the staged files (not once the journal is written: the next run applies it)."""
        if self._journaled:
            return
        try:
            with suppress(Exception):  # a failed write's file is removed with the others
                self.wait()
        finally:
            self._stop_writer()
        fs = self.layout.fs
        for tmp, _ in self.added:
            path = self.layout.path(tmp)
            fs.remove(path)
            fs.prune(path.parent)
        self.added.clear()
        self._changes += 1
        self.removed.clear()


FSYNC_THREADS = 16
WRITE_THREADS = 4
WRITE_BUFFER = 1 << 20


def _write_reserved(reserved: tuple[Layout, Any], table: pa.Table) -> None:
    """(In a writer thread.) A reserved file made and filled with `table`."""
    write_parquet(Transaction._open(reserved)[1], table)


def write_parquet(sink: Any, table: pa.Table) -> None:
    """`table` as a day file's Parquet in `sink` (a local path the file system's
    `open_output` created, or a stream), closed afterwards."""
    if isinstance(sink, Path):  # opened directly (no file system to resolve from a path),
        # buffered: the file goes out in a few large writes, not one per page and header
        sink = pa.BufferedOutputStream(pa.OSFile(str(sink), "wb"), WRITE_BUFFER)
    try:
        pq.write_table(table, sink, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS,
                       use_dictionary=dictionary_columns(table.column_names))
    finally:
        close_sink(sink)


def durable_all(fs: Any, paths: list[Any]) -> None:
    """Flush every file to disk, several at once: the device takes concurrent flushes
    together, so a run that writes a day file for each of a thousand days (an export
    of several years) does not wait for a thousand flushes one after the other."""
    if len(paths) <= 1:
        for path in paths:
            fs.durable(path)
        return
    with ThreadPoolExecutor(min(FSYNC_THREADS, len(paths))) as pool:
        list(pool.map(fs.durable, paths))


def apply_journal(layout: Layout, journal: dict[str, Any]) -> None:
    """Renames, then state (e.g. where raw rows start, so readers turn to the roll-ups
    before raw files go), then removals, then the ledger. Readers that find the
    journal still there see the store as it will be (store.reader.visible_files)."""
    for tmp, final in journal["add"]:
        staged, target = layout.path(tmp), layout.path(final)
        fs_of(target).publish(staged, target)  # an archive may be elsewhere
    for path, value in journal.get("state", {}).items():
        write_json_atomic(path, value, layout.modes.file)
    fs = layout.fs
    for text in journal["remove"]:
        path = layout.path(text)
        fs.remove(path)
        fs.prune(path.parent)
    if journal.get("ledger") is not None:
        write_json_atomic(layout.ledger, journal["ledger"], layout.modes.file)
    fs.remove(layout.journal)


def recover(layout: Layout) -> bool:
    """Finish a committed run that was interrupted; drop an uncommitted run's files.

    Returns True when something was repaired. Call it holding the lock."""
    repaired = False
    journal = read_json(layout.journal, None)
    if journal is not None:
        apply_journal(layout, journal)
        repaired = True
    # staged files and state files half-written by a killed run (.ledger.json.<pid>.tmp,
    # .salt.<pid>.tmp, …): they are only ever written under the lock, which the caller holds
    for tmp in layout.fs.leftovers(layout.root, _dataset_names()):
        layout.fs.remove(tmp)
        repaired = True
    return repaired


def _dataset_names() -> tuple[str, ...]:
    from playlog.schema import DATASETS

    return DATASETS


def fs_of(path: Any):
    from playlog.store.fs import fs_for

    return fs_for(path)


def close_sink(sink: Any) -> None:
    """Close an object-store stream (a local path needs nothing)."""
    close = getattr(sink, "close", None)
    if close is not None:
        close()
