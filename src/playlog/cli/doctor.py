"""`playlog doctor`: the store's files, and what enrichment will use."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from playlog.cli.errors import STORE_COMMANDS, command
from playlog.cli.options import DataOpt, FormatOpt, OutputFormat, resolve_format

DOCTOR_HELP = """Check the store and show what enrichment will use.

Every file of the data directory is opened and read through: one that is not
Parquet, is cut short or is not of its dataset's schema is listed (exit status
1), and so are store files other users can read.

The GeoIP database is the first of --geoip-db, $PLAYLOG_GEOIP_DB, the config
file's geoip_db, the geoipupdate locations (/usr/share/GeoIP, /var/lib/GeoIP,
/usr/local/share/GeoIP, /opt/homebrew/var/GeoIP) and the old database embedded
in the package. Exits with status 1 when the chosen GeoIP database cannot be
used.

Examples:
  playlog doctor
  playlog doctor --format json
"""

GeoipDbOpt = Annotated[
    Path | None,
    typer.Option(
        "--geoip-db", metavar="FILE",
        help="A MaxMind-format .mmdb database to check instead of the one found.",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    command(app, "doctor", DOCTOR_HELP, STORE_COMMANDS)(doctor_command)


def doctor_command(
    data: DataOpt = None, geoip_db: GeoipDbOpt = None, fmt: FormatOpt = None
) -> None:
    from playlog.config import load_settings
    from playlog.enrich.doctor import diagnose

    settings = load_settings(data=data)
    report = diagnose(settings, geoip_db=geoip_db)
    report["store"] = _store(settings.data_dir, report["warnings"])
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.table:
        _print(report)
    elif chosen == OutputFormat.csv:
        _write_csv(report)
    else:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    from playlog.errors import PlaylogError

    problems = report["store"]["problems"]
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PlaylogError(f"{first['path']}: {first['why']}{more}",
                           hint="move unreadable files out of the data directory")
    if report["geoip"].get("error"):
        raise PlaylogError(report["geoip"]["error"])


def _store(data_dir: Path, warnings: list[str]) -> dict[str, Any]:
    """The store's files: how many, which cannot be read, how many others can read."""
    from playlog.store.check import check_store
    from playlog.store.layout import Layout

    layout = Layout(data_dir)
    if not layout.holds_store():
        return {"files": 0, "problems": [], "readable_by_others": 0}
    checked, problems = check_store(layout)
    exposed = layout.fs.readable_by_others(layout.root)
    if exposed:
        warnings.append(f"{len(exposed)} file(s) or folder(s) of the store can be read by other "
                        f"users (e.g. {exposed[0]}); see store_mode in docs/operations.md")
    return {"files": checked, "problems": [p.as_dict() for p in problems],
            "readable_by_others": len(exposed)}


def _write_csv(report: dict[str, Any]) -> None:
    """One ``key,value`` row per setting, nested keys joined with dots."""
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["key", "value"])
    for key, value in _flatten(report):
        writer.writerow([key, "" if value is None else value])


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in _flatten(v, f"{prefix}{k}.")]
    if isinstance(value, list):
        return [(prefix.rstrip("."), "; ".join(map(str, value)))]
    return [(prefix.rstrip("."), value)]


def _print(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="playlog doctor", show_header=False, box=None)
    table.add_row("data directory", report["data_dir"])
    table.add_row("config file", report["config_file"] or "(none)")
    geo = report["geoip"]
    table.add_row("GeoIP database", geo.get("path") or "")
    table.add_row("  chosen by", geo.get("origin") or "")
    if geo.get("error"):
        table.add_row("  error", f"[red]{geo['error']}[/red]")
    else:
        table.add_row("  type", geo["database_type"])
        table.add_row("  built", f"{geo['build_date']} ({geo['age_days']:,} days ago)")
    agents = report["user_agents"]
    table.add_row(
        "user-agent rules",
        f"playlog {agents['playlog_rules']}, user-agents {agents['user_agents']}, "
        f"ua-parser {agents['ua_parser']} (regexes {agents['ua_parser_regexes']}, "
        f"{agents['resolver']})",
    )
    table.add_row(
        "catalog", f"{report['catalog']['tracks']:,} track(s) in {report['catalog']['path']}"
    )
    store = report["store"]
    table.add_row("store files", f"{store['files']:,} checked, {len(store['problems'])} unreadable")
    for problem in store["problems"]:
        table.add_row("  unreadable", f"[red]{problem['path']}: {problem['why']}[/red]")
    console.print(table)
    talk = Console(stderr=True)
    for warning in report["warnings"]:
        talk.print(f"warning: {warning}", style="yellow", highlight=False)
