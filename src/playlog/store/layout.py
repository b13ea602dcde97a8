"""Where things live inside the data directory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

_DAY_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Layout:
    root: Path

    def dataset(self, name: str) -> Path:
        return self.root / name

    def day_dir(self, name: str, day: date | str) -> Path:
        return self.dataset(name) / f"date={day}"

    def glob(self, name: str) -> str:
        return str(self.dataset(name) / "date=*" / "*.parquet")

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
