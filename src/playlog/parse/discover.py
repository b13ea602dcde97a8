"""Which files to read: explicit file arguments always, and the log files of folders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from playlog.errors import InputError

# Names a folder's files must match to be read (explicit file arguments are always read).
LOG_SUFFIXES = (".jsonl", ".ndjson", ".json", ".log")


def discover(paths: Iterable[Path | str]) -> list[Path]:
    """The files to read: explicit files, and log files found in folders (recursively)."""
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found.extend(
                p for p in sorted(item.rglob("*"))
                if p.is_file() and not p.name.startswith(".") and looks_like_log(p.name)
            )
        elif item.is_file():
            found.append(item)
        else:
            raise InputError(str(item), "no such file or directory")
    for path in found:
        if not os.access(path, os.R_OK):
            raise InputError(str(path), "permission denied")
    return list(dict.fromkeys(found))


def looks_like_log(name: str) -> bool:
    stem = name.removesuffix(".gz")
    parts = stem.split(".")
    while len(parts) > 1 and parts[-1].isdigit():  # rotated: app.log.1, app.log.2.gz
        parts.pop()
    return any(".".join(parts).endswith(suffix) for suffix in LOG_SUFFIXES)
