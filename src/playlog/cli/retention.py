"""`playlog cleanup` and `playlog compact`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from playlog.cli.errors import command
from playlog.cli.options import DataOpt, SummaryFormat, SummaryFormatOpt

CLEANUP_HELP = """Apply retention: delete (or archive) old raw days, anonymise IPs sooner, compact.

Whole UTC days are removed; their roll-ups stay and keep the counts of those
days. The quarantine is trimmed like the raw days and the ledger forgets log
files not seen since the cutoff. Defaults come from the \\[cleanup] section of
the config file, so the cron line can be just `playlog cleanup`.

Examples:

  playlog cleanup --older-than 90d --anonymize-ip-after 30d

  playlog cleanup --older-than 90d --archive /srv/archive/playlog --dry-run

  30 3 * * *  playlog cleanup --data /var/lib/playlog
"""

COMPACT_HELP = """Merge the many small files that frequent ingests leave in a day into one.

Atomic and under the same lock as ingest; changes no answer. `playlog cleanup`
runs it too.

Examples:

  playlog compact

  playlog compact --dry-run --format json
"""


def register(app: typer.Typer) -> None:
    command(app, "cleanup", CLEANUP_HELP)(cleanup_command)
    command(app, "compact", COMPACT_HELP)(compact_command)


DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Say what would change; change nothing.")]
WaitOpt = Annotated[
    Optional[float], typer.Option("--wait", help="Seconds to wait for another run's lock.")
]


def cleanup_command(
    data: DataOpt = None,
    older_than: Annotated[
        Optional[str], typer.Option("--older-than", help="Delete raw days older than this (90d).")
    ] = None,
    anonymize_ip_after: Annotated[
        Optional[str],
        typer.Option("--anonymize-ip-after", help="Cut IPs to /24 and /48 after this (30d)."),
    ] = None,
    drop_user_agents: Annotated[
        Optional[bool],
        typer.Option("--drop-user-agents/--keep-user-agents",
                     help="With --anonymize-ip-after, also drop the user agent strings."),
    ] = None,
    archive: Annotated[
        Optional[Path], typer.Option("--archive", help="Move old raw days here instead of deleting.")
    ] = None,
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
