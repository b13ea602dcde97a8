"""The store's secret salt, which makes anonymous keys unguessable from IPs.

``state/salt`` holds one line: 64 hexadecimal characters from a secure random
generator, written once, atomically (a temporary file flushed to disk, then
linked into place, so that a crash or a full disk never leaves a half-written
salt, and a salt is never replaced). An operator may put their own salt there
(to share keys between stores): any single line of at least `MIN_LENGTH`
printable characters without spaces. An empty or malformed salt is refused
with an error: keys made with it would be unsalted hashes of IP and user agent.
"""

from __future__ import annotations

import re
import secrets

from playlog.errors import StoreError
from playlog.store.layout import Layout

MIN_LENGTH = 16
_VALID = re.compile(rf"[!-~]{{{MIN_LENGTH},1024}}")  # printable ASCII, no spaces
HINT = ("restore state/salt from a backup (see docs/operations.md); removing it makes a "
        "new salt, which gives every anonymous listener a new key")


def load_salt(layout: Layout) -> str:
    """The secret salt of anonymous keys, created once with a secure random generator."""
    existing = read_salt(layout)
    if existing is not None:
        return existing
    return _create(layout)


def read_salt(layout: Layout) -> str | None:
    """The stored salt (None when there is none yet); StoreError when it is unusable."""
    path = layout.salt
    try:
        text = layout.fs.read_bytes(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(str(path), f"cannot read the salt: {exc.strerror or exc}") from None
    salt = text.decode("ascii", "replace").strip()
    if not salt:
        raise StoreError(str(path), "the salt is empty", hint=HINT)
    if not _VALID.fullmatch(salt):
        raise StoreError(
            str(path), f"the salt is malformed (expected one line of {MIN_LENGTH} or more "
            "printable characters without spaces)", hint=HINT,
        )
    return salt


def _create(layout: Layout) -> str:
    salt = secrets.token_hex(32)
    if not layout.fs.create_once(layout.salt, (salt + "\n").encode(), layout.modes):
        existing = read_salt(layout)  # another run made one meanwhile: never replaced
        assert existing is not None
        return existing
    return salt
