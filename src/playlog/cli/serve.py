"""`playlog serve`: the collector and read API (docs/serve.md)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from playlog.cli.errors import STORE_COMMANDS, command
from playlog.cli.options import DataOpt, TzOpt

SERVE_HELP = """Collect sessions and events over HTTP, answer the reports as JSON.

The write API (session start/progress/end, event-page events, batches of native
records) acknowledges a record only once it is a line on disk in
<data>/incoming/; serve ingests that folder every --ingest-every (the ordinary
ingest, under the same lock as cron's) and runs the configured [cleanup] once a
day. Reads answer with the JSON of the report commands; the dashboard is at /.
Binding anything but loopback needs a read token.

It runs until stopped (Ctrl-C, SIGTERM); the curl examples are requests to a
running serve.

Examples:
  playlog serve
  playlog serve --port 8321 --ingest-every 30s --push-every 2s
  PLAYLOG_READ_TOKEN=s3cret playlog serve --host 0.0.0.0 --trusted-proxy 127.0.0.1
  curl -s 'localhost:8321/api/analytics/report?days=7&until=2026-11-21'
  curl -s -XPOST localhost:8321/api/analytics/session/start -d '{"trackId":"t1"}'
"""


class ServerChoice(str, Enum):
    granian = "granian"
    uvicorn = "uvicorn"


def register(app: typer.Typer) -> None:
    command(app, "serve", SERVE_HELP, STORE_COMMANDS)(serve_command)


def serve_command(
    host: Annotated[Optional[str], typer.Option(
        "--host", metavar="ADDRESS", help="Address to listen on (127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(
        "--port", "-p", min=0, max=65535, metavar="PORT", help="Port (8321).")] = None,
    read_token: Annotated[Optional[str], typer.Option(
        "--read-token", metavar="TOKEN", help="Bearer token the reads and the dashboard need "
        "(else $PLAYLOG_READ_TOKEN, config read_token).", show_default=False)] = None,
    trusted_proxy: Annotated[Optional[list[str]], typer.Option(
        "--trusted-proxy", metavar="IP/NET", help="A proxy (IP or network) whose X-Forwarded-For hop is the "
        "client; repeatable.")] = None,
    ingest_every: Annotated[Optional[str], typer.Option(
        "--ingest-every", metavar="DURATION", help="Ingest incoming/ this often (60s; 0 = leave it to cron).")] = None,
    push_every: Annotated[Optional[str], typer.Option(
        "--push-every", metavar="DURATION", help="Realtime WebSocket push interval (5s).")] = None,
    no_cleanup: Annotated[bool, typer.Option(
        "--no-cleanup", help="Do not run the daily [cleanup] (cron does it).")] = False,
    server: Annotated[ServerChoice, typer.Option(
        "--server", help="The HTTP server: granian (default) or uvicorn.")] = ServerChoice.granian,
    data: DataOpt = None,
    tz: TzOpt = None,
) -> None:
    from playlog.config import load_settings
    from playlog.query.window import check_zone
    from playlog.serve.config import resolve
    from playlog.serve.server import serve

    settings = load_settings(data=data, tz=tz)
    check_zone(settings.tz)
    options = {"host": host, "port": port, "read_token": read_token,
               "trusted_proxies": trusted_proxy, "ingest_every": ingest_every,
               "push_every": push_every, "cleanup": not no_cleanup}
    config = resolve(settings, **options)  # refuses bad options here, before any process starts
    serve(config, {**options, "port": config.port, "data": str(settings.data_dir),
                   "tz": settings.tz}, server=server.value)
