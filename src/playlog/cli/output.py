"""Writing a report in the chosen format: to stdout (data only, nothing else) or,
with ``-o FILE``, to that file, replaced atomically."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from playlog.cli.options import OutputFormat, resolve_format


def console(file: Any = None):
    """A rich console: colour only on a terminal, never with NO_COLOR."""
    from rich.console import Console

    if file is not None:
        return Console(file=file, highlight=False, no_color=True, width=100)
    return Console(highlight=False)


def emit(
    kind: str,
    data: Any,
    fmt: OutputFormat | None,
    *,
    rows: str | None = None,
    columns: list[str] | None = None,
    empty: str | None = None,
    output: Path | None = None,
    context: dict[str, Any] | None = None,
    csv_rows: list[dict[str, Any]] | None = None,
) -> None:
    """Print ``data``, or write it to ``output``. In a table, ``empty`` (a "no data"
    message) replaces the report; JSON, CSV and HTML always carry the (zero) data.
    For a ranked answer, ``rows`` names its list: CSV is that list alone, one line
    per row under a header of ``columns``. ``context`` is what an HTML page shows
    beside the data (its window). ``csv_rows`` replaces ``data[rows]`` in CSV (a chart
    series: every period's rows, each with its ``period``)."""
    chosen = resolve_format(fmt, output)
    if chosen == OutputFormat.json:
        from playlog.render.jsonout import render_json

        text = render_json(data)
    elif chosen == OutputFormat.csv:
        from playlog.render.csvout import render_csv

        text = render_csv(csv_rows if csv_rows is not None else data[rows] if rows else data,
                          columns)
    elif chosen == OutputFormat.html:
        from playlog.render.html import render_page

        text = render_page(kind, data, context=context)
    elif empty:
        text = empty + "\n"
    elif output is None:
        from playlog.render.table import render_table

        render_table(kind, data, console())
        return
    else:
        from playlog.render.table import render_table

        buffer = io.StringIO()
        render_table(kind, data, console(buffer))
        text = buffer.getvalue()
    if output is None:
        sys.stdout.write(text)
    else:
        write_file(output, text)


def write_file(path: Path, text: str) -> None:
    """``text`` into ``path`` via a temporary file renamed over it: a reader never
    sees half a report. The file gets the usual mode (0666 less the umask)."""
    from playlog.errors import UsageError

    target = path.expanduser()
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except OSError as exc:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        raise UsageError("--output", f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
