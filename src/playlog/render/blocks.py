"""Rich building blocks for the table output: key/value panels, bar charts,
sparklines, ranked tables and a weekday × hour heatmap.

Values are formatted here for people: ratios as percentages, milliseconds as
durations, instants as ``YYYY-MM-DD HH:MM:SSZ``; the data itself is untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from playlog.query.window import iso_utc

SPARKS = "▁▂▃▄▅▆▇█"
SHADES = " ░▒▓█"
BAR_WIDTH = 30


def number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return iso_utc(value).replace("T", " ")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def duration(ms: float | None) -> str:
    """Milliseconds as ``1h 02m 03s`` / ``2m 03s`` / ``4.5s``."""
    if ms is None:
        return "—"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def change(value: float | None) -> Text:
    """A relative change as ``▲ 12.0%`` / ``▼ 3.5%`` / ``—``."""
    if value is None:
        return Text("—")
    arrow, style = ("▲", "green") if value > 0 else ("▼", "red") if value < 0 else ("=", "")
    return Text(f"{arrow} {abs(100 * value):.1f}%", style=style)


def pairs(title: str, items: Iterable[tuple[str, Any]]) -> Table:
    """A two-column table of already formatted values."""
    table = Table(title=title, show_header=False, title_justify="left", box=None, padding=(0, 2))
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    for key, value in items:
        table.add_row(key, value if isinstance(value, Text) else str(value))
    return table


def bars(title: str, counts: dict[str, int], *, limit: int | None = 10) -> Table:
    """Label, count, share and a bar for each entry (largest first as given)."""
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1))
    for name, justify in (("", "left"), ("count", "right"), ("share", "right"), ("", "left")):
        table.add_column(name, justify=justify)
    total = sum(counts.values())
    top = max(counts.values(), default=0)
    items = list(counts.items())
    shown = items if limit is None else items[:limit]
    for key, count in shown:
        width = round(BAR_WIDTH * count / top) if top else 0
        table.add_row(str(key), f"{count:,}", percent(count / total if total else 0), "█" * width)
    if limit is not None and len(items) > limit:
        rest = sum(c for _, c in items[limit:])
        table.add_row(f"({len(items) - limit} more)", f"{rest:,}", percent(rest / total), "")
    return table


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if not top:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, (v * (len(SPARKS) - 1) + top - 1) // top)] if v else " " for v in values)


def hours_line(title: str, hours: dict[str, int]) -> Table:
    """Plays by hour as a sparkline over a 0…23 ruler."""
    values = [hours.get(str(h), 0) for h in range(24)]
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 1))
    table.add_column("", no_wrap=True)
    table.add_row(" ".join(sparkline(values)))
    table.add_row(" ".join(str(h % 10) for h in range(24)))
    table.add_row(f"peak {values.index(max(values))}h, {max(values):,} plays" if any(values) else "no plays")
    return table


def ranked(title: str, rows: list[dict[str, Any]], columns: list[tuple[str, str, Any]]) -> Table:
    """Rows as a table; ``columns`` are (key, header, formatter)."""
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1), header_style="bold")
    for key, header, _ in columns:
        table.add_column(header, justify="left" if key in TEXT_COLUMNS else "right", overflow="fold")
    for row in rows:
        table.add_row(*[(fmt or number)(row.get(key)) for key, _, fmt in columns])
    return table


TEXT_COLUMNS = {"track_id", "title", "artist", "user_id", "event_id", "period"}


def heatmap(title: str, grid: dict[str, list[int]]) -> Table:
    """Weekday rows × 24 hour columns, each cell shaded by its share of the busiest cell."""
    top = max((max(v) for v in grid.values()), default=0)
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 1))
    table.add_column("", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_row("", "".join(f"{h:<2}"[:2] if h % 3 == 0 else "  " for h in range(24)))
    for day, values in grid.items():
        cells = "".join(_shade(v, top) * 2 for v in values)
        table.add_row(day[:3], cells)
    return table


def _shade(value: int, top: int) -> str:
    if not value or not top:
        return SHADES[0] if not value else SHADES[1]
    return SHADES[max(1, round((len(SHADES) - 1) * value / top))]
