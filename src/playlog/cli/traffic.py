"""`playlog traffic`: the web-traffic report of access logs (query/traffic.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from playlog.cli.errors import command
from playlog.cli.options import (
    DataOpt,
    DaysOpt,
    FilterOpt,
    FromOpt,
    IncludeBotsOpt,
    OutputOpt,
    ReportFormatOpt,
    ToOpt,
    TzOpt,
    UntilOpt,
)
from playlog.cli.output import emit

TRAFFIC_HELP = """Web traffic of the ingested access logs, as GoAccess shows it (default: 7 days).

Requests, visitors and bandwidth with the change against the previous window,
by day and hour; the top pages, static files and 404s; status codes,
referrers, sources, browsers, operating systems, devices, countries, virtual
hosts and crawlers. A visitor is one IP and user agent per day (requests
answered 4xx left out); bots are left out unless --include-bots. Days and
hours are in --tz: give the log's own zone to get GoAccess's days.

Examples:
  playlog traffic --days 7 --until 2026-11-21
  playlog traffic --from 2026-11-14 --to 2026-11-21 --tz Europe/Paris --include-bots
  playlog traffic --days 7 --until 2026-11-21 --limit 20 --format json
  playlog traffic --days 7 --until 2026-11-21 -o traffic.html
  playlog traffic --days 7 --until 2026-11-21 --filter status=4xx --filter browser!=curl
"""


def register(app: typer.Typer) -> None:
    command(app, "traffic", TRAFFIC_HELP, "Reports")(traffic_command)


def traffic_command(
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N",
                          help="Rows of each top list (default 10).")
    ] = 10,
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False, filters: FilterOpt = None, output: OutputOpt = None,
) -> None:
    from playlog.cli.reports import _context, _run
    from playlog.query.span import empty_message

    settings, window, result = _run("traffic", None, data, tz, days, from_, to, until,
                                    include_bots, filters, limit=limit)
    nothing = not (result["totals"]["requests"] or result["totals"]["bot_requests"])
    empty = (empty_message(settings.data_dir, "requests", window, filters=result["filters"])
             if nothing else None)
    emit("traffic", result, fmt, empty=empty, output=output, context=_context(window))
