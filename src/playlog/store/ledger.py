"""What was read from each log file, so that every run reads only what is new.

A file is known by its *fingerprint*, a hash of its first line (decompressed),
not by its name or inode: a renamed or rotated file (``app.log`` →
``app.log.1`` → ``app.log.1.gz``) keeps its fingerprint and so its entry. An
entry holds the byte offset reached (of the decompressed content), the number of
lines read and a hash of the bytes just before the offset. A file shorter than
its offset was truncated, and one whose bytes before the offset changed was
rewritten: both are read again from the start (records already stored are
recognised and not counted twice). A file whose first line is not complete yet
is left for a later run, unless its content is final (see parse.source): then
that line is fingerprinted as if its newline were there, so that the entry
still matches once the writer adds it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from playlog import clock
from playlog.parse.lines import TAIL_BYTES, read_prefix
from playlog.store.files import read_json
from playlog.store.layout import Layout

PREFIX_BYTES = 4096
VERSION = 1
__all__ = ["TAIL_BYTES", "FileEntry", "Ledger", "fingerprint", "fingerprint_of", "tail_hash"]


def fingerprint(path: Path, final: bool = False) -> str | None:
    """Hash of the first line (at most 4 KiB); None while that line is incomplete."""
    return fingerprint_of(read_prefix(path, PREFIX_BYTES), final)


def fingerprint_of(head: bytes, final: bool = False) -> str | None:
    """The fingerprint of content starting with `head` (its first PREFIX_BYTES at least,
    when it has that many); with `final`, an unterminated first line counts as complete.

    Files that open with ``#`` directive lines (W3C, CloudFront: the same
    ``#Software:`` or ``#Version:`` line in every file) are known by their lines
    up to the first that is not a directive."""
    head = head[:PREFIX_BYTES]
    end = 0
    while True:
        cut = head.find(b"\n", end)
        if cut < 0:
            if len(head) == PREFIX_BYTES:
                return _hash(head)
            return _hash(head + b"\n") if final and head.strip() else None
        end = cut + 1
        if not head[end:].startswith(b"#") or not head.startswith(b"#"):
            return _hash(head[:end])


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def tail_hash(data: bytes) -> str:
    return hashlib.sha256(data[-TAIL_BYTES:]).hexdigest()[:16]


@dataclass
class FileEntry:
    path: str
    offset: int = 0
    lines: int = 0
    tail: str = ""
    size: int = 0
    seen_at: str = ""
    format: str = ""  # the format it was read as (parse.registry); "" before formats were kept
    state: dict[str, Any] = field(default_factory=dict)  # the parser's state at `offset`
    # The last line read had no newline (read because the file was final): what
    # follows `offset` up to the next newline is the rest of line `lines`.
    open_line: bool = False


@dataclass
class Ledger:
    files: dict[str, FileEntry] = field(default_factory=dict)
    watermark: datetime | None = None  # latest session-record time ever ingested
    open_days: list[str] = field(default_factory=list)  # days holding open sessions

    @classmethod
    def load(cls, layout: Layout) -> Ledger:
        raw = read_json(layout.ledger, {})
        files = {fp: FileEntry(**entry) for fp, entry in raw.get("files", {}).items()}
        mark = raw.get("watermark")
        return cls(
            files=files,
            watermark=datetime.fromisoformat(mark) if mark else None,
            open_days=list(raw.get("open_days", [])),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "files": {fp: asdict(entry) for fp, entry in sorted(self.files.items())},
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "open_days": sorted(self.open_days),
        }

    def advance_watermark(self, latest: datetime | None) -> None:
        if latest is not None and (self.watermark is None or latest > self.watermark):
            self.watermark = latest

    def record(self, fp: str, path: Path | str, offset: int, lines: int, tail: str,
               fmt: str = "", state: dict[str, Any] | None = None, *, size: int | None = None,
               open_line: bool = False) -> None:
        self.files[fp] = FileEntry(
            path=str(path),
            offset=offset,
            lines=lines,
            tail=tail,
            size=Path(path).stat().st_size if size is None else size,
            seen_at=clock.now().isoformat(timespec="seconds"),
            format=fmt,
            state=dict(state or {}),
            open_line=open_line,
        )

    def knows_folder(self, folder: str | Path) -> bool:
        """Was a file of `folder` (or of a folder below it) ever read into the store?"""
        base = os.path.join(os.path.abspath(folder), "")
        return any(os.path.abspath(e.path).startswith(base) for e in self.files.values())

    def forget_older_than(self, cutoff: datetime) -> int:
        """Drop entries not seen since `cutoff`; returns how many."""
        stale = [
            fp for fp, e in self.files.items()
            if e.seen_at and datetime.fromisoformat(e.seen_at) < cutoff
        ]
        for fp in stale:
            del self.files[fp]
        return len(stale)
