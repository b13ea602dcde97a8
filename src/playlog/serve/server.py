"""Running the app: uvicorn (httptools, uvloop) on one process, one line logged at start.

docs/performance.md says why this stack: measured against granian on the
same load test, uvicorn with httptools gave the better latency on two cores.
"""

from __future__ import annotations

import logging
import sys

from playlog.serve.config import ServeConfig


def serve(config: ServeConfig) -> None:
    """Serve until interrupted (SIGINT/SIGTERM end it cleanly, writing what is queued)."""
    import uvicorn

    from playlog.serve.app import create_app

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)

    def ready(cfg: ServeConfig) -> None:
        sys.stderr.write(f"playlog: serving {cfg.url} (data {cfg.settings.data_dir}, "
                         f"ingest every {_every(cfg.ingest_every)}, "
                         f"reads {'need a token' if cfg.read_token else 'open'})\n")
        sys.stderr.flush()

    app = create_app(config, on_ready=ready)
    uv = uvicorn.Config(
        app, host=config.host, port=config.port, log_level="warning", access_log=False,
        http="httptools", loop="uvloop", ws="websockets-sansio", lifespan="on",
        backlog=2048, timeout_keep_alive=30, proxy_headers=False, server_header=False,
    )
    server = uvicorn.Server(uv)
    server.run()
    if not server.started:
        raise SystemExit(1)


def _every(seconds: float) -> str:
    return "never (cron)" if seconds <= 0 else f"{seconds:g}s"
