"""Rich building blocks for the table output: key/value panels, bar charts,
sparklines, ranked tables and a weekday × hour heatmap.

Values are formatted here for people: ratios as percentages, milliseconds as
durations, instants as ``YYYY-MM-DD HH:MM:SSZ`` (a window in its own zone);
the data itself is untouched. Ranked tables and bars fit the width they are
printed at (render/fit.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from playlog.query.window import iso_utc
from playlog.render.fit import Bars, Column, FittedTable

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
    whole = round(seconds)
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
    """A two-column table of already formatted values; a title line never wraps inside
    the table (the table is at least as wide as it)."""
    longest = max(len(line) for line in title.splitlines())
    table = Table(title=title, show_header=False, title_justify="left", box=None,
                  padding=(0, 2), min_width=longest)
    table.add_column("metric", style="bold", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True, overflow="ellipsis")
    for key, value in items:
        table.add_row(key, value if isinstance(value, Text) else str(value))
    return table


def bars(title: str, counts: dict[str, int], *, limit: int | None = 10,
         marked: Iterable[str] = (), footnotes: list[str] | None = None) -> Bars:
    """Label, count, share and a bar for each entry (largest first as given); the
    ``marked`` labels get a ``*``, explained by ``footnotes``."""
    total = sum(counts.values())
    top = max(counts.values(), default=0)
    items = list(counts.items())
    shown = items if limit is None else items[:limit]
    marks = set(marked)
    rows = [(f"{key}*" if key in marks else str(key), f"{count:,}",
             percent(count / total if total else 0), count / top if top else 0)
            for key, count in shown]
    if limit is not None and len(items) > limit:
        rest = sum(c for _, c in items[limit:])
        rows.append((f"({len(items) - limit} more)", f"{rest:,}", percent(rest / total), 0))
    return Bars(title, rows, BAR_WIDTH, footnotes)


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


def ranked(title: str, rows: list[dict[str, Any]], columns: list[Column]) -> FittedTable:
    """Rows as a table of ``columns``, fitted to the width it is printed at."""
    return FittedTable(title, rows, columns)


def column(key: str, header: str, fmt: Any = None, *, drop: int | None = None,
           text: bool = False, min_width: int = 8) -> Column:
    return Column(key, header, fmt or number, text=text, drop=drop, min_width=min_width)


def local_time(text: str) -> str:
    """An ISO instant of a window (``…Z`` or ``…+05:30``) as ``2026-11-14 00:00+05:30``
    (seconds when not zero)."""
    moment = datetime.fromisoformat(text)
    shown = moment.strftime("%Y-%m-%d %H:%M" + (":%S" if moment.second else ""))
    offset = moment.strftime("%z")
    return shown + ("Z" if text.endswith("Z") else f"{offset[:3]}:{offset[3:]}")


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
