"""Report commands: `track`, `user`, `event`, `report` (the rankings: cli/rankings.py).

Each command resolves its window, runs one query function and hands the result
to a renderer. polars/duckdb/rich are imported inside the commands so that
`playlog --help` stays fast.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

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


class Period(str, Enum):
    hour = "hour"
    day = "day"
    week = "week"
    month = "month"


ALL_TIME = "Without --days or --from the window is all time up to --until."
LAST_WEEK = "Without --days or --from the window is the 7 x 24 h ending at --until."
UNKNOWN_ID = ("An id the store has never seen is an error (exit status 1) naming the "
              "closest known ids; a known id without activity in the window gives zeros.")

TRACK_HELP = f"""One track: plays, listeners, completion, skips, when and where it is played.

Over the track's sessions started in the window: plays, unique listeners,
listening time, average completion, skip rate, virality, peak concurrent
listeners, plays by hour and by day, and the quality, country and platform
shares. Titles and artists come from the catalog. {ALL_TIME} {UNKNOWN_ID}

Examples:
  playlog track t0000
  playlog track t0000 --days 3 --until 2026-11-21 --tz Europe/Paris
  playlog track t0002 --from 2026-11-14 --to 2026-11-21 --format json
  playlog track t0000 --filter country=FR|DE --filter platform!=web
"""

USER_HELP = f"""One user: listening time, habits, favourite genres and devices.

Over the user's sessions started in the window: listening time, tracks played
and unique tracks, discovery rate, average session, favourite genres (from
the catalog), top artists and tracks by listening time, completion, skip
rate, binge listening, most active hours, plays by weekday, weekend against
weekday listening, platforms and preferred quality. Over a year of an
imported listening history (--from 2023-01-01 --to 2024-01-01) this is a
year in review. {ALL_TIME} {UNKNOWN_ID}

Examples:
  playlog user u00076
  playlog user u00076 --from 2026-11-16 --to 2026-11-21 --format json
  playlog user u00076 --filter quality=high
  playlog ingest sample_data/exports --user alice --data alice
  playlog user alice --from 2023-01-01 --to 2024-01-01 --data alice
"""

EVENT_HELP = f"""One event page: views, unique views, clicks, bounce rate and traffic.

Totals over the window (views, unique views, clicks, shares, favourites,
ticket and external clicks, time on page, bounce rate, the funnel from views to
clicks to tickets, peak hour and weekday, traffic sources, devices, age groups
and genders; the title from the event catalog) and the views of the 24 h, 7 and 30 days ending at
--at. With --period, one row per local hour, day, ISO week or month of the
window instead. {ALL_TIME} {UNKNOWN_ID}

Examples:
  playlog event ev000
  playlog event ev000 --at 2026-11-20T18:00Z --format json
  playlog event ev001 --period day --from 2026-11-14 --to 2026-11-21 --format csv
  playlog event ev000 --filter source=google --filter device=mobile
"""

REPORT_HELP = f"""The period report: totals and changes, top tracks, listeners and pages.

Totals of the window against the previous window of the same length, top
tracks, artists, genres and listeners, plays by day, hour and weekday x hour,
the platform, quality and country shares, and the event pages of the window:
their totals, engagement (bounce rate, time on page, views to clicks to
tickets), top pages, traffic sources, devices, age groups and genders. With
--filter, a part whose data lacks a filtered dimension is left out. {LAST_WEEK}

Examples:
  playlog report --from 2026-11-14 --to 2026-11-21
  playlog report --from 2026-11-14 --to 2026-11-21 --tz Asia/Kolkata
  playlog report --days 7 --until 2026-11-21 --format json
  playlog report --days 7 --until 2026-11-21 -o report.html
  playlog report --days 7 --until 2026-11-21 --filter country=FR
  playlog ingest sample_data/exports --user alice --data alice
  playlog report --from 2023-01-01 --to 2024-01-01 --data alice
"""

REPORTS = "Reports"


def register(app: typer.Typer) -> None:
    command(app, "track", TRACK_HELP, REPORTS)(track_command)
    command(app, "user", USER_HELP, REPORTS)(user_command)
    command(app, "event", EVENT_HELP, REPORTS)(event_command)
    command(app, "report", REPORT_HELP, REPORTS)(report_command)


def _run(kind, item, data, tz, days, from_, to, until, include_bots, filters=None, **extra):
    """Settings, then the report through query.run (the function serve calls too)."""
    from playlog.config import load_settings
    from playlog.query.run import ReportOptions, report_window, run_report
    from playlog.store.reader import connect

    settings = load_settings(data=data, tz=tz)
    options = ReportOptions(days=days, from_=from_, to=to, until=until, tz=settings.tz,
                            include_bots=include_bots, filters=tuple(filters or ()), **extra)
    window = report_window(kind, options)
    return settings, window, run_report(connect(settings.data_dir), kind, options, item)


def _empty(settings: Any, dataset: str, window: Any, nothing: bool,
           filters: list[str] | None = None) -> str | None:
    from playlog.query.span import empty_message

    return empty_message(settings.data_dir, dataset, window, filters=filters) if nothing else None


def _context(window: Any, **extra: Any) -> dict[str, Any]:
    """What an HTML page shows beside the data: the window as the answer writes it
    (``from`` null for all time), and e.g. the ranking."""
    return {"window": window.as_dict(), **extra}


def track_command(
    track_id: Annotated[str, typer.Argument(metavar="TRACK_ID", help="A track id (as in the "
                                            "logs and the catalog).", show_default=False)],
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False, filters: FilterOpt = None,
    output: OutputOpt = None,
) -> None:
    settings, window, result = _run("track", track_id, data, tz, days, from_, to, until,
                                    include_bots, filters)
    empty = _empty(settings, "sessions", window, not result["total_plays"], result["filters"])
    emit("track", result, fmt, empty=empty, output=output, context=_context(window))


def user_command(
    user_id: Annotated[str, typer.Argument(metavar="USER_ID", help="A user id (the logs' "
                                           "user_id).", show_default=False)],
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False, filters: FilterOpt = None,
    output: OutputOpt = None,
) -> None:
    settings, window, result = _run("user", user_id, data, tz, days, from_, to, until,
                                    include_bots, filters)
    empty = _empty(settings, "sessions", window, not result["tracks_played"], result["filters"])
    emit("user", result, fmt, empty=empty, output=output, context=_context(window))


def event_command(
    event_id: Annotated[str, typer.Argument(metavar="EVENT_ID", help="An event page id (the "
                                            "logs' event_id).", show_default=False)],
    period: Annotated[
        Period | None, typer.Option("--period", help="One row per local hour, day, ISO week or "
                                    "month of the window.")
    ] = None,
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False, filters: FilterOpt = None,
    output: OutputOpt = None,
) -> None:
    from playlog.query.event import PERIOD_FIELDS

    if period is not None:
        settings, window, found = _run("event-periods", event_id, data, tz, days, from_, to,
                                       until, include_bots, filters, period=period.value)
        empty = _empty(settings, "events", window, not found["periods"], found["filters"])
        emit("event-periods", found, fmt, rows="periods", columns=PERIOD_FIELDS, empty=empty,
             output=output, context=_context(window, event_id=event_id, period=period.value))
        return
    settings, window, result = _run("event", event_id, data, tz, days, from_, to, until,
                                    include_bots, filters)
    nothing = not (result["total_views"] or result["traffic_sources"])
    emit("event", result, fmt, empty=_empty(settings, "events", window, nothing,
                                            result["filters"]),
         output=output, context=_context(window))


def report_command(
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False, filters: FilterOpt = None,
    output: OutputOpt = None,
) -> None:
    settings, window, result = _run("report", None, data, tz, days, from_, to, until,
                                    include_bots, filters)
    nothing = not ((result.get("totals") or {}).get("total_plays")
                   or result.get("traffic_sources") or "web_traffic" in result)
    emit("report", result, fmt, empty=_empty(settings, "sessions", window, nothing,
                                             result["filters"]),
         output=output, context=_context(window))
