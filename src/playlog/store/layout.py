"""Where things live inside the data directory.

Paths are paths, never patterns: a data directory may be called ``st[1]`` or
``s*``. Python's ``Path.glob`` takes its base literally; DuckDB's
``read_parquet`` expands ``*``, ``?`` and ``[`` anywhere, so every path handed
to it goes through `literal`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from playlog.store.fs import S3Path, StoreFS, as_path, fs_for
from playlog.store.modes import PRIVATE, Modes

_DAY_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
_GLOB_CHARS = re.compile(r"([*?\[])")


def literal(path: Path | str) -> str:
    """`path` as DuckDB's file functions must get it to read that one file: its glob
    characters each in a class of its own (``st[1]`` → ``st[[]1]``)."""
    return _GLOB_CHARS.sub(r"[\1]", str(path))


@dataclass(frozen=True)
class Layout:
    """The store's paths; its files are read and written through `fs` (store.fs). The root
    is a local folder or an ``s3://bucket/prefix`` URL (a `Path` made of one works too)."""

    root: Any  # Path | S3Path
    modes: Modes = field(default=PRIVATE, compare=False)  # of what a run creates (store.modes)

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", as_path(self.root))

    @property
    def fs(self) -> StoreFS:
        return fs_for(self.root)

    @property
    def remote(self) -> bool:
        """Is the store on an object store (no local folders, no flock, no modes)?"""
        return isinstance(self.root, S3Path)

    def path(self, text: str) -> Path | S3Path:
        """A path of this store from its text (as the journal and DuckDB give it)."""
        return as_path(text)

    def dataset(self, name: str) -> Path:
        return self.root / name

    def day_dir(self, name: str, day: date | str) -> Path:
        return self.dataset(name) / f"date={day}"

    def glob(self, name: str) -> str:
        """A DuckDB pattern of every file of the dataset (the root taken literally)."""
        return literal(self.dataset(name)) + "/date=*/*.parquet"

    def holds_store(self) -> bool:
        """Is the root a directory playlog wrote: state, a dataset, a catalog, or the
        incoming folder of `playlog serve` (a collector before its first ingest)?"""
        from playlog.schema import DATASETS

        names = {"state", "catalog", "incoming", *DATASETS}
        return any(name in names for name in self.fs.children(self.root))

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def ledger(self) -> Path:
        return self.state / "ledger.json"

    @property
    def retention(self) -> Path:
        return self.state / "retention.json"

    @property
    def journal(self) -> Path:
        return self.state / "journal.json"

    @property
    def salt(self) -> Path:
        return self.state / "salt"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    @property
    def incoming(self) -> Path:
        """Where collectors (`playlog serve`, playlog.collect) append native log files."""
        return self.root / "incoming"

    @property
    def catalog(self) -> Path:
        return self.root / "catalog" / "tracks.parquet"

    @property
    def event_catalog(self) -> Path:
        """The event catalog: titles, dates and venues of event pages (event_catalog.py)."""
        return self.root / "catalog" / "events.parquet"

    def days(self, name: str) -> list[date]:
        """The days that hold at least one file of the dataset, ascending."""
        found = set()
        for path in self.all_files(name):
            match = _DAY_DIR.match(path.rsplit("/", 2)[-2])
            if match:
                found.add(date.fromisoformat(match.group(1)))
        return sorted(found)

    def files(self, name: str, day: date | str) -> list[Any]:
        return [self.path(p) for p in self.fs.parquet_files(self.day_dir(name, day))]

    def all_files(self, name: str) -> list[str]:
        """Every committed file of the dataset (the text of its path), in one pass over
        its day folders."""
        found = self.fs.partition_files(self.dataset(name))
        return sorted(p for p in found if _DAY_DIR.match(p.rsplit("/", 2)[-2]))
