"""What becomes of the files collectors leave in ``<data>/incoming/``.

A file is *finished* when no writer holds its ``flock`` (collect.writer holds
it while it may append; a writer that was killed holds nothing). `tidy`, run
under the data directory's lock after each ingest and when a collector starts,
looks only at this host's files (``<host>-…``: ``flock`` is reliable on one
host, not across every network file system) and, for each finished one:

- cuts a last line without its newline (a writer killed mid-append: that line
  was never acknowledged, since a collector answers only after the whole batch
  is on disk), so ingest never quarantines half a record;
- removes it once the ledger shows it read to its end (its first-line
  fingerprint known, the offset reached equal to its size): every record of it
  is then in the store. A file still being written, or not yet fully ingested,
  is never removed.

Files of other hosts are left to their own collectors.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from playlog.collect.writer import host_name
from playlog.errors import LockedError
from playlog.store.layout import Layout
from playlog.store.ledger import Ledger, fingerprint
from playlog.store.lock import exclusive

EMPTY_GRACE = 3600.0  # an empty finished file this old is removed


@dataclass
class Tidied:
    removed: list[str] = field(default_factory=list)
    cut: dict[str, int] = field(default_factory=dict)  # file → bytes of a partial last line cut
    pending: int = 0  # finished files not fully ingested yet
    busy: bool = False  # the data directory was locked: nothing done


def tidy(layout: Layout) -> Tidied:
    """Seal and remove this host's finished incoming files (see the module docstring)."""
    result = Tidied()
    if not layout.incoming.is_dir():
        return result
    try:
        with exclusive(layout.lock, 0.0):
            ledger = Ledger.load(layout)
            for path in sorted(layout.incoming.glob(f"{host_name()}-*.jsonl")):
                _tidy_file(path, ledger, result)
    except LockedError:
        result.busy = True
    return result


def _tidy_file(path: Path, ledger: Ledger, result: Tidied) -> None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a writer may still append to it
        size = os.fstat(fd).st_size
        cut = _cut_partial_line(fd, size)
        if cut:
            result.cut[path.name] = cut
            size -= cut
        if size == 0:
            if time.time() - os.fstat(fd).st_mtime >= EMPTY_GRACE:
                path.unlink()
                result.removed.append(path.name)
            return
        entry = ledger.files.get(fingerprint(path) or "")
        if entry is not None and entry.offset == size:
            path.unlink()  # under the file's flock and the data lock: no reader, no writer
            result.removed.append(path.name)
        else:
            result.pending += 1
    finally:
        os.close(fd)


def _cut_partial_line(fd: int, size: int) -> int:
    """Truncate after the last newline; returns the bytes removed."""
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return 0
    keep, step = 0, 64 * 1024
    end = size
    while end > 0:
        start = max(0, end - step)
        chunk = os.pread(fd, end - start, start)
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            keep = start + cut + 1
            break
        end = start
    os.ftruncate(fd, keep)
    os.fsync(fd)
    return size - keep
