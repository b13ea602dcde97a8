"""One log source of a run, opened where the ledger says reading stopped.

`open_file` opens a file once (so a file that logrotate removes while it is
read is still read whole), recognises it by its fingerprint (store.ledger),
and positions it just after what the ledger says was read, if the content
before that offset is still the same; otherwise at the start. `open_stdin`
wraps standard input, which has no ledger entry: it is read whole.

A source's last line without a newline is complete (`Source.final`) when the
content cannot grow any more: a compressed file whose data ended cleanly,
standard input, or a file not modified for `idle_after` (measured against the
system clock, which wrote its modification time). Otherwise it waits.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from playlog import clock
from playlog.parse.compressed import decompressing
from playlog.parse.lines import (
    BOM,
    TAIL_BYTES,
    damage_of,
    open_stream,
    read_safely,
    skip_to,
)
from playlog.store.ledger import PREFIX_BYTES, FileEntry, Ledger, fingerprint_of, tail_hash

SAMPLE_LINES = 50
SAMPLE_BYTES = 256 * 1024
STDIN = "-"
STDIN_NAME = "<stdin>"  # how standard input is named in summaries and the quarantine


@dataclass
class Source:
    name: str  # as given, for messages and the quarantine
    raw: BinaryIO  # the file itself (for progress: how far into it reading is)
    stream: BinaryIO  # its decompressed content, positioned at `offset`
    compressed: bool
    size: int  # bytes of the file (0 for standard input)
    head: bytes  # the first SAMPLE_BYTES of the content, for detecting the format
    fingerprint: str | None = None  # None: not tracked (standard input) or no line yet
    entry: FileEntry | None = None  # what the ledger knew of it
    offset: int = 0
    line: int = 0  # lines before `offset` (the open one excluded, see FileEntry.open_line)
    tail: bytes = b""  # the content just before `offset`
    idle_after: timedelta | None = None  # None: the content is final once read (stdin)
    resumed: bool = False  # reading continues where the ledger's entry stopped
    tracked: bool = True  # has a ledger entry (standard input has none)
    _mtime: float = field(default=0.0, repr=False)

    def final(self) -> bool:
        """Is a last line without its newline complete? (Asked at the end of the content.)"""
        if damage_of(self.stream) is not None:
            return False
        if self.compressed or self.idle_after is None:
            return True
        try:
            mtime = os.fstat(self.raw.fileno()).st_mtime
        except OSError:
            mtime = self._mtime
        return clock.wall_seconds() - mtime >= self.idle_after.total_seconds()

    def position(self) -> int:
        """How far into the file reading is, in its own (compressed) bytes."""
        try:
            return self.raw.tell()
        except OSError:
            return 0

    def sample(self) -> list[str]:
        """The first complete, non-blank lines, for detecting the format."""
        return sample_lines(self.head, self.final())

    def close(self) -> None:
        if self.raw is not sys.stdin.buffer:
            self.raw.close()


def sample_lines(head: bytes, final: bool = False) -> list[str]:
    """The complete (with `final`, also a last unterminated), non-blank lines of `head`."""
    head = head.removeprefix(BOM)
    cut = len(head) if final and len(head) < SAMPLE_BYTES else head.rfind(b"\n") + 1
    lines = head[:cut].decode("utf-8", "replace").splitlines()
    return [text for text in lines if text.strip()][:SAMPLE_LINES]


def open_file(path: Path, ledger: Ledger, idle_after: timedelta) -> Source:
    """`path` opened and positioned after what its ledger entry says was read.

    Raises FileNotFoundError when the file is gone before it could be opened."""
    raw = path.open("rb")
    try:
        stat = os.fstat(raw.fileno())
        stream = open_stream(raw)
        head = read_safely(stream, SAMPLE_BYTES)
        source = Source(str(path), raw, stream, stream is not raw, stat.st_size, head,
                        idle_after=idle_after, _mtime=stat.st_mtime)
        source.fingerprint = fingerprint_of(head[:PREFIX_BYTES], source.final())
        source.entry = ledger.files.get(source.fingerprint) if source.fingerprint else None
        _position(source)
    except BaseException:
        raw.close()
        raise
    return source


def _position(source: Source) -> None:
    """Skip to the entry's offset when the content before it is unchanged, else start
    from the beginning (for a new file, from the head already read)."""
    entry = source.entry
    if entry is None or entry.offset == 0:
        source.stream = _Prefixed(source.head, source.stream)  # type: ignore[assignment]
        return
    start = max(0, entry.offset - TAIL_BYTES)
    stream = _restart(source)
    reached = skip_to(stream, start, source.raw)
    before = read_safely(stream, entry.offset - start) if reached == start else b""
    if len(before) == entry.offset - start and tail_hash(before) == entry.tail:
        source.stream, source.offset, source.tail = stream, entry.offset, before
        source.line = entry.lines - 1 if entry.open_line else entry.lines
        source.resumed = True
        return
    source.stream = _restart(source)  # rewritten or truncated: read again from the start


def _restart(source: Source) -> BinaryIO:
    source.raw.seek(0)
    return open_stream(source.raw)


class _Prefixed:
    """A stream that first returns `head`, then the rest of `rest`."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.rest.read(size)
        if size < 0:
            piece, self.head = self.head, b""
            return piece + self.rest.read()
        piece, self.head = self.head[:size], self.head[size:]
        return piece + (self.rest.read(size - len(piece)) if len(piece) < size else b"")

    @property
    def damage(self) -> str | None:
        return damage_of(self.rest)


def open_stdin() -> Source:
    """Standard input, plain or compressed, read whole (no ledger entry: see
    docs/operations.md)."""
    raw = sys.stdin.buffer
    magic = read_safely(raw, 4)
    content = _Prefixed(magic, raw)
    stream = decompressing(magic, content)  # type: ignore[arg-type]
    compressed = stream is not content
    head = read_safely(stream, SAMPLE_BYTES)  # type: ignore[arg-type]
    return Source(STDIN_NAME, raw, _Prefixed(head, stream), compressed, 0, head,  # type: ignore[arg-type]
                  tracked=False)
