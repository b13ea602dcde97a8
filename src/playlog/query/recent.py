"""`playlog recent`: the last plays, newest first.

The ``limit`` sessions of the window (filters and bots as every report) with
the latest ``started_at`` (ties by session id): when, the track with its
catalog title and artist, the user, the platform, device and country, how
much was played (``duration_played_ms`` and ``completion``, a fraction, null
when the track's length is unknown), whether it ended and why. Single plays
exist only in the raw rows: a window reaching before them lists what remains,
and ``notes`` says so.
"""

from __future__ import annotations

from typing import Any

from playlog.query import common, rollup, top
from playlog.query.filters import Filters
from playlog.query.window import Window

RECENT = """
SELECT s.started_at, s.track_id, c.title, c.artist, s.user_id, s.platform, s.device_type,
       s.country, s.duration_played_ms, s.total_duration_ms,
       s.completion_percentage / 100.0 AS completion, s.ended, s.skip_reason
FROM {source} AS s
LEFT JOIN (SELECT track_id, any_value(title) AS title, any_value(artist) AS artist
           FROM catalog GROUP BY track_id) AS c USING (track_id)
ORDER BY s.started_at DESC, s.session_id DESC
LIMIT $limit
"""
FIELDS = ["started_at", "track_id", "title", "artist", "user_id", "platform", "device_type",
          "country", "duration_played_ms", "total_duration_ms", "completion", "ended",
          "skip_reason"]


def recent_report(con: Any, window: Window, *, limit: int = 20, include_bots: bool = False,
                  filters: Filters | None = None) -> dict[str, Any]:
    """The last ``limit`` plays of ``window`` (see the module docstring)."""
    source = top.window_source(con, "sessions", include_bots, filters)
    plays = common.rows(con, RECENT.format(source=source),
                        {**top.window_params(window), "limit": limit})
    notes = []
    if rollup.needed(con, window):
        notes.append(f"Single plays are kept in the raw rows only, from {rollup.raw_from(con)}: "
                     "earlier plays are not listed.")
    return {"window": window.as_dict(), "filters": filters.texts if filters else [],
            "plays": common.plain_numbers(plays), "notes": notes}
