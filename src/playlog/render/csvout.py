"""CSV: one flat table.

A list of rows (top lists, ``--period``) is written as is, one header line
then one line per row. A report object becomes ``key,value`` lines with dotted
keys for nested values (``plays_by_hour.13``, ``top_tracks.0.track_id``;
list positions count from 0). Empty cells are nulls.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from playlog.render.jsonout import plain


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts and lists → (dotted key, scalar) pairs in order."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [(prefix, value)]
    if not items:
        return [(prefix, None)] if prefix else []
    pairs: list[tuple[str, Any]] = []
    for key, item in items:
        pairs.extend(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return pairs


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_csv(data: Any, columns: list[str] | None = None) -> str:
    """``data`` as CSV; ``columns`` names the header of a list that may be empty."""
    data = plain(data)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if isinstance(data, list):
        columns = list(data[0]) if data else list(columns or [])
        writer.writerow(columns)
        for row in data:
            writer.writerow([cell(row.get(c)) for c in columns])
    else:
        writer.writerow(["key", "value"])
        for key, value in flatten(data):
            writer.writerow([key, cell(value)])
    return out.getvalue()
