"""Table views of ranked answers: the top-* charts, breakdowns and recent plays.

Every ranked list is drawn from its rows alone: the columns are the rows' keys
in order (known metric keys get their header and format from METRIC_COLUMNS,
any other key is shown as text), so a new dimension or metric needs no code
here. Rank movement against the previous window (``previous_rank``) is shown
as ``▲3``, ``▼1``, ``=`` or ``new``.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text

from playlog.render import blocks as b
from playlog.render.fit import Column
from playlog.render.traffic import size

C = b.column
ID = 99


def seconds(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}s"


# key → (header, format): the metrics any ranked row may carry.
METRIC_COLUMNS: dict[str, tuple[str, Any]] = {
    "total_plays": ("plays", b.number), "unique_listeners": ("listeners", b.number),
    "total_duration_played_ms": ("time", b.duration),
    "average_completion_rate": ("completion", b.percent), "skip_rate": ("skips", b.percent),
    "total_views": ("views", b.number), "total_unique_views": ("unique", b.number),
    "total_clicks": ("clicks", b.number), "total_shares": ("shares", b.number),
    "total_favorites": ("favs", b.number), "total_ticket_clicks": ("tickets", b.number),
    "total_external_clicks": ("external", b.number),
    "avg_time_on_page_seconds": ("on page", seconds), "bounce_rate": ("bounce", b.percent),
    "view_to_click_rate": ("view→click", b.percent),
    "click_to_ticket_rate": ("click→ticket", b.percent),
    "view_to_ticket_rate": ("view→ticket", b.percent),
    "requests": ("requests", b.number), "visitors": ("visitors", b.number),
    "bandwidth": ("bandwidth", size), "share": ("share", b.percent),
}
TEXT = {"title": ("title", 10), "artist": ("artist", 8)}
# Not in tables (JSON, CSV and the page have them): a table has no room for every rate.
SKIPPED = {"rank", "previous_rank", "move", "view_to_click_rate", "click_to_ticket_rate",
           "view_to_ticket_rate"}


def move(rank: int, previous: int | None) -> str:
    """``▲3`` (up three places), ``▼1``, ``=`` or ``new`` (not ranked before)."""
    if previous is None:
        return "new"
    if previous == rank:
        return "="
    return f"▲{previous - rank}" if previous > rank else f"▼{rank - previous}"


def with_moves(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "move": move(r["rank"], r.get("previous_rank"))} if "previous_rank" in r
            else r for r in rows]


def columns_of(rows: list[dict[str, Any]], key: str, fallback: list[str] | None = None
               ) -> list[Column]:
    """The columns of ranked ``rows`` whose value is ``key``: rank, movement, the value and
    what describes it, then the metrics, the last ones left out first when space runs out."""
    keys = list(rows[0]) if rows else list(fallback or [])
    columns = [C("rank", "#")]
    if "previous_rank" in keys:
        columns.append(C("move", "±", text=True, min_width=3))
    columns.append(C(key, key.removesuffix("_id").replace("_", " "), text=True, min_width=ID))
    metrics = [k for k in keys if k not in SKIPPED and k != key]
    for k in metrics:
        if k in TEXT and any(r.get(k) is not None for r in rows):
            header, width = TEXT[k]
            columns.append(C(k, header, text=True, min_width=width, drop=len(metrics) + 1))
    numbers = [k for k in metrics if k not in TEXT]
    for i, k in enumerate(numbers):
        header, fmt = METRIC_COLUMNS.get(k, (k.replace("_", " "), b.number))
        drop = None if i < 2 else len(numbers) - i
        columns.append(C(k, header, fmt, drop=drop))
    return columns


def ranked_table(title: str, rows: list[dict[str, Any]], key: str,
                 fallback: list[str] | None = None) -> RenderableType:
    return b.ranked(title, with_moves(rows), columns_of(rows, key, fallback))


def filters_line(d: dict[str, Any]) -> list[RenderableType]:
    """``Filters: country=FR, source=google`` when the answer was filtered."""
    return [Text("Filters: " + ", ".join(d["filters"]))] if d.get("filters") else []


def notes_view(notes: list[str]) -> list[RenderableType]:
    return [Text("\n".join(f"Note: {n}" for n in notes))] if notes else []


def chart_view(title: str, rows_key: str, key: str, fields: list[str]):
    """The table view of a top-* answer (one table per period with --period)."""
    from playlog.render.table import window_text

    def view(d: dict[str, Any]) -> list[RenderableType]:
        if "periods" in d:
            tables = [ranked_table(f"{title}, {p['period']} ({window_text(p['window'])})",
                                   p[rows_key], key, fields) for p in d["periods"]]
        else:
            tables = [ranked_table(f"{title}, {window_text(d['window'])}", d[rows_key], key,
                                   fields)]
        return [*filters_line(d), *tables, *notes_view(d["notes"])]

    return view


def breakdown_view(d: dict[str, Any]) -> list[RenderableType]:
    from playlog.render.table import window_text

    title = (f"{d['dataset'].capitalize()} by {d['dimension']}, ranked by {d['by']}\n"
             f"{window_text(d['window'])}")
    totals = [(METRIC_COLUMNS.get(k, (k, b.number))[0], METRIC_COLUMNS.get(k, (k, b.number))[1](v))
              for k, v in d["totals"].items()]
    return [*filters_line(d), ranked_table(title, d["breakdown"], d["key"]),
            b.pairs("All together", totals), *notes_view(d["notes"])]


RECENT_COLUMNS = [
    C("started_at", "started", b.number, min_width=ID),
    C("title", "title", text=True, min_width=10), C("artist", "artist", text=True, drop=4),
    C("track_id", "track", text=True, drop=5), C("user_id", "user", text=True, drop=3),
    C("platform", "platform", text=True, drop=2),
    C("duration_played_ms", "played", b.duration), C("completion", "of track", b.percent),
    C("skip_reason", "ended", text=True, drop=1),
]


def recent_view(d: dict[str, Any]) -> list[RenderableType]:
    from playlog.render.table import window_text

    plays = [{**p, "title": p["title"] or p["track_id"],
              "skip_reason": p["skip_reason"] or ("yes" if p["ended"] else "playing")}
             for p in d["plays"]]
    return [*filters_line(d), b.ranked(f"Recent plays, {window_text(d['window'])}", plays,
                                       RECENT_COLUMNS), *notes_view(d["notes"])]
