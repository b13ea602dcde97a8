"""`playlog catalog import CSV` and `playlog catalog show`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from playlog.cli.errors import STORE_COMMANDS, command
from playlog.cli.options import DataOpt, FormatOpt, OutputFormat, resolve_format

CATALOG_HELP = """The track catalog: titles, artists, albums, genres and durations.

Reports take titles and artists from it, fall back on its durations when a
session does not give one, and take favourite genres from it. It lives in
<data>/catalog/tracks.parquet.

Examples:
  playlog catalog import sample_data/tracks.csv
  playlog catalog show --limit 20
"""

IMPORT_HELP = """Import a track catalog CSV (a re-import updates by track_id).

The header names track_id (required) and any of title, artist, album, genre,
duration_ms; other columns are kept. A row without track_id or with a bad
duration_ms stops the import with its line number, and nothing is written.
Rows of the file replace the stored rows of the same track_id; the summary
says how many were added, how many changed and how many were already the same.

Examples:
  playlog catalog import sample_data/tracks.csv
  playlog catalog import sample_data/tracks.csv --format json
"""

SHOW_HELP = """Show the size of the stored catalog and its first rows.

Examples:
  playlog catalog show
  playlog catalog show --limit 3 --format csv
"""


def register(app: typer.Typer) -> None:
    from playlog.cli.help import ManGroup

    catalog_app = typer.Typer(help=CATALOG_HELP, cls=ManGroup, no_args_is_help=True,
                              rich_markup_mode=None)
    command(catalog_app, "import", IMPORT_HELP)(import_command)
    command(catalog_app, "show", SHOW_HELP)(show_command)
    app.add_typer(catalog_app, name="catalog", rich_help_panel=STORE_COMMANDS)


def import_command(
    csv_path: Annotated[
        Path, typer.Argument(metavar="CSV", help="The catalog file, comma-separated, with a header.",
                       show_default=False)
    ],
    data: DataOpt = None,
    fmt: FormatOpt = None,
) -> None:
    from playlog.catalog import import_catalog
    from playlog.config import load_settings

    settings = load_settings(data=data)
    result = import_catalog(csv_path, settings.data_dir, store_mode=settings.store_mode)
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.table:
        sys.stdout.write(
            f"catalog: {result.rows:,} row(s) read, {result.added:,} added, "
            f"{result.changed:,} changed, {result.unchanged:,} unchanged; "
            f"{result.total:,} track(s) in {result.path}\n"
        )
    elif chosen == OutputFormat.csv:
        _write_csv([result.as_dict()])
    else:
        _write_json(result.as_dict())


def show_command(
    data: DataOpt = None,
    fmt: FormatOpt = None,
    limit: Annotated[int, typer.Option(
        "--limit", "-n", min=0, metavar="N", help="Rows to show (default 10; 0: the count only).")
    ] = 10,
) -> None:
    from playlog.catalog import load_catalog
    from playlog.config import load_settings

    settings = load_settings(data=data)
    frame = load_catalog(settings.data_dir)
    head = frame.head(limit)
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.json:
        _write_json({"tracks": frame.height, "rows": head.to_dicts()})
    elif chosen == OutputFormat.csv:
        sys.stdout.write(head.write_csv())
    else:
        _print_table(head, frame.height)


def _print_table(head, total: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"catalog: {total:,} track(s)")
    for name in head.columns:
        table.add_column(name)
    for row in head.iter_rows():
        table.add_row(*("" if value is None else str(value) for value in row))
    Console().print(table)


def _write_csv(rows: list[dict]) -> None:
    import csv

    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _write_json(value: dict) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
