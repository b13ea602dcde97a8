"""`playlog status`: the store at a glance (playlog.status computes it)."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from playlog.cli.errors import STORE_COMMANDS, command
from playlog.cli.options import DataOpt, FormatOpt, OutputFormat, resolve_format

STATUS_HELP = """Show what the store holds, how far ingest got, and what cleanup would do next.

Per dataset: the days covered, files, rows and bytes. The roll-ups' days and
any raw day they miss. Per log file the ledger knows: its format, how far it
was read, how much it grew since (lag) and when it was last read. Open
sessions (not ended yet) and the watermark. Then what `playlog cleanup` with
the config file's [cleanup] settings would do now (its dry run). Reads only:
safe while ingest runs. CSV lists the datasets.

Examples:
  playlog status
  playlog status --format json
  playlog status --format csv
"""


def register(app: typer.Typer) -> None:
    command(app, "status", STATUS_HELP, STORE_COMMANDS)(status_command)


def status_command(data: DataOpt = None, fmt: FormatOpt = None) -> None:
    from playlog.config import load_settings
    from playlog.status import store_status

    status = store_status(load_settings(data=data))
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.json:
        sys.stdout.write(json.dumps(status, indent=2, default=str) + "\n")
    elif chosen == OutputFormat.csv:
        from playlog.render.csvout import render_csv

        sys.stdout.write(render_csv(status["datasets"], list(status["datasets"][0])))
    else:
        _print(status)


def _print(status: dict[str, Any]) -> None:
    from rich.table import Table

    from playlog.cli.output import console

    out = console()
    table = Table(title=f"playlog status: {status['data_dir']}")
    for name in ("dataset", "first day", "last day", "days", "files", "rows", "bytes"):
        table.add_column(name, justify="left" if "day " in name or name == "dataset"
                         or name.endswith("day") else "right")
    for d in status["datasets"]:
        table.add_row(d["dataset"], d["first_day"] or "", d["last_day"] or "", f"{d['days']:,}",
                      f"{d['files']:,}", f"{d['rows']:,}", _bytes(d["bytes"]))
    out.print(table)
    roll = status["rollups"]
    missing = roll["raw_days_without_rollups"]
    out.print(f"roll-ups: {roll['days']:,} day(s)"
              + (f", {roll['first_day']} to {roll['last_day']}" if roll["days"] else "")
              + (f"; raw days without roll-ups: {', '.join(missing)}" if missing else "")
              + (f"; raw rows kept from {status['raw_from']}" if status["raw_from"] else ""))
    out.print(f"open sessions: {status['open_sessions']:,}; watermark: "
              f"{status['watermark'] or 'none'}")
    files = Table(title="log files (ledger)")
    for name in ("file", "format", "lines", "read", "lag", "last read"):
        files.add_column(name, justify="left" if name in ("file", "format", "last read")
                         else "right", overflow="fold")
    for f in status["files"]:
        lag = "gone" if f["lag_bytes"] is None else _bytes(f["lag_bytes"])
        files.add_row(f["path"], f["format"] or "", f"{f['lines']:,}", _bytes(f["offset"]), lag,
                      _ago(f["seen_seconds_ago"]))
    out.print(files)
    plan = status["cleanup"]
    if not plan["known"]:
        out.print(f"cleanup: cannot tell now ({plan['why']})")
    elif not plan["actions"]:
        out.print("cleanup: nothing to do")
    else:
        counts: dict[str, int] = {}
        for action in plan["actions"]:
            counts[action["action"]] = counts.get(action["action"], 0) + 1
        done = ", ".join(f"{verb} {n:,} dataset day(s)" for verb, n in counts.items())
        out.print(f"cleanup would {done}, freeing {_bytes(plan['bytes_freed'])}")


def _ago(seconds: int | None) -> str:
    if seconds is None:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{max(seconds, 0)}s ago"


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)
