"""Writing a report to stdout in the chosen format (data on stdout, nothing else)."""

from __future__ import annotations

import sys
from typing import Any

from playlog.cli.options import OutputFormat, resolve_format


def console():
    """A rich console on stdout: colour only on a terminal, never with NO_COLOR."""
    from rich.console import Console

    return Console(highlight=False)


def emit(
    kind: str,
    data: Any,
    fmt: OutputFormat | None,
    *,
    columns: list[str] | None = None,
    empty: str | None = None,
) -> None:
    """Print ``data``. In a table, ``empty`` (a "no data" message) replaces the report;
    JSON and CSV always carry the (zero) data."""
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.json:
        from playlog.render.jsonout import render_json

        sys.stdout.write(render_json(data))
    elif chosen == OutputFormat.csv:
        from playlog.render.csvout import render_csv

        sys.stdout.write(render_csv(data, columns))
    elif empty:
        sys.stdout.write(empty + "\n")
    else:
        from playlog.render.table import render_table

        render_table(kind, data, console())
