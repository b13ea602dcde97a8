"""`playlog realtime [--at T] [--watch N] [--follow PATH…]`.

Without --watch: the real-time view at T once. With --watch N: a rich live view
redrawn every N seconds, re-reading the store each time and, with --follow,
ingesting the given logs first (what is new since the last run). JSON and CSV
with --watch print one object per refresh. Ctrl-C ends the watch.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from playlog.cli.errors import command
from playlog.cli.options import (
    DataOpt,
    IncludeBotsOpt,
    OutputFormat,
    OutputOpt,
    ReportFormatOpt,
    TzOpt,
    UntilOpt,
    resolve_format,
)
from playlog.cli.output import console, emit
from playlog.errors import PlaylogError, UsageError

REALTIME_HELP = """Listeners right now (or at --at T) and the activity of the last hour.

Streams and bytes of the last hour, top tracks, countries, quality, errors and
buffer health; --watch N redraws it every N seconds.

Examples:

  playlog realtime

  playlog realtime --at 2026-11-20T18:00Z --format json

  playlog realtime --at 2026-11-20T18:00Z -o now.html

  playlog realtime --watch 10

  playlog realtime --watch 5 --follow /var/log/playlog/
"""


def register(app: typer.Typer) -> None:
    command(app, "realtime", REALTIME_HELP)(realtime_command)


def realtime_command(
    watch: Annotated[
        float | None, typer.Option("--watch", min=0.5, help="Refresh every N seconds.")
    ] = None,
    follow: Annotated[
        list[Path] | None,
        typer.Option("--follow", help="With --watch: ingest these logs before each refresh."),
    ] = None,
    data: DataOpt = None, until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False,
    output: OutputOpt = None,
) -> None:
    from playlog.config import load_settings
    from playlog.query.window import resolve_instant

    settings = load_settings(data=data, tz=tz)
    if watch is None:
        if follow:
            raise UsageError("--follow", "needs --watch", hint="e.g. --watch 10 --follow LOGS")
        at = resolve_instant(until, settings.tz)  # a bad --at is a usage error before any read
        emit("realtime", _snapshot(settings, until, include_bots), fmt, output=output,
             context={"at": at, "tz": settings.tz})
        return
    if until is not None:
        raise UsageError("--at", "cannot be used with --watch", hint="--watch always shows now")
    if output is not None or resolve_format(fmt) == OutputFormat.html:
        raise UsageError("--watch", "writes to stdout in table, json or csv",
                         hint="a page that refreshes itself is playlog serve's dashboard")
    _watch(settings, watch, follow or [], resolve_format(fmt), include_bots)


def _snapshot(settings: Any, at: str | None, include_bots: bool) -> dict[str, Any]:
    from playlog.query.run import ReportOptions, run_report
    from playlog.store.reader import connect

    con = connect(settings.data_dir)
    try:
        options = ReportOptions(until=at, tz=settings.tz, include_bots=include_bots)
        return run_report(con, "realtime", options)
    finally:
        con.close()


def _refresh(settings: Any, follow: list[Path], include_bots: bool) -> dict[str, Any]:
    from playlog.query.window import iso_utc, now_utc

    if follow:
        _ingest(follow, settings)
    return _snapshot(settings, iso_utc(now_utc()), include_bots)


def _ingest(paths: list[Path], settings: Any) -> None:
    try:
        from playlog.pipeline import ingest
    except ImportError as exc:
        raise PlaylogError("--follow needs the ingest pipeline, which this build lacks") from exc
    ingest(paths, settings, wait=5.0)


def _watch(settings: Any, every: float, follow: list[Path], fmt: OutputFormat, include_bots: bool) -> None:
    try:
        if fmt != OutputFormat.table:
            while True:
                emit("realtime", _refresh(settings, follow, include_bots), fmt)
                sys.stdout.flush()
                time.sleep(every)
        _live(settings, every, follow, include_bots)
    except KeyboardInterrupt:
        return


def _live(settings: Any, every: float, follow: list[Path], include_bots: bool) -> None:
    from rich.console import Group
    from rich.live import Live

    from playlog.query.window import iso_utc, now_utc
    from playlog.render.table import layout

    def frame() -> Group:
        data = _refresh(settings, follow, include_bots)
        stamp = f"{iso_utc(now_utc())} · every {every:g}s · Ctrl-C to stop"
        return Group(stamp, *layout("realtime", data))

    with Live(frame(), console=console(), auto_refresh=False) as live:
        while True:
            time.sleep(every)
            live.update(frame(), refresh=True)
