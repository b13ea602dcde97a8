"""Options shared by several commands, declared once."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


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
    Optional[SummaryFormat], typer.Option("--format", "-f", help="table (default) or json.")
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
    Optional[Path],
    typer.Option(
        "--data",
        help="Data directory (else $PLAYLOG_DATA, the config file, ~/.local/share/playlog).",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    Optional[DataFormat],
    typer.Option("--format", "-f", help="Output: table (default on a terminal), json or csv."),
]
ReportFormatOpt = Annotated[
    Optional[OutputFormat],
    typer.Option("--format", "-f",
                 help="Output: table (default on a terminal), json, csv or html (one page)."),
]
OutputOpt = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", metavar="FILE", dir_okay=False,
                 help="Write to FILE instead of stdout (its suffix .html/.json/.csv "
                 "picks the format when --format is not given)."),
]
DaysOpt = Annotated[
    Optional[int],
    typer.Option("--days", min=1, help="Window: the N x 24 h ending at --until."),
]
FromOpt = Annotated[
    Optional[str],
    typer.Option("--from", help="Window start, ISO 8601 date or time (inclusive)."),
]
ToOpt = Annotated[
    Optional[str],
    typer.Option("--to", help="Window end, ISO 8601 date or time (exclusive)."),
]
UntilOpt = Annotated[
    Optional[str],
    typer.Option("--until", "--at", help="End of the window / the instant T (default: now)."),
]
TzOpt = Annotated[
    Optional[str],
    typer.Option("--tz", help="Time zone for hours, days and weekdays (default: config, else UTC)."),
]
IncludeBotsOpt = Annotated[
    bool,
    typer.Option("--include-bots", help="Count bots too (they are left out by default)."),
]
LimitOpt = Annotated[
    int,
    typer.Option("--limit", "-n", min=1, help="How many rows to list."),
]
