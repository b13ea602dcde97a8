"""The store's file I/O: one small interface, a local implementation, and where to find
the others.

Every module that touches the data directory does so through a `StoreFS` (the
`Layout.fs` of the store), never through ``os`` or ``pathlib`` I/O: so the same
code runs on a local directory (`LocalFS`, below) and on an object store
(`playlog.store.s3.S3FS`, for ``s3://bucket/prefix``).

Paths are pure paths: a local directory's are `pathlib.Path`, an object store's
`S3Path` (whose text is its ``s3://`` URL, what DuckDB and the journal get).
`as_path` turns either text back into the right kind.

What differs between the two, and the interface hides:

- a new file is written under a *staging* name (`staging_path`) that no reader
  lists — locally a hidden ``.part-….parquet.tmp`` beside its final name, on an
  object store a key outside every dataset prefix — and `publish`\\ ed at commit
  (a rename; a server-side copy and a delete);
- the writers' lock (`exclusive`): ``flock`` locally, a lease object taken by a
  conditional put on an object store;
- `create_once` (never replacing what is there: the salt) is a hard link, or a put
  with ``If-None-Match``.
"""

from __future__ import annotations

import json
import os
from contextlib import AbstractContextManager
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

import duckdb

from playlog.store.modes import PRIVATE, Modes

SCHEME = "s3://"


class S3Path(PurePosixPath):
    """A key in an object store, as a pure path whose text is ``s3://bucket/key``."""

    def __str__(self) -> str:
        parts = self.parts
        return SCHEME + "/".join(parts[1:]) if parts and parts[0] == "s3:" else super().__str__()

    def __fspath__(self) -> str:  # never opened as a local file by accident
        raise TypeError(f"{self} is an object-store key, not a local file")

    def __repr__(self) -> str:
        return f"S3Path({str(self)!r})"

    @property
    def bucket(self) -> str:
        return self.parts[1]

    @property
    def key(self) -> str:
        return "/".join(self.parts[2:])


def is_url(text: Path | str) -> bool:
    """Does `text` name an object-store location (``s3://…``, even once a `Path` made
    ``s3:/…`` of it)?"""
    value = str(text)
    return value.startswith("s3:/")


def as_path(text: Path | str) -> Path | S3Path:
    """The path `text` names: an `S3Path` for an ``s3://`` URL, else a local `Path`."""
    if isinstance(text, (Path, S3Path)) and not is_url(text):
        return text
    if is_url(text):
        value = str(text)
        rest = value[len(SCHEME):] if value.startswith(SCHEME) else value[len("s3:/"):]
        return S3Path("s3:", *[p for p in rest.split("/") if p])
    return Path(text)


class StoreFS(Protocol):
    """What the store needs of the place it lives in (paths from `Layout`)."""

    def exists(self, path: Any) -> bool: ...
    def is_file(self, path: Any) -> bool: ...
    def is_dir(self, path: Any) -> bool: ...
    def children(self, folder: Any) -> list[str]: ...
    def parquet_files(self, folder: Any) -> list[str]: ...
    def partition_files(self, folder: Any) -> list[str]: ...
    def tree_files(self, folder: Any) -> list[str]: ...
    def size(self, path: Any) -> int: ...
    def stamp(self, path: Any) -> Any: ...
    def read_bytes(self, path: Any) -> bytes: ...
    def write_atomic(self, path: Any, data: bytes, mode: int) -> None: ...
    def create_once(self, path: Any, data: bytes, modes: Modes) -> bool: ...
    def remove(self, path: Any) -> None: ...
    def prune(self, folder: Any) -> None: ...
    def make_dirs(self, folder: Any, modes: Modes) -> None: ...
    def open_output(self, path: Any, modes: Modes) -> BinaryIO: ...
    def open_input(self, path: Any) -> BinaryIO: ...
    def durable(self, path: Any) -> None: ...
    def staging_path(self, root: Any, final: Any) -> Any: ...
    def leftovers(self, root: Any, datasets: tuple[str, ...]) -> list[Any]: ...
    def publish(self, staged: Any, final: Any) -> None: ...
    def copy(self, source: Any, target: Any) -> None: ...
    def exclusive(self, lock: Any, wait: float, modes: Modes) -> AbstractContextManager: ...
    def fence(self) -> None: ...
    def attach(self, con: duckdb.DuckDBPyConnection) -> None: ...
    def readable_by_others(self, root: Any) -> list[str]: ...


class LocalFS:
    """A directory on a local (or mounted) file system: what playlog always did."""

    def exists(self, path: Path) -> bool:
        return os.path.exists(path)

    def is_file(self, path: Path) -> bool:
        return os.path.isfile(path)

    def is_dir(self, path: Path) -> bool:
        return os.path.isdir(path)

    def children(self, folder: Path) -> list[str]:
        """The names in `folder` (none when it is missing)."""
        try:
            return os.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def parquet_files(self, folder: Path) -> list[str]:
        """The committed Parquet files directly in `folder` (sorted), skipping hidden ones."""
        try:
            with os.scandir(folder) as entries:
                return sorted(e.path for e in entries
                              if e.name.endswith(".parquet") and not e.name.startswith("."))
        except (FileNotFoundError, NotADirectoryError):  # removed by a commit meanwhile
            return []

    def partition_files(self, folder: Path) -> list[str]:
        """The committed Parquet files one folder below `folder` (its partitions)."""
        found: list[str] = []
        try:
            days = os.scandir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return found
        with days:
            for day in days:
                if day.is_dir():
                    found.extend(self.parquet_files(Path(day.path)))
        return found

    def tree_files(self, folder: Path) -> list[str]:
        """Every file under `folder`, at any depth."""
        found = []
        for base, _, names in os.walk(folder):
            found.extend(os.path.join(base, n) for n in names)
        return sorted(found)

    def size(self, path: Path) -> int:
        return os.stat(path).st_size

    def stamp(self, path: Path) -> tuple | None:
        """What changes whenever `path` is replaced (None when it is missing)."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def read_bytes(self, path: Path) -> bytes:
        return Path(path).read_bytes()

    def write_atomic(self, path: Path, data: bytes, mode: int = PRIVATE.file) -> None:
        """Write to a temporary file beside `path` (with the file mode), flush it to disk,
        rename over `path`. A failure (a full disk) leaves `path` as it was."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self._write_synced(tmp, data, mode)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def create_once(self, path: Path, data: bytes, modes: Modes = PRIVATE) -> bool:
        """Write `path` whole unless it exists (a hard link of a synced temporary file);
        False when it existed."""
        path = Path(path)
        self.make_dirs(path.parent, modes)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self._write_synced(tmp, data, modes.file)
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            self.durable(path.parent)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    def _write_synced(path: Path, data: bytes, mode: int) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            os.fchmod(fd, mode)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def remove(self, path: Path) -> None:
        Path(path).unlink(missing_ok=True)

    def prune(self, folder: Path) -> None:
        """Remove `folder` if it is empty (a day whose files all went)."""
        try:
            os.rmdir(folder)
        except OSError:
            pass

    def make_dirs(self, folder: Path, modes: Modes = PRIVATE) -> None:
        from playlog.store.modes import make_dirs

        make_dirs(Path(folder), modes)

    def open_output(self, path: Path, modes: Modes = PRIVATE) -> Any:
        """`path` for a writer to fill, created with the file mode. Local writers get the
        path itself (pyarrow and Polars open it)."""
        from playlog.store.modes import create_file

        create_file(Path(path), modes)
        return Path(path)

    def open_input(self, path: Path) -> Any:
        return Path(path)

    def durable(self, path: Path) -> None:
        """fsync `path` (a file, or a folder after a link into it)."""
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def staging_path(self, root: Path, final: Path) -> Path:
        return final.with_name(f".{final.name}.tmp")

    def leftovers(self, root: Path, datasets: tuple[str, ...]) -> list[Path]:
        """What killed runs may have left: staged files, half-written state files."""
        found: list[Path] = []
        for name in datasets:
            folder = root / name
            if folder.is_dir():
                found.extend(folder.glob("date=*/.*.tmp"))
        state = root / "state"
        if state.is_dir():
            found.extend([*state.glob(".*.tmp"), *state.glob(".probe-*")])
        catalog = root / "catalog"  # a catalog staged by an ingest's commit
        if catalog.is_dir():
            found.extend(catalog.glob(".*.tmp"))
        return found

    def publish(self, staged: Path, final: Path) -> None:
        if os.path.exists(staged):
            os.replace(staged, final)

    def copy(self, source: Path, target: Path) -> None:
        import shutil

        shutil.copyfile(source, target)

    def exclusive(self, lock: Path, wait: float, modes: Modes = PRIVATE):
        from playlog.store.lock import flock_exclusive

        return flock_exclusive(Path(lock), wait, modes)

    def fence(self) -> None:
        """Nothing to check: a held ``flock`` cannot be lost."""

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        """DuckDB reads local files itself."""

    def readable_by_others(self, root: Path) -> list[str]:
        from playlog.store.modes import readable_by_others

        return readable_by_others(Path(root))


LOCAL = LocalFS()


def fs_for(root: Path | S3Path) -> StoreFS:
    """The file system a data directory lives on."""
    if isinstance(root, S3Path):
        from playlog.store.s3 import s3_fs

        return s3_fs(root)
    return LOCAL


def dump_json(value: Any) -> bytes:
    return json.dumps(value, indent=1, sort_keys=True).encode()

