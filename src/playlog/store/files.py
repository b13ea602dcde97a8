"""Small store helpers: atomic JSON state files (through store.fs), write failures."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

from playlog.errors import StoreError
from playlog.store.fs import as_path, dump_json, fs_for

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


def write_json_atomic(path: Any, value: Any, mode: int = 0o600) -> None:
    """Replace the JSON file `path` whole (a failure, a full disk, leaves it as it was)."""
    path = as_path(path)
    fs_for(path).write_atomic(path, dump_json(value), mode)


def read_json(path: Any, default: Any) -> Any:
    path = as_path(path)
    fs = fs_for(path)
    try:
        data = fs.read_bytes(path)
    except (FileNotFoundError, IsADirectoryError):
        return default
    return json.loads(data)
