"""The ranked lists of the top-* commands, declared once (query/top.py computes them).

A `Chart` is a dimension of a dataset ranked by one of its metrics
(query/ranking.py names them). This module imports no query engine, so the
command line can list the charts and their --by choices without loading one.
"""

from __future__ import annotations

from dataclasses import dataclass

from playlog.query.ranking import METRICS


@dataclass(frozen=True)
class Chart:
    name: str  # the command
    dataset: str  # sessions or events
    dimension: str  # query/filters.py
    key: str  # the rows' key of the value (track_id, artist …)
    rows: str  # the answer's key of the list (top_tracks …)
    orders: tuple[str, ...]  # --by: the ranking metrics (query/ranking.py), default first
    metrics: tuple[str, ...]  # the metrics of each row
    rollup_table: str
    known: bool = False  # leave out the value unknown (catalog charts)


TRACK_METRICS = ("plays", "listeners", "time", "completion", "skips")
EVENT_METRICS = ("views", "unique", "clicks", "shares", "favorites", "tickets", "external",
                 "time", "bounce", "click_rate", "ticket_rate", "conversion")
CHARTS = {c.name: c for c in (
    Chart("top-tracks", "sessions", "track", "track_id", "top_tracks",
          ("plays", "listeners", "time"), TRACK_METRICS, "rollup_plays"),
    Chart("top-artists", "sessions", "artist", "artist", "top_artists",
          ("plays", "time", "listeners"), TRACK_METRICS, "rollup_plays", known=True),
    Chart("top-albums", "sessions", "album", "album", "top_albums",
          ("plays", "time", "listeners"), TRACK_METRICS, "rollup_plays", known=True),
    Chart("top-genres", "sessions", "genre", "genre", "top_genres",
          ("plays", "time", "listeners"), TRACK_METRICS, "rollup_plays", known=True),
    Chart("top-events", "events", "event", "event_id", "top_events",
          ("views", "unique", "clicks", "tickets"), EVENT_METRICS, "rollup_events"),
)}

# What the catalogs add to a row, by the row's key (null when they do not know it).
NONE = {"track_id": {"title": None, "artist": None}, "album": {"artist": None},
        "event_id": {"title": None}, "artist": {}, "genre": {}}


def _fields(name: str) -> list[str]:
    chart = CHARTS[name]
    keys = [METRICS[chart.dataset][m].key for m in chart.metrics]
    return ["rank", chart.key, *NONE[chart.key], *keys, "previous_rank"]


FIELDS = {name: _fields(name) for name in CHARTS}
