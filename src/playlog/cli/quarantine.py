"""`playlog quarantine` (the rejected lines) and `playlog quarantine retry`."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer

from playlog.cli.errors import STORE_COMMANDS, command, handle_errors
from playlog.cli.options import DataOpt, FormatOpt, OutputFormat, resolve_format

QUARANTINE_HELP = """List the lines ingest rejected, with their reason.

Lines come oldest first (by when they were rejected), with the day, source
file, line number, the format the file was read as, the reason and the raw
line (the table shows the file's name and cuts long lines; JSON and CSV have
it all). The selection counts
per reason. --reason and --file match any part (the reason in any letter
case); --day is the UTC day the lines were rejected on. `playlog quarantine
retry` runs them again through today's parsers.

Examples:
  playlog quarantine
  playlog quarantine --reason "invalid JSON" --format json
  playlog quarantine --day 2026-11-20 --file events --format csv
  playlog quarantine retry --dry-run
"""

RETRY_HELP = """Run quarantined lines again through today's parsers; those that pass are stored.

After a new log format or a parser fix: each source file's selected lines are
read as the format they are detected as now (else the format the file was
read as) and go through ingest (enrichment, sessions, roll-ups). Lines that
now pass leave the quarantine; lines that still fail stay as they were; all in
one commit, under the store's lock. Lines kept as bytes (not UTF-8 text), cut
short (over 1 MiB) or dated before the retained period are not retried.
--dry-run counts what would pass without changing the store.

Examples:
  playlog quarantine retry --dry-run
  playlog quarantine retry --reason "unknown event_type" --dry-run --format json
  playlog quarantine retry --file events
"""

ReasonOpt = Annotated[str | None, typer.Option(
    "--reason", metavar="TEXT", show_default=False,
    help="Only lines whose reason contains TEXT (any letter case).")]
FileOpt = Annotated[str | None, typer.Option(
    "--file", metavar="TEXT", show_default=False,
    help="Only lines of source files whose path contains TEXT.")]
DayOpt = Annotated[str | None, typer.Option(
    "--day", metavar="YYYY-MM-DD", show_default=False,
    help="Only lines rejected on this UTC day.")]


def register(app: typer.Typer) -> None:
    from playlog.cli.help import ManGroup

    group = typer.Typer(help=QUARANTINE_HELP, cls=ManGroup, invoke_without_command=True,
                        rich_markup_mode=None)
    group.callback()(handle_errors(list_command))
    command(group, "retry", RETRY_HELP)(retry_command)
    app.add_typer(group, name="quarantine", rich_help_panel=STORE_COMMANDS)


def list_command(
    ctx: typer.Context,
    data: DataOpt = None,
    reason: ReasonOpt = None,
    file: FileOpt = None,
    day: DayOpt = None,
    limit: Annotated[int, typer.Option(
        "--limit", "-n", min=1, metavar="N", help="How many lines to list (default 50).")] = 50,
    fmt: FormatOpt = None,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from playlog.config import load_settings
    from playlog.quarantine import Selection, list_quarantine

    settings = load_settings(data=data)
    found = list_quarantine(settings.data_dir, Selection(reason, file, day), limit)
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.json:
        sys.stdout.write(json.dumps(found, indent=2, default=str) + "\n")
    elif chosen == OutputFormat.csv:
        from playlog.quarantine import COLUMNS
        from playlog.render.csvout import render_csv

        sys.stdout.write(render_csv(found["lines"], list(COLUMNS)))
    else:
        _print_lines(found)


def retry_command(
    data: DataOpt = None,
    reason: ReasonOpt = None,
    file: FileOpt = None,
    day: DayOpt = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Count what would pass; change nothing.")] = False,
    fmt: FormatOpt = None,
) -> None:
    from playlog.config import load_settings
    from playlog.quarantine import Selection, retry_quarantine

    settings = load_settings(data=data)
    result = retry_quarantine(settings, Selection(reason, file, day), dry_run=dry_run).as_dict()
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    elif chosen == OutputFormat.csv:
        from playlog.render.csvout import render_csv

        row = {k: v for k, v in result.items() if k != "formats"}
        sys.stdout.write(render_csv([row], list(row)))
    else:
        verb = "would pass" if dry_run else "passed and were stored"
        sys.stdout.write(
            f"quarantine retry: {result['selected']:,} line(s) selected, "
            f"{result['retried']:,} retried, {result['ingested']:,} {verb}, "
            f"{result['still_rejected']:,} still rejected, {result['not_retried']:,} not "
            f"retried; {result['sessions']:,} session(s), {result['events']:,} event "
            f"record(s), {result['requests']:,} request(s) written\n")


def _print_lines(found: dict[str, Any]) -> None:
    from rich.table import Table

    from playlog.cli.output import console

    out = console()
    shown = len(found["lines"])
    title = f"quarantine: {found['total']:,} line(s)" + (
        f", the first {shown:,}" if shown < found["total"] else "")
    if not found["total"]:
        out.print("quarantine: no line" + (" matches" if any(found["filters"].values()) else ""))
        return
    reasons = ", ".join(f"{r['reason']} {r['lines']:,}" for r in found["reasons"])
    table = Table(title=title, caption=reasons, caption_justify="left")
    table.add_column("day", no_wrap=True, min_width=10)
    table.add_column("file:line", overflow="fold", max_width=28)
    table.add_column("reason", overflow="fold", max_width=30)
    table.add_column("raw", overflow="fold", max_width=40)
    for row in found["lines"]:
        where = f"{os.path.basename(row['source_file'])}:{row['line']}"
        table.add_row(str(row["day"]), where, row["reason"], _cut(row["raw"] or "", 60))
    out.print(table)


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most - 1] + "…"
