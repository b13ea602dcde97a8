"""The durable writer: native log lines appended to ``<data>/incoming/``, group-committed.

`LogWriter.submit` queues bytes (whole lines) with a callback; one writer
thread takes everything queued, appends it with ``write`` and makes it durable
with one ``fdatasync``, then calls back every submitter of that batch. So a
caller is told "done" only once its lines are on disk, and concurrent callers
share one fsync (group commit).

Each writer appends to its own file, ``<host>-<pid>-<start ms>-<seq>.jsonl``,
so any number of collectors (processes, hosts) can share one incoming
directory. It holds an exclusive ``flock`` on the file while it may append to
it and starts a new file (``seq`` + 1) when the current one reaches
``max_bytes`` or ``max_age`` seconds; a file it has left is never written again.
See collect.incoming for what happens to files once they are ingested.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Sink = Callable[[list[Any], BaseException | None], None]

MAX_BYTES = 64 * 1024 * 1024
MAX_AGE = 3600.0


def host_name() -> str:
    """This host's name as it appears in incoming file names."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname()) or "host"


class LogWriter:
    def __init__(self, directory: Path, *, max_bytes: int = MAX_BYTES,
                 max_age: float = MAX_AGE) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.prefix = f"{host_name()}-{os.getpid()}-{int(time.time() * 1000)}"
        self._seq = 0
        self._fd: int | None = None
        self._path: Path | None = None
        self._size = 0
        self._opened = 0.0
        self._cond = threading.Condition()
        self._pending: list[tuple[bytes, Sink, Any]] = []
        self._closing = False
        self._rotate_asked = False
        self._idle = False
        self.commits = 0  # fsyncs done
        self.bytes_written = 0
        self._thread = threading.Thread(target=self._run, name="playlog-writer", daemon=True)
        self._thread.start()

    @property
    def current(self) -> Path | None:
        """The file being appended to (None between files)."""
        return self._path

    def submit(self, data: bytes, sink: Sink, item: Any) -> None:
        """Queue `data` (whole lines); ``sink([item, …], error)`` is called once it is durable."""
        with self._cond:
            if self._closing:
                raise RuntimeError("the writer is closed")
            self._pending.append((data, sink, item))
            if self._idle:  # a busy writer takes the queue after its fsync: no wake-up needed
                self._cond.notify()

    def write(self, data: bytes) -> None:
        """Append `data` and return once it is on disk (raises the write's OSError)."""
        done = threading.Event()
        failure: list[BaseException | None] = [None]

        def sink(items: list[Any], error: BaseException | None) -> None:
            failure[0] = error
            done.set()

        self.submit(data, sink, None)
        done.wait()
        if failure[0] is not None:
            raise failure[0]

    def rotate_if_old(self) -> None:
        """Leave the current file when it is older than max_age (so an idle collector's
        file can be ingested and removed)."""
        with self._cond:
            if self._fd is not None and time.monotonic() - self._opened >= self.max_age:
                self._rotate_asked = True
                self._cond.notify()

    def close(self) -> None:
        """Write what is queued, then close the file."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()

    # -- the writer thread ---------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing and not self._rotate_asked:
                    self._idle = True
                    self._cond.wait()
                self._idle = False
                batch, self._pending = self._pending, []
                closing, rotate = self._closing, self._rotate_asked
                self._rotate_asked = False
            if batch:
                self._commit(batch)
            if rotate or closing:
                self._close_file()
            if closing and not batch:
                return

    def _commit(self, batch: list[tuple[bytes, Sink, Any]]) -> None:
        error: BaseException | None = None
        try:
            fd = self._file()
            data = b"".join(part for part, _, _ in batch)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fdatasync(fd)
            self._size += len(data)
            self.bytes_written += len(data)
            self.commits += 1
            if self._size >= self.max_bytes or time.monotonic() - self._opened >= self.max_age:
                self._close_file()
        except OSError as exc:
            error = exc
            self._close_file()  # a failed append may leave half a line: never append after it
        groups: dict[int, tuple[Sink, list[Any]]] = {}
        for _, sink, item in batch:
            groups.setdefault(id(sink), (sink, []))[1].append(item)
        for sink, items in groups.values():
            try:
                sink(items, error)
            except Exception:  # a submitter that went away must not stop the writer
                pass

    def _file(self) -> int:
        if self._fd is not None:
            return self._fd
        self._seq += 1
        path = self.directory / f"{self.prefix}-{self._seq:04d}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)  # held while this writer may append (collect.incoming)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new name is durable before any line is acknowledged
        finally:
            os.close(dir_fd)
        self._fd, self._path, self._size, self._opened = fd, path, 0, time.monotonic()
        return fd

    def _close_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the flock: the file is finished
        self._fd, self._path = None, None
