"""Running the app: granian (the default) or uvicorn, one serving process, one line at start.

docs/performance.md has the load test both were measured on; granian answered
more requests with lower latency on every phase. With granian, the command's
process supervises one worker process that runs the app (the socket is bound
first, so no connection is refused while it starts); the worker gets the
options through ``PLAYLOG_SERVE_OPTIONS`` and dies with its parent, so a
``kill -9`` of serve stops everything at once, as with uvicorn's single process.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from playlog.errors import PlaylogError
from playlog.serve.config import ServeConfig

OPTIONS_ENV = "PLAYLOG_SERVE_OPTIONS"
SERVERS = ("granian", "uvicorn")


def banner(config: ServeConfig) -> None:
    every = "never (cron)" if config.ingest_every <= 0 else f"{config.ingest_every:g}s"
    reads = "need a token" if config.read_token else "open"
    sys.stderr.write(f"playlog: serving {config.url} (data {config.settings.data_dir}, "
                     f"ingest every {every}, reads {reads})\n")
    sys.stderr.flush()


def serve(config: ServeConfig, options: dict[str, Any], server: str = "granian") -> None:
    """Serve until SIGINT/SIGTERM (which write what is queued and close the files).
    `options` are the command's, for granian's worker to resolve again."""
    try:
        if server == "uvicorn":
            _uvicorn(config)
        else:
            _granian(config, options)
    except OSError as exc:
        raise PlaylogError(f"cannot listen on {config.host}:{config.port}: "
                           f"{exc.strerror or exc}", hint="is another serve running?") from None


def _granian(config: ServeConfig, options: dict[str, Any]) -> None:
    from granian import Granian
    from granian.constants import Interfaces, Loops

    os.environ[OPTIONS_ENV] = json.dumps(options)
    Granian("playlog.serve.asgi:app", address=config.host, port=config.port,
            interface=Interfaces.ASGI, workers=1, loop=Loops.uvloop, log_enabled=False,
            backlog=2048, websockets=True).serve()


def _uvicorn(config: ServeConfig) -> None:
    import uvicorn

    from playlog.serve.app import create_app

    app = create_app(config, on_ready=banner)
    uv = uvicorn.Config(
        app, host=config.host, port=config.port, log_level="warning", access_log=False,
        http="httptools", loop="uvloop", ws="websockets-sansio", lifespan="on",
        backlog=2048, timeout_keep_alive=30, proxy_headers=False, server_header=False,
    )
    server = uvicorn.Server(uv)
    server.run()
    if not server.started:
        raise SystemExit(1)
