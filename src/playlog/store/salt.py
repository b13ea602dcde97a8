"""The store's secret salt, which makes anonymous keys unguessable from IPs."""

from __future__ import annotations

import os
import secrets

from playlog.store.layout import Layout


def load_salt(layout: Layout) -> str:
    """The secret salt of anonymous keys, created once with a secure random generator."""
    if layout.salt.is_file():
        return layout.salt.read_text().strip()
    salt = secrets.token_hex(32)
    layout.salt.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.salt, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(salt + "\n")
    return salt
