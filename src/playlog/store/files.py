"""Small file-system helpers: atomic JSON writes and fsync."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

from playlog.errors import StoreError

# Failures that mean the data directory cannot take what a run writes.
FULL_OR_READ_ONLY = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}
DENIED = {errno.EACCES, errno.EPERM}


def write_failure(root: Path, exc: OSError) -> StoreError | None:
    """A StoreError for a write the data directory refused (full, read-only, not ours);
    None for any other OSError."""
    inside = exc.filename is not None and str(Path(exc.filename)).startswith(str(root))
    if exc.errno in FULL_OR_READ_ONLY or (exc.errno in DENIED and inside):
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        return StoreError(str(root), f"cannot write the data directory: {why}",
                          hint="nothing of this run was committed; free space or fix "
                          "permissions and run it again")
    return None


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, value: Any, mode: int = 0o600) -> None:
    """Write to a temporary file beside `path` (created with `mode`), flush it to disk,
    rename over `path`. A failure (a full disk) leaves `path` as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_json(path: Path, default: Any) -> Any:
    if not path.is_file():
        return default
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)
