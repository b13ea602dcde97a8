"""Who may read the store: the permission modes of what playlog creates in it.

The store holds full IP addresses and user ids, so by default (``store_mode =
"private"``) every folder playlog creates is 0700 and every file 0600: only
the owner (the account that runs ingest) can read them. ``store_mode =
"group"`` makes them 0750 and 0640, for a reporting group that runs the report
commands under its own accounts (docs/operations.md says how to set the
group). The modes are set exactly, whatever the umask. Folders and files that
exist already are left as they are; ``playlog doctor`` lists those others can
read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from playlog.errors import UsageError


@dataclass(frozen=True)
class Modes:
    folder: int
    file: int


PRIVATE = Modes(0o700, 0o600)
GROUP = Modes(0o750, 0o640)
STORE_MODES = {"private": PRIVATE, "group": GROUP}


def store_modes(name: str | None, where: str = "store_mode") -> Modes:
    """The modes a ``store_mode`` setting names (private when unset)."""
    if name is None:
        return PRIVATE
    try:
        return STORE_MODES[str(name).strip().lower()]
    except KeyError:
        raise UsageError(where, f"unknown store mode '{name}'",
                         hint="use private (0700/0600) or group (0750/0640)") from None


def make_dirs(path: Path, modes: Modes) -> None:
    """Create `path` and its missing parents, each new one with the folder mode."""
    missing = []
    here = Path(path)
    while not here.exists():
        missing.append(here)
        if here.parent == here:
            break
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=modes.folder)
        except FileExistsError:
            continue  # made meanwhile by another run
        os.chmod(folder, modes.folder)  # the umask may have taken bits away


def create_file(path: Path, modes: Modes) -> None:
    """Create (or truncate) `path` with the file mode, for a writer that opens it by name."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, modes.file)
    try:
        os.fchmod(fd, modes.file)
    finally:
        os.close(fd)


def readable_by_others(root: Path) -> list[str]:
    """Folders and files under `root` (and itself) that users outside its group can read."""
    paths = [str(root)]
    for folder, dirs, files in os.walk(root):
        paths.extend(os.path.join(folder, name) for name in (*dirs, *files))
    found = []
    for path in paths:
        try:
            if os.lstat(path).st_mode & 0o004:
                found.append(path)
        except FileNotFoundError:  # removed by a run meanwhile
            continue
    return sorted(found)
