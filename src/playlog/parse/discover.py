"""Which files to read: explicit file arguments always, and the log files of folders.

In a folder, a file is read when its name is a log's as servers and logrotate
write them: ``*.log``, ``*_log`` (Apache on Red Hat: ``access_log``),
``*.jsonl``, ``*.ndjson``, ``*.json``, CloudFront's
``DISTRIBUTION.YYYY-MM-DD-HH.ID.gz``; each optionally rotated (``.1``, ``.2``,
or logrotate's dateext ``-20261130``) and compressed (``.gz``, ``.bz2``,
``.zst``). Error logs (a name with ``error`` or ``errors`` as a word:
``error.log``, ``ssl_error_log``, ``site-error.log.1``) and hidden files are
skipped. Listening exports not named as logs are read too: Last.fm CSV files
(``*scrobble*.csv``, ``*lastfm*.csv``, ``*recenttracks*.csv``) and a portable
player's ``.scrobbler.log`` (the one hidden file read).

``-`` stands for standard input. A folder without any log file is reported
(`Found.empty`): unless the store read logs from it before (a collector's
folder that was emptied), it is a mistyped path or a collector that never
wrote, not a quiet log. A file that disappears while the folders are
searched (logrotate removing the oldest) is left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from playlog.errors import InputError

# Names a folder's files must match to be read (explicit file arguments are always read).
LOG_SUFFIXES = (".jsonl", ".ndjson", ".json", ".log", "_log")
COMPRESSED = (".gz", ".bz2", ".zst")
ROTATED = re.compile(r"(?:\.\d+|-\d{8}(?:\d{2})?|-\d{4}-\d{2}-\d{2})$")
CLOUDFRONT = re.compile(r"^[A-Z0-9]+\.\d{4}-\d{2}-\d{2}-\d{2}\.[0-9a-f]+\.gz$")
WORDS = re.compile(r"[._-]")
STDIN = "-"
EXPORT_NAMES = re.compile(r"(scrobble|lastfm|last\.fm|recenttracks).*\.csv$", re.IGNORECASE)
HIDDEN_EXPORTS = (".scrobbler.log",)


@dataclass
class Found:
    files: list[Path] = field(default_factory=list)  # in order, each once; Path("-") is stdin
    empty: list[str] = field(default_factory=list)  # folders that hold no log file


def discover(paths: Iterable[Path | str]) -> Found:
    """The files to read: explicit files, and log files found in folders (recursively)."""
    found = Found()
    for item in map(Path, paths):
        if str(item) == STDIN:
            found.files.append(item)
        elif item.is_dir():
            logs = [
                p for p in sorted(item.rglob("*"))
                if _visible(p.name) and looks_like_log(p.name) and p.is_file()
            ]
            found.files.extend(logs)
            if not logs:
                found.empty.append(str(item))
        elif item.is_file():
            found.files.append(item)
        else:
            raise InputError(str(item), "no such file or directory")
    for path in found.files:
        if str(path) != STDIN and not os.access(path, os.R_OK) and path.exists():
            raise InputError(str(path), "permission denied")
    found.files = list(dict.fromkeys(found.files))
    return found


def _visible(name: str) -> bool:
    return not name.startswith(".") or _uncompressed(name) in HIDDEN_EXPORTS


def _uncompressed(name: str) -> str:
    return next((name[: -len(s)] for s in COMPRESSED if name.endswith(s)), name)


def looks_like_log(name: str) -> bool:
    """Is a file of this name in a folder a log to read? (see the module docstring)"""
    if CLOUDFRONT.match(name) or EXPORT_NAMES.search(_uncompressed(name)):
        return True
    stem = _uncompressed(name)
    while True:  # rotated: app.log.1, app.log.2.gz, access.log-20261130
        shorter = ROTATED.sub("", stem)
        if shorter == stem or not shorter:
            break
        stem = shorter
    if {"error", "errors"} & set(WORDS.split(stem.lower())):
        return False
    return stem.endswith(LOG_SUFFIXES)
