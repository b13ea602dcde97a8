"""An importable ASGI app for other servers (``granian --interface asgi
playlog.serve.asgi:app``): settings from ``PLAYLOG_*`` variables and the config
file, as `playlog serve` reads them (``PLAYLOG_INGEST_EVERY``,
``PLAYLOG_NO_CLEANUP`` stand for its flags). Run one process: the ingest timer
and the writer belong to it."""

from __future__ import annotations

import os

from playlog.config import load_settings
from playlog.serve.app import create_app
from playlog.serve.config import resolve

app = create_app(resolve(load_settings(), host=os.environ.get("PLAYLOG_HOST"),
                         ingest_every=os.environ.get("PLAYLOG_INGEST_EVERY"),
                         cleanup=not os.environ.get("PLAYLOG_NO_CLEANUP")))
