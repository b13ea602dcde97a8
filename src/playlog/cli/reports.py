"""Report commands: `track`, `user`, `event`, `top-tracks`, `top-events`, `report`.

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
    FromOpt,
    IncludeBotsOpt,
    LimitOpt,
    OutputOpt,
    ReportFormatOpt,
    ToOpt,
    TzOpt,
    UntilOpt,
)
from playlog.cli.output import emit


class TrackOrder(str, Enum):
    plays = "plays"
    listeners = "listeners"
    time = "time"


class EventOrder(str, Enum):
    views = "views"
    unique = "unique"
    clicks = "clicks"


class Period(str, Enum):
    hour = "hour"
    day = "day"
    week = "week"
    month = "month"


WINDOW_NOTE = "All time up to --until unless --days or --from/--to is given."

TRACK_HELP = f"""Plays, listeners, completion, skips and when and where a track is played.

{WINDOW_NOTE}

Examples:

  playlog track t-1234

  playlog track t-1234 --days 30 --tz Europe/Paris

  playlog track t-1234 --from 2026-11-01 --to 2026-11-08 --format json
"""

USER_HELP = f"""Listening time, habits, favourite genres and devices of one user.

{WINDOW_NOTE}

Examples:

  playlog user u-42

  playlog user u-42 --days 30 --format json
"""

EVENT_HELP = f"""Views, unique views, clicks, bounce rate and traffic of one event page.

{WINDOW_NOTE} Views over 24 h, 7 and 30 days end at --at.

Examples:

  playlog event evt-9

  playlog event evt-9 --at 2026-11-20T18:00Z --format json

  playlog event evt-9 --period day --days 30 --format csv
"""

TOP_TRACKS_HELP = """The most played tracks of a window (default: the last 7 days).

Ranked by plays (default), distinct listeners or listening time (--by), with
titles and artists from the catalog; --limit rows (default 10).

Examples:

  playlog top-tracks

  playlog top-tracks --days 30 --by listeners --limit 20

  playlog top-tracks --from 2026-11-01 --to 2026-12-01 --by time --format csv
"""

TOP_EVENTS_HELP = """The most viewed event pages of a window (default: the last 7 days).

Ranked by views (default), unique views or clicks (--by); --limit rows
(default 10).

Examples:

  playlog top-events

  playlog top-events --by unique --limit 5 --format json
"""

REPORT_HELP = """The weekly report: totals with changes, top tracks, listeners and event pages.

Totals against the previous window of the same length, top tracks and listeners,
plays by day and hour, platform, quality and country distributions, and the event
pages of the window (default: the last 7 days).

Examples:

  playlog report --days 7

  playlog report --from 2026-11-01 --to 2026-12-01 --tz Europe/Paris

  playlog report --days 7 --format json > weekly.json

  playlog report --days 7 --until 2026-11-21 -o report.html
"""


def register(app: typer.Typer) -> None:
    command(app, "track", TRACK_HELP)(track_command)
    command(app, "user", USER_HELP)(user_command)
    command(app, "event", EVENT_HELP)(event_command)
    command(app, "top-tracks", TOP_TRACKS_HELP)(top_tracks_command)
    command(app, "top-events", TOP_EVENTS_HELP)(top_events_command)
    command(app, "report", REPORT_HELP)(report_command)


def _run(kind, item, data, tz, days, from_, to, until, include_bots, **extra):
    """Settings, then the report through query.run (the function serve calls too)."""
    from playlog.config import load_settings
    from playlog.query.run import ReportOptions, report_window, run_report
    from playlog.store.reader import connect

    settings = load_settings(data=data, tz=tz)
    options = ReportOptions(days=days, from_=from_, to=to, until=until, tz=settings.tz,
                            include_bots=include_bots, **extra)
    window = report_window(kind, options)
    return settings, window, run_report(connect(settings.data_dir), kind, options, item)


def _empty(settings: Any, dataset: str, window: Any, nothing: bool) -> str | None:
    from playlog.query.span import empty_message

    return empty_message(settings.data_dir, dataset, window) if nothing else None


def _context(window: Any, **extra: Any) -> dict[str, Any]:
    """What an HTML page shows beside the data: the window as the answer writes it
    (``from`` null for all time), and e.g. the ranking."""
    return {"window": window.as_dict(), **extra}


def track_command(
    track_id: Annotated[str, typer.Argument(metavar="TRACK_ID", help="A track id (as in the "
                                            "logs and the catalog).", show_default=False)],
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False,
    output: OutputOpt = None,
) -> None:
    settings, window, result = _run("track", track_id, data, tz, days, from_, to, until,
                                    include_bots)
    empty = _empty(settings, "sessions", window, not result["total_plays"])
    emit("track", result, fmt, empty=empty, output=output, context=_context(window))


def user_command(
    user_id: Annotated[str, typer.Argument(metavar="USER_ID", help="A user id (the logs' "
                                           "user_id).", show_default=False)],
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False,
    output: OutputOpt = None,
) -> None:
    settings, window, result = _run("user", user_id, data, tz, days, from_, to, until,
                                    include_bots)
    empty = _empty(settings, "sessions", window, not result["tracks_played"])
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
    include_bots: IncludeBotsOpt = False,
    output: OutputOpt = None,
) -> None:
    from playlog.query.event import PERIOD_FIELDS

    if period is not None:
        settings, window, found = _run("event-periods", event_id, data, tz, days, from_, to,
                                       until, include_bots, period=period.value)
        empty = _empty(settings, "events", window, not found["periods"])
        emit("event-periods", found, fmt, rows="periods", columns=PERIOD_FIELDS, empty=empty,
             output=output, context=_context(window, event_id=event_id, period=period.value))
        return
    settings, window, result = _run("event", event_id, data, tz, days, from_, to, until,
                                    include_bots)
    nothing = not (result["total_views"] or result["traffic_sources"])
    emit("event", result, fmt, empty=_empty(settings, "events", window, nothing),
         output=output, context=_context(window))


def top_tracks_command(
    by: Annotated[TrackOrder, typer.Option(
        "--by", help="Rank by plays, distinct listeners or listening time (default plays).")
    ] = TrackOrder.plays,
    limit: LimitOpt = 10,
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False,
    output: OutputOpt = None,
) -> None:
    from playlog.query.top import TRACK_FIELDS

    settings, window, found = _run("top-tracks", None, data, tz, days, from_, to, until,
                                   include_bots, by=by.value, limit=limit)
    empty = _empty(settings, "sessions", window, not found["top_tracks"])
    emit("top-tracks", found, fmt, rows="top_tracks", columns=TRACK_FIELDS, empty=empty,
         output=output, context=_context(window, by=by.value))


def top_events_command(
    by: Annotated[EventOrder, typer.Option(
        "--by", help="Rank by views, unique views or clicks (default views).")
    ] = EventOrder.views,
    limit: LimitOpt = 10,
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False,
    output: OutputOpt = None,
) -> None:
    from playlog.query.top import EVENT_FIELDS

    settings, window, found = _run("top-events", None, data, tz, days, from_, to, until,
                                   include_bots, by=by.value, limit=limit)
    empty = _empty(settings, "events", window, not found["top_events"])
    emit("top-events", found, fmt, rows="top_events", columns=EVENT_FIELDS, empty=empty,
         output=output, context=_context(window, by=by.value))


def report_command(
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False,
    output: OutputOpt = None,
) -> None:
    settings, window, result = _run("report", None, data, tz, days, from_, to, until,
                                    include_bots)
    nothing = not (result["totals"]["total_plays"] or result["traffic_sources"]
                   or "web_traffic" in result)
    emit("report", result, fmt, empty=_empty(settings, "sessions", window, nothing),
         output=output, context=_context(window))
