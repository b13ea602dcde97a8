"""`playlog cleanup` and `playlog compact`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from playlog.cli.errors import STORE_COMMANDS, command
from playlog.cli.options import DataOpt, SummaryFormat, SummaryFormatOpt

CLEANUP_HELP = """Apply retention: delete or archive old raw days, anonymise IPs, compact.

Works on whole UTC days, under the store's lock, in one transaction. Raw days
older than --older-than are deleted, or moved under --archive; their roll-ups
stay and keep answering for those days. Days older than --anonymize-ip-after
keep IPv4 /24 and IPv6 /48 prefixes only. The quarantine is trimmed like the
raw days, the ledger forgets log files not seen since the cutoff, and every
day left with several files is compacted. Each option defaults to the
[cleanup] section of the config file, so the cron line can be short:

\b
  30 3 * * *  playlog cleanup --data /var/lib/playlog

Examples:
  playlog cleanup --older-than 90d --anonymize-ip-after 30d --dry-run
  playlog cleanup --older-than 3d --archive /tmp/playlog-archive --dry-run
  playlog cleanup --older-than 90d --format json
"""

COMPACT_HELP = """Merge the many small files that frequent ingests leave in a day into one.

Atomic and under the same lock as ingest; it changes no answer. playlog
cleanup compacts too.

Examples:
  playlog compact --dry-run
  playlog compact --format json
"""


def register(app: typer.Typer) -> None:
    command(app, "cleanup", CLEANUP_HELP, STORE_COMMANDS)(cleanup_command)
    command(app, "compact", COMPACT_HELP, STORE_COMMANDS)(compact_command)


DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", help="Say what would change, change nothing.")]
WaitOpt = Annotated[float | None, typer.Option(
    "--wait", metavar="SECONDS",
    help="Wait this long for another run's lock (default: fail at once, status 3).")]
RETENTION = "Retention"


def cleanup_command(
    data: DataOpt = None,
    older_than: Annotated[str | None, typer.Option(
        "--older-than", metavar="AGE", rich_help_panel=RETENTION,
        help="Delete raw days older than this: 90d, 12w … (config: older_than).")] = None,
    anonymize_ip_after: Annotated[str | None, typer.Option(
        "--anonymize-ip-after", metavar="AGE", rich_help_panel=RETENTION,
        help="Cut IPs to /24 and /48 prefixes in days older than this "
        "(config: anonymize_ip_after).")] = None,
    drop_user_agents: Annotated[bool | None, typer.Option(
        "--drop-user-agents/--keep-user-agents", rich_help_panel=RETENTION,
        help="With --anonymize-ip-after, drop the user agent strings of those days too "
        "(config: drop_user_agents).")] = None,
    archive: Annotated[Path | None, typer.Option(
        "--archive", metavar="DIR", rich_help_panel=RETENTION,
        help="Move old raw days under DIR, same layout, instead of deleting them "
        "(config: archive).")] = None,
    dry_run: DryRunOpt = False,
    fmt: SummaryFormatOpt = None,
    wait: WaitOpt = None,
) -> None:
    from playlog.config import load_settings
    from playlog.retention import cleanup, configured_cleanup

    settings = load_settings(data=data)
    options = configured_cleanup(settings, older_than=older_than,
                                 anonymize_ip_after=anonymize_ip_after,
                                 drop_user_agents=drop_user_agents, archive=archive)
    result = cleanup(settings, dry_run=dry_run, wait=wait or 0.0, **options)
    _show(result.as_dict(), fmt, "cleanup")


def compact_command(
    data: DataOpt = None, dry_run: DryRunOpt = False, fmt: SummaryFormatOpt = None, wait: WaitOpt = None
) -> None:
    from playlog.config import load_settings
    from playlog.retention import compact

    result = compact(load_settings(data=data), dry_run=dry_run, wait=wait or 0.0)
    _show(result.as_dict(), fmt, "compact")


def _show(result: dict[str, Any], fmt: SummaryFormat | None, name: str) -> None:
    """The summary of a ``cleanup`` or ``compact`` run (``name``), as JSON or a table."""
    if fmt == SummaryFormat.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    kept = f"raw data kept from {result['raw_from'] or 'the start'}"
    if not result["actions"]:
        why = kept if name == "cleanup" else "no day has more than one file"
        console.print(f"{name}: nothing to do ({why})")
        return
    verb = "would change" if result["dry_run"] else "changed"
    days = len({a["day"] for a in result["actions"]})
    table = Table(title=f"{name}: {len(result['actions'])} dataset-day(s) on {days} day(s) {verb}")
    for column in ("action", "dataset", "day", "files", "bytes"):
        table.add_column(column, justify="right" if column in ("files", "bytes") else "left")
    for a in result["actions"]:
        table.add_row(a["action"], a["dataset"], a["day"], str(a["files"]), f"{a['bytes']:,}")
    console.print(table)
    if name == "compact":
        files = sum(a["files"] for a in result["actions"])
        merged = "would merge" if result["dry_run"] else "merged"
        console.print(f"compact: {merged} {files:,} files into {len(result['actions']):,}")
        return
    freed = "would free" if result["dry_run"] else "freed"
    console.print(f"cleanup: {freed} {result['bytes_freed']:,} bytes; {kept}; ledger entries "
                  f"dropped: {result['ledger_entries_dropped']}")
