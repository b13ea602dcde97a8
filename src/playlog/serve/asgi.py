"""The ASGI app as an importable object (``playlog.serve.asgi:app``).

`playlog serve` runs it in granian's worker, passing its options in
``PLAYLOG_SERVE_OPTIONS``; the worker then dies with the command's process.
Another ASGI server can import it too (``granian --interface asgi
playlog.serve.asgi:app``): the settings then come from the ``PLAYLOG_*``
variables and the config file, as `playlog serve` reads them
(``PLAYLOG_INGEST_EVERY``, ``PLAYLOG_NO_CLEANUP`` and ``PLAYLOG_HOST`` stand for
its flags). Run one worker process: the writer and the timers belong to it.
"""

from __future__ import annotations

import json
import os
import signal
import sys


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0),
                                ctypes.c_ulong(0), ctypes.c_ulong(0))  # PR_SET_PDEATHSIG


def _build():
    from playlog.config import load_settings
    from playlog.serve.app import create_app
    from playlog.serve.config import resolve
    from playlog.serve.server import OPTIONS_ENV, banner

    given = os.environ.get(OPTIONS_ENV)
    if given:
        _die_with_parent()
        options = json.loads(given)
        settings = load_settings(data=options.pop("data"), tz=options.pop("tz"))
        return create_app(resolve(settings, **options), on_ready=banner)
    return create_app(resolve(load_settings(), host=os.environ.get("PLAYLOG_HOST"),
                             ingest_every=os.environ.get("PLAYLOG_INGEST_EVERY"),
                             cleanup=not os.environ.get("PLAYLOG_NO_CLEANUP")), on_ready=banner)


app = _build()
