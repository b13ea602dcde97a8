"""Ranked reports: the `top-*` charts, `breakdown DIMENSION` and `recent`.

Each command parses its options, runs its report through query.run (as serve
does) and renders it; polars/duckdb/rich are imported inside the commands.
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
    LimitOpt,
    OutputOpt,
    ReportFormatOpt,
    ToOpt,
    TzOpt,
    UntilOpt,
)
from playlog.cli.output import emit

REPORTS = "Reports"
LAST_WEEK = "Without --days or --from the window is the 7 x 24 h ending at --until."
MOVES = ("Each row has its rank in the previous window of the same length (previous_rank; "
         "tables show it as ▲3, ▼1, = or new). --period week|month gives one ranked list per "
         "local ISO week or month of the window, each moving against the period before.")


class ChartPeriod(str, Enum):
    week = "week"
    month = "month"


class Dataset(str, Enum):
    sessions = "sessions"
    events = "events"
    requests = "requests"


CHART_HELP = {
    "top-tracks": ("The most played tracks of a window.", "tracks",
                   "plays (the default), distinct listeners or listening time",
                   "Titles and artists come from the catalog.", [
                       "playlog top-tracks --until 2026-11-21",
                       ("playlog top-tracks --from 2026-11-14 --to 2026-11-21 --by listeners "
                        "--limit 20"),
                       "playlog top-tracks --days 3 --until 2026-11-21 --by time --format csv",
                       "playlog top-tracks --days 14 --until 2026-11-21 --period week",
                       ("playlog top-tracks --until 2026-11-21 --filter genre=jazz "
                        "--filter country!=US")]),
    "top-artists": ("The most played artists of a window (from the track catalog).", "artists",
                    "plays (the default), listening time or distinct listeners",
                    "Tracks the catalog does not know are left out.", [
                        "playlog top-artists --until 2026-11-21",
                        "playlog top-artists --until 2026-11-21 --by time --format json",
                        "playlog top-artists --days 28 --until 2026-11-21 --period week"]),
    "top-albums": ("The most played albums of a window (from the track catalog).", "albums",
                   "plays (the default), listening time or distinct listeners",
                   "An album shows its artist when all its tracks have the same one.", [
                       "playlog top-albums --until 2026-11-21",
                       "playlog top-albums --until 2026-11-21 --filter platform=mobile"]),
    "top-genres": ("The most played genres of a window (from the track catalog).", "genres",
                   "plays (the default), listening time or distinct listeners",
                   "Tracks the catalog does not know are left out.", [
                       "playlog top-genres --until 2026-11-21",
                       "playlog top-genres --until 2026-11-21 --by time --format csv"]),
    "top-events": ("The most viewed event pages of a window.", "event pages",
                   "views (the default), unique views, clicks or ticket clicks",
                   ("Each row has its engagement too: time on page, bounce rate and the "
                    "funnel from views to clicks to ticket clicks; titles from the event "
                    "catalog."), [
                       "playlog top-events --until 2026-11-21",
                       ("playlog top-events --until 2026-11-21 --by unique --limit 5 "
                        "--format json"),
                       "playlog top-events --until 2026-11-21 --filter source=google"]),
}


def _chart_help(name: str) -> str:
    summary, _what, orders, extra, examples = CHART_HELP[name]
    lines = "\n  ".join(examples)
    return (f"{summary}\n\nRanked by {orders} (--by), ties by name. {extra} {MOVES} "
            f"{LAST_WEEK}\n\nExamples:\n  {lines}\n")


BREAKDOWN_HELP = f"""One dataset's metrics for each value of a dimension.

Plausible's breakdown: for sessions, plays, listeners, listening time,
completion and skip rate; for event pages, views, unique views, clicks, ticket
clicks and bounce rate; for web requests, requests, visitors and bandwidth.
The dataset is --of, else the first of sessions, events and requests that has
the dimension. Rows are ranked by --by (the first metric by default) and show
their share of the window's total. Dimensions: those of --filter. {LAST_WEEK}

Examples:
  playlog breakdown country --until 2026-11-21
  playlog breakdown source --of events --by bounce --until 2026-11-21
  playlog breakdown browser --of requests --until 2026-11-21 --format json
  playlog breakdown artist --until 2026-11-21 --by time --filter platform=mobile
  playlog breakdown age_group --until 2026-11-21 --format csv
"""

RECENT_HELP = f"""The last plays, newest first: track, listener, platform and how much was played.

The --limit (default 20) sessions of the window that started last, with the
track's title and artist, the user, platform, device, country, the time played
and the share of the track it is, and how the session ended. {LAST_WEEK}

Examples:
  playlog recent --until 2026-11-21
  playlog recent --until 2026-11-21 --limit 5 --filter user=u00076
  playlog recent --until 2026-11-21 --format json
"""


def register(app: typer.Typer) -> None:
    from playlog.query.charts import CHARTS

    for name, chart in CHARTS.items():
        command(app, name, _chart_help(name), REPORTS)(_chart_command(name, chart.orders))
    command(app, "breakdown", BREAKDOWN_HELP, REPORTS)(breakdown_command)
    command(app, "recent", RECENT_HELP, REPORTS)(recent_command)


def _chart_command(name: str, orders: tuple[str, ...]):
    order = Enum(f"{name}-order", {o: o for o in orders}, type=str)  # type: ignore[misc]

    def chart_command(
        by: Any = None,
        limit: LimitOpt = 10,
        period: Annotated[ChartPeriod | None, typer.Option(
            "--period", help="One ranked list per local ISO week or calendar month.")] = None,
        data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
        until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
        include_bots: IncludeBotsOpt = False, filters: FilterOpt = None,
        output: OutputOpt = None,
    ) -> None:
        from playlog.cli.reports import _context, _empty, _run
        from playlog.query.charts import CHARTS, FIELDS

        chart = CHARTS[name]
        chosen = by.value if by is not None else orders[0]
        settings, window, found = _run(
            name, None, data, tz, days, from_, to, until, include_bots, filters, by=chosen,
            limit=limit, period=period.value if period else None)
        lists = [p[chart.rows] for p in found["periods"]] if period else [found[chart.rows]]
        empty = _empty(settings, chart.dataset, window, not any(lists), found["filters"])
        flat = ([{"period": p["period"], **r} for p in found["periods"] for r in p[chart.rows]]
                if period else None)
        emit(name, found, fmt, rows=chart.rows, columns=FIELDS[name], empty=empty,
             output=output, context=_context(window, by=chosen), csv_rows=flat)

    chart_command.__name__ = name.replace("-", "_") + "_command"
    # the choices of --by differ per chart: the annotation is built here, not in the source
    chart_command.__annotations__["by"] = Annotated[order | None, typer.Option(
        "--by", help=f"Rank by {', '.join(orders)} (default {orders[0]}).")]
    return chart_command


def breakdown_command(
    dimension: Annotated[str, typer.Argument(
        metavar="DIMENSION", help="What to break down by: country, source, browser, page, "
        "artist … (the dimensions of --filter).", show_default=False)],
    of: Annotated[Dataset | None, typer.Option(
        "--of", help="The dataset: sessions, events (event pages) or requests (web traffic); "
        "default: the first that has DIMENSION.")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="METRIC", help="Rank by plays, listeners, time, completion, skips "
        "(sessions); views, unique, clicks, tickets, bounce (events); requests, visitors, "
        "bandwidth (requests). Default: the first.")] = None,
    limit: LimitOpt = 10,
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False, filters: FilterOpt = None,
    output: OutputOpt = None,
) -> None:
    from playlog.cli.reports import _context, _empty, _run

    settings, window, found = _run("breakdown", dimension, data, tz, days, from_, to, until,
                                   include_bots, filters, by=by, limit=limit,
                                   of=of.value if of else None)
    empty = _empty(settings, found["dataset"], window, not found["breakdown"], found["filters"])
    emit("breakdown", found, fmt, rows="breakdown", columns=_columns(found), empty=empty,
         output=output, context=_context(window, dimension=found["dimension"],
                                         by=found["by"]))


def _columns(found: dict[str, Any]) -> list[str]:
    return ["rank", found["key"], *found["totals"], "share"]


def recent_command(
    limit: Annotated[int, typer.Option(
        "--limit", "-n", min=1, metavar="N", help="How many plays (default 20).")] = 20,
    data: DataOpt = None, days: DaysOpt = None, from_: FromOpt = None, to: ToOpt = None,
    until: UntilOpt = None, tz: TzOpt = None, fmt: ReportFormatOpt = None,
    include_bots: IncludeBotsOpt = False, filters: FilterOpt = None,
    output: OutputOpt = None,
) -> None:
    from playlog.cli.reports import _context, _empty, _run
    from playlog.query.recent import FIELDS

    settings, window, found = _run("recent", None, data, tz, days, from_, to, until,
                                   include_bots, filters, limit=limit)
    empty = _empty(settings, "sessions", window, not found["plays"], found["filters"])
    emit("recent", found, fmt, rows="plays", columns=FIELDS, empty=empty, output=output,
         context=_context(window))
