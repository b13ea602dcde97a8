"""`playlog realtime [--at T] [--watch N] [--follow PATH…]`.

Without --watch: the real-time view at T once. With --watch N: a rich live view
redrawn every N seconds, re-reading the store each time and, with --follow,
ingesting the given logs first (what is new since the last run). JSON with
--watch is JSON Lines: one object per line per refresh, flushed at once; CSV
prints one key,value block per refresh. Ctrl-C (or --count N refreshes) ends
the watch.
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
    FilterOpt,
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

Current listeners, streams started and bytes served in the last hour, the
tracks playing now, countries, quality, the error rate and the buffer health;
and the live visitors of event pages (a record in the last 5 minutes) with the
pages they read.
--watch N redraws it every N seconds until Ctrl-C (or --count refreshes);
with --format json it prints one JSON object per line per refresh (JSON
Lines), for a pipe or a log. --follow also ingests the named logs before each
refresh, so no cron job is needed while watching.

Examples:
  playlog realtime --at 2026-11-20T21:00Z
  playlog realtime --at 2026-11-20T21:00Z --format json
  playlog realtime --at 2026-11-20T21:00Z -o now.html
  playlog realtime --watch 1 --count 3 --format json
  playlog realtime --watch 10 --count 1 --follow sample_data/logs
  playlog realtime --at 2026-11-20T21:00Z --filter country=FR
"""


def register(app: typer.Typer) -> None:
    command(app, "realtime", REALTIME_HELP, "Reports")(realtime_command)


def realtime_command(
    watch: Annotated[float | None, typer.Option(
        "--watch", min=0.5, metavar="SECONDS", help="Refresh every SECONDS (at least 0.5).")
    ] = None,
    count: Annotated[int | None, typer.Option(
        "--count", min=1, metavar="N", help="With --watch: stop after N refreshes.")
    ] = None,
    follow: Annotated[list[Path] | None, typer.Option(
        "--follow", metavar="PATH",
        help="With --watch: ingest this log file or folder before each refresh (repeatable).")
    ] = None,
    data: DataOpt = None, until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False, filters: FilterOpt = None,
    output: OutputOpt = None,
) -> None:
    from playlog.config import load_settings
    from playlog.query.window import resolve_instant

    settings = load_settings(data=data, tz=tz)
    chosen = tuple(filters or ())
    if watch is None:
        if follow or count:
            option = "--follow" if follow else "--count"
            raise UsageError(option, "needs --watch", hint="e.g. --watch 10 " + option)
        at = resolve_instant(until, settings.tz)  # a bad --at is a usage error before any read
        emit("realtime", _snapshot(settings, until, include_bots, chosen), fmt, output=output,
             context={"at": at, "tz": settings.tz})
        return
    if until is not None:
        raise UsageError("--at", "cannot be used with --watch", hint="--watch always shows now")
    if output is not None or resolve_format(fmt) == OutputFormat.html:
        raise UsageError("--watch", "writes to stdout in table, json or csv",
                         hint="a page that refreshes itself is playlog serve's dashboard")
    _watch(settings, watch, follow or [], resolve_format(fmt), (include_bots, chosen), count)


def _snapshot(settings: Any, at: str | None, include_bots: bool,
              filters: tuple[str, ...] = ()) -> dict[str, Any]:
    from playlog.query.run import ReportOptions, run_report
    from playlog.store.reader import connect

    con = connect(settings.data_dir)
    try:
        options = ReportOptions(until=at, tz=settings.tz, include_bots=include_bots,
                                filters=filters)
        return run_report(con, "realtime", options)
    finally:
        con.close()


def _refresh(settings: Any, follow: list[Path], which: tuple[bool, tuple[str, ...]]
             ) -> dict[str, Any]:
    """A fresh snapshot; ``which``: (include bots, filters)."""
    from playlog.query.window import iso_utc, now_utc

    if follow:
        _ingest(follow, settings)
    return _snapshot(settings, iso_utc(now_utc()), *which)


def _ingest(paths: list[Path], settings: Any) -> None:
    try:
        from playlog.pipeline import ingest
    except ImportError as exc:
        raise PlaylogError("--follow needs the ingest pipeline, which this build lacks") from exc
    ingest(paths, settings, wait=5.0)


def _watch(settings: Any, every: float, follow: list[Path], fmt: OutputFormat,
           include_bots: tuple[bool, tuple[str, ...]], count: int | None) -> None:
    try:
        if fmt == OutputFormat.table:
            _live(settings, every, follow, include_bots, count)
            return
        from playlog.render.jsonout import render_json_line

        for _ in _refreshes(every, count):
            data = _refresh(settings, follow, include_bots)
            if fmt == OutputFormat.json:
                sys.stdout.write(render_json_line(data))
            else:
                emit("realtime", data, fmt)
            sys.stdout.flush()
    except KeyboardInterrupt:
        return


def _refreshes(every: float, count: int | None):
    """0, 1, 2 … (``count`` of them, else forever), sleeping ``every`` seconds between."""
    n = 0
    while count is None or n < count:
        if n:
            time.sleep(every)
        yield n
        n += 1


def _live(settings: Any, every: float, follow: list[Path],
          include_bots: tuple[bool, tuple[str, ...]], count: int | None) -> None:
    from rich.console import Group
    from rich.live import Live

    from playlog.query.window import iso_utc, now_utc
    from playlog.render.table import layout

    def frame() -> Group:
        data = _refresh(settings, follow, include_bots)
        stamp = f"{iso_utc(now_utc())} · every {every:g}s · Ctrl-C to stop"
        return Group(stamp, *layout("realtime", data))

    refreshes = _refreshes(every, count)
    next(refreshes)
    with Live(frame(), console=console(), auto_refresh=False) as live:
        for _ in refreshes:
            live.update(frame(), refresh=True)
