"""Where things live inside the data directory.

Paths are paths, never patterns: a data directory may be called ``st[1]`` or
``s*``. Python's ``Path.glob`` takes its base literally; DuckDB's
``read_parquet`` expands ``*``, ``?`` and ``[`` anywhere, so every path handed
to it goes through `literal`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from playlog.store.modes import PRIVATE, Modes

_DAY_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
_GLOB_CHARS = re.compile(r"([*?\[])")


def literal(path: Path | str) -> str:
    """`path` as DuckDB's file functions must get it to read that one file: its glob
    characters each in a class of its own (``st[1]`` → ``st[[]1]``)."""
    return _GLOB_CHARS.sub(r"[\1]", str(path))


@dataclass(frozen=True)
class Layout:
    root: Path
    modes: Modes = field(default=PRIVATE, compare=False)  # of what a run creates (store.modes)

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
        if not self.root.is_dir():
            return False
        from playlog.schema import DATASETS

        names = ("state", "catalog", "incoming", *DATASETS)
        return any((self.root / name).is_dir() for name in names)

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
        base = self.dataset(name)
        if not base.is_dir():
            return []
        found = []
        for child in base.iterdir():
            match = _DAY_DIR.match(child.name)
            if match and any(child.glob("*.parquet")):
                found.append(date.fromisoformat(match.group(1)))
        return sorted(found)

    def files(self, name: str, day: date | str) -> list[Path]:
        folder = self.day_dir(name, day)
        return sorted(folder.glob("*.parquet")) if folder.is_dir() else []

    def all_files(self, name: str) -> list[str]:
        """Every committed file of the dataset, in one pass over its day folders."""
        found: list[str] = []
        try:
            days = os.scandir(self.dataset(name))
        except (FileNotFoundError, NotADirectoryError):
            return found
        with days:
            for day in days:
                if not _DAY_DIR.match(day.name):
                    continue
                try:
                    with os.scandir(day.path) as entries:
                        found.extend(e.path for e in entries
                                     if e.name.endswith(".parquet") and not e.name.startswith("."))
                except (FileNotFoundError, NotADirectoryError):  # removed by a commit meanwhile
                    continue
        return sorted(found)
