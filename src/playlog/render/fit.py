"""Tables that fit the width they are printed at, without breaking a word.

A ranked table is laid out when rich prints it, for the width it has (80
columns in cron mail, the terminal's width otherwise). No cell ever wraps:
numbers and headers are shown whole or not at all. When the natural layout
is too wide, text columns (titles, artists, ids) are shortened with an
ellipsis down to a minimum, then whole columns are left out, the least
important first, and a caption under the table names them. Bar charts shrink
their bars, then their labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

PAD = 2  # each cell has one space either side (padding (0, 1), edges padded)
ELLIPSIS = "…"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    format: Callable[[Any], str]
    text: bool = False  # left-aligned; may be shortened with an ellipsis
    drop: int | None = None  # the order columns are left out in (1 first); None: always shown
    min_width: int = 8


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending with an ellipsis when cut."""
    if cell_len(text) <= width:
        return text
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out.rstrip() + ELLIPSIS


def _widths(columns: list[Column], cells: list[list[str]]) -> list[int]:
    return [max([cell_len(c.header), *(cell_len(row[i]) for row in cells)])
            for i, c in enumerate(columns)]


def plan(columns: list[Column], cells: list[list[str]], width: int
         ) -> tuple[list[int], list[int]]:
    """(indexes of the columns shown, their widths) for a table ``width`` cells wide."""
    shown = list(range(len(columns)))
    droppable = sorted((c.drop, i) for i, c in enumerate(columns) if c.drop is not None)
    while True:
        natural = _widths([columns[i] for i in shown], [[r[i] for i in shown] for r in cells])
        fitted = _squeeze([columns[i] for i in shown], natural, width - PAD * len(shown))
        if fitted is not None or not droppable:
            return shown, fitted or natural
        shown.remove(droppable.pop(0)[1])


def _squeeze(columns: list[Column], widths: list[int], room: int) -> list[int] | None:
    """Widths within ``room``, shortening text columns (widest first) to their minimum."""
    widths = list(widths)
    while sum(widths) > room:
        text = [i for i, c in enumerate(columns)
                if c.text and widths[i] > max(c.min_width, cell_len(c.header))]
        if not text:
            return None
        widest = max(text, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


class FittedTable:
    """A ranked table (``rows`` of dicts, ``columns``) fitted to the width it gets."""

    def __init__(self, title: str, rows: list[dict[str, Any]], columns: list[Column]):
        self.title = title
        self.columns = columns
        self.cells = [[c.format(row.get(c.key)) for c in columns] for row in rows]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown, widths = plan(self.columns, self.cells, options.max_width)
        left_out = [c.header for i, c in enumerate(self.columns) if i not in shown]
        caption = f"(not shown at {options.max_width} columns: {', '.join(left_out)})"
        table = Table(title=self.title, title_justify="left", box=None, padding=(0, 1),
                      header_style="bold", caption=caption if left_out else None,
                      caption_justify="left")
        for i, width in zip(shown, widths):
            column = self.columns[i]
            table.add_column(column.header, justify="left" if column.text else "right",
                             no_wrap=True, width=width, overflow="ellipsis")
        for row in self.cells:
            table.add_row(*(shorten(row[i], w) for i, w in zip(shown, widths)))
        yield table


class Bars:
    """Label, count, share and a bar per entry; the bar and then the label shrink to fit."""

    def __init__(self, title: str, items: Iterable[tuple[str, str, str, float]],
                 bar_width: int, footnotes: list[str] | None = None):
        self.title = title
        self.items = list(items)  # (label, count, share, fraction of the largest)
        self.bar_width = bar_width
        self.footnotes = footnotes or []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        labels = [cell_len(i[0]) for i in self.items] or [0]
        counts = max([cell_len("count"), *(cell_len(i[1]) for i in self.items)])
        shares = max([cell_len("share"), *(cell_len(i[2]) for i in self.items)])
        room = options.max_width - PAD * 4 - counts - shares
        bar = max(5, min(self.bar_width, room - max(labels)))
        label = max(min(max(labels), room - bar), min(8, max(labels)))
        table = Table(title=self.title, title_justify="left", box=None, padding=(0, 1),
                      caption="\n".join(self.footnotes) or None, caption_justify="left")
        table.add_column("", no_wrap=True, width=label, overflow="ellipsis")
        table.add_column("count", justify="right", no_wrap=True)
        table.add_column("share", justify="right", no_wrap=True)
        table.add_column("", no_wrap=True, width=bar)
        for name, count, share, fraction in self.items:
            table.add_row(shorten(name, label), count, share, "█" * round(bar * fraction))
        yield table
