"""`playlog catalog import CSV` and `playlog catalog show`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from playlog.cli.errors import STORE_COMMANDS, command
from playlog.cli.options import DataOpt, FormatOpt, OutputFormat, resolve_format

CATALOG_HELP = """The catalogs: tracks (titles, artists, albums, genres, durations) and events.

Reports take titles and artists from the track catalog, fall back on its
durations when a session does not give one, and take favourite genres, top
artists, albums and genres from it. The event catalog gives event pages their
titles, dates and venues. They live in <data>/catalog/tracks.parquet and
<data>/catalog/events.parquet.

Examples:
  playlog catalog import sample_data/tracks.csv
  playlog catalog import sample_data/events.csv
  playlog catalog show --limit 20
"""

IMPORT_HELP = """Import a track or event catalog CSV (a re-import updates by id).

Which catalog the file is comes from its header: track_id (tracks) or
event_id (events); --kind says it when the header names both or neither.
A track catalog names track_id (required) and any of title, artist, album,
genre, duration_ms; an event catalog event_id (required) and any of title,
date, venue, url. Other columns are kept. A row without its id (or with a bad
duration_ms) stops the import with its line number, and nothing is written.
Rows of the file replace the stored rows of the same id; the summary says how
many were added, how many changed and how many were already the same.

Examples:
  playlog catalog import sample_data/tracks.csv
  playlog catalog import sample_data/events.csv --format json
  playlog catalog import sample_data/events.csv --kind events
"""

SHOW_HELP = """Show the size of a stored catalog and its first rows.

Examples:
  playlog catalog show
  playlog catalog show --limit 3 --format csv
  playlog catalog show --kind events
"""

KindOpt = Annotated[str | None, typer.Option(
    "--kind", metavar="tracks|events", show_default=False,
    help="Which catalog: tracks or events (import: by default from the CSV header; "
    "show: tracks).")]


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
    kind: KindOpt = None,
) -> None:
    from playlog.catalog import import_catalog
    from playlog.config import load_settings
    from playlog.event_catalog import catalog_kind, import_events

    settings = load_settings(data=data)
    which = catalog_kind(csv_path, kind)
    load = import_events if which == "events" else import_catalog
    result = load(csv_path, settings.data_dir, store_mode=settings.store_mode)
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.table:
        noun = "event(s)" if which == "events" else "track(s)"
        sys.stdout.write(
            f"catalog: {result.rows:,} row(s) read, {result.added:,} added, "
            f"{result.changed:,} changed, {result.unchanged:,} unchanged; "
            f"{result.total:,} {noun} in {result.path}\n"
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
    kind: KindOpt = None,
) -> None:
    from playlog.catalog import load_catalog
    from playlog.config import load_settings
    from playlog.event_catalog import catalog_kind, load_events

    settings = load_settings(data=data)
    which = "tracks" if kind is None else catalog_kind("", kind)
    frame = (load_events if which == "events" else load_catalog)(settings.data_dir)
    head = frame.head(limit)
    chosen = resolve_format(fmt)
    if chosen == OutputFormat.json:
        _write_json({which: frame.height, "rows": head.to_dicts()})
    elif chosen == OutputFormat.csv:
        sys.stdout.write(head.write_csv())
    else:
        _print_table(head, frame.height, "event(s)" if which == "events" else "track(s)")


def _print_table(head, total: int, noun: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"catalog: {total:,} {noun}")
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
