"""Options shared by several commands, declared once.

Each option names its metavar and its help section ("Window", "Output",
"Store"; command-specific options stay in "Options"), so every ``--help``
lists them the same way.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

WINDOW = "Window"
OUTPUT = "Output"
STORE = "Store"


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


class DataFormat(str, Enum):
    """For commands whose output is no report page (catalog, doctor)."""

    table = "table"
    json = "json"
    csv = "csv"


# `-o FILE` without --format: the format its suffix names.
SUFFIX_FORMATS = {".html": OutputFormat.html, ".htm": OutputFormat.html,
                  ".json": OutputFormat.json, ".csv": OutputFormat.csv}


class SummaryFormat(str, Enum):
    """For commands that print a summary of what they did, not a data table."""

    table = "table"
    json = "json"


SummaryFormatOpt = Annotated[
    SummaryFormat | None,
    typer.Option("--format", "-f", rich_help_panel=OUTPUT,
                 help="A table for people (default) or one JSON object."),
]


def resolve_format(
    fmt: OutputFormat | DataFormat | None, output: Path | None = None
) -> OutputFormat:
    """--format when given; else the suffix of -o FILE (.html, .json, .csv); else a table
    on a terminal and JSON when piped or written to a file."""
    if fmt is not None:
        return OutputFormat(fmt.value)
    if output is not None:
        return SUFFIX_FORMATS.get(output.suffix.lower(), OutputFormat.json)
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.json


DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data", metavar="DIR", rich_help_panel=STORE, show_default=False,
        help="The data directory (else $PLAYLOG_DATA, the config file's `data`, "
        "~/.local/share/playlog).",
    ),
]
FormatOpt = Annotated[
    DataFormat | None,
    typer.Option("--format", "-f", rich_help_panel=OUTPUT,
                 help="table (the default on a terminal), json (the default when piped) or csv."),
]
ReportFormatOpt = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", rich_help_panel=OUTPUT,
                 help="table (the default on a terminal), json (the default when piped), csv, "
                 "or html: one self-contained page with charts."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", dir_okay=False, rich_help_panel=OUTPUT,
                 help="Write to FILE instead of stdout (its suffix .html/.json/.csv "
                 "picks the format when --format is not given)."),
]
DaysOpt = Annotated[
    int | None,
    typer.Option("--days", min=1, metavar="N", rich_help_panel=WINDOW,
                 help="The N x 24 h ending at --until."),
]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", metavar="DATE", rich_help_panel=WINDOW,
                 help="Start, inclusive: an ISO 8601 date or time (2026-11-14, "
                 "2026-11-14T08:00); dates and times without an offset are in --tz."),
]
ToOpt = Annotated[
    str | None,
    typer.Option("--to", metavar="DATE", rich_help_panel=WINDOW,
                 help="End, exclusive: --from 2026-11-14 --to 2026-11-21 is seven days."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", "--at", metavar="TIME", rich_help_panel=WINDOW,
                 help="The end of the window, the instant T of the report (default: now)."),
]
TzOpt = Annotated[
    str | None,
    typer.Option("--tz", metavar="ZONE", rich_help_panel=WINDOW,
                 help="IANA time zone of hours, days and weekdays, any letter case "
                 "(default: $PLAYLOG_TZ, the config file's `tz`, else UTC)."),
]
IncludeBotsOpt = Annotated[
    bool,
    typer.Option("--include-bots", help="Count crawlers and scripts too (left out by default)."),
]
LimitOpt = Annotated[
    int,
    typer.Option("--limit", "-n", min=1, metavar="N", help="How many rows to list (default 10)."),
]
FILTERS = "Filters"
FilterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--filter", metavar="DIM=VALUE", rich_help_panel=FILTERS, show_default=False,
        help="Only the rows whose DIM is VALUE (repeatable: all apply). Also DIM!=VALUE, "
        "DIM~TEXT (contains), DIM!~TEXT, and A|B for any of several values. Dimensions: "
        "track, artist, album, genre, user, platform, device, os, browser, country, region, "
        "city, quality, source, referrer, utm_source, utm_medium, utm_campaign, event, "
        "event_type, page, status, age_group, gender (docs/metrics.md#filters).",
    ),
]
