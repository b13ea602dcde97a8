"""One writer at a time: an exclusive lock on ``<data>/.lock``.

Ingest, cleanup and compaction take it; a second run waits up to ``wait``
seconds and then fails with a clear message naming the holder's process id.
A local store's lock is an ``flock`` (`flock_exclusive`); an object store's a
lease object (store.s3).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playlog.errors import LockedError, StoreError
from playlog.store.modes import PRIVATE, Modes, make_dirs


def exclusive(path: Any, wait: float = 0.0, modes: Modes = PRIVATE):
    """Hold the writers' lock of the store `path` is the lock of (a context manager)."""
    from playlog.store.fs import as_path, fs_for

    path = as_path(path)
    return fs_for(path).exclusive(path, wait, modes)


@contextmanager
def flock_exclusive(path: Path, wait: float = 0.0, modes: Modes = PRIVATE) -> Iterator[None]:
    """Hold the lock at `path` (a StoreError when it cannot even be opened: a read-only
    or foreign data directory)."""
    try:
        make_dirs(path.parent, modes)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, modes.file)
    except OSError as exc:
        raise StoreError(str(path.parent), f"cannot lock the data directory: "
                         f"{exc.strerror or exc}",
                         hint="run as the owner of the data directory, on a writable file "
                         "system") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    raise LockedError(
                        f"another playlog run (pid {holder}) is using {path.parent}",
                        hint="try again later, or pass --wait SECONDS",
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
