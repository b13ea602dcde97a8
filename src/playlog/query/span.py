"""What the store holds: the first and last day of a dataset, for "no data" messages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from playlog.query.window import Window, iso_utc
from playlog.store.layout import Layout

NOUNS = {"sessions": "plays", "events": "event-page records", "requests": "web requests"}


def data_span(data_dir: Path, dataset: str) -> tuple[date, date] | None:
    days = Layout(Path(data_dir)).days(dataset)
    return (days[0], days[-1]) if days else None


def empty_message(data_dir: Path, dataset: str, window: Window, what: str | None = None,
                  filters: list[str] | None = None) -> str:
    """``no plays between … and …; the data spans … to …`` (``with country=FR`` when
    filtered)."""
    noun = what or NOUNS[dataset]
    if filters:
        noun += " with " + " and ".join(filters)
    when = (
        f"before {iso_utc(window.end)}"
        if window.all_time
        else f"between {iso_utc(window.start)} and {iso_utc(window.end)}"
    )
    span = data_span(data_dir, dataset)
    where = (
        f"the data spans {span[0]} to {span[1]} (UTC days)"
        if span
        else f"the store at {data_dir} holds no {dataset} yet"
    )
    return f"no {noun} {when}; {where}"
