"""A listener's habits over a window: what a year in review shows (docs/metrics.md#user).

From a table of the listener's sessions (``user_sessions`` of query.user, with
``track_id``) and the catalog: the top tracks and top artists by listening
time (the catalog names them; a track without an artist in the catalog counts
under ``artist`` null), the skip rate, plays by weekday, the first activity,
and how many plays have no known duration (listening times count only the
known ones: docs/metrics.md#unknown-durations).
"""

from __future__ import annotations

from typing import Any

from playlog.query import common

TOP = 10
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

NAMED = """
WITH names AS (
    SELECT track_id, any_value(title) AS title, any_value(artist) AS artist
    FROM catalog GROUP BY track_id
)
SELECT s.track_id, n.title, n.artist, s.duration_played_ms, s.skip_reason, s.ended
FROM {table} AS s LEFT JOIN names AS n USING (track_id)
"""

TOP_TRACKS = """
SELECT track_id, any_value(title) AS title, any_value(artist) AS artist, count(*) AS total_plays,
       CAST(coalesce(sum(duration_played_ms), 0) AS BIGINT) AS total_duration_played_ms
FROM ({named}) GROUP BY track_id
ORDER BY total_duration_played_ms DESC, total_plays DESC, track_id LIMIT {top}
"""

TOP_ARTISTS = """
SELECT artist, count(*) AS total_plays, count(DISTINCT track_id) AS unique_tracks,
       CAST(coalesce(sum(duration_played_ms), 0) AS BIGINT) AS total_duration_played_ms
FROM ({named}) WHERE artist IS NOT NULL GROUP BY artist
ORDER BY total_duration_played_ms DESC, total_plays DESC, artist LIMIT {top}
"""

COUNTS = """
SELECT count(*) FILTER (WHERE ended) AS ended,
       count(*) FILTER (WHERE ended AND skip_reason = 'user_skip') AS skipped,
       count(*) FILTER (WHERE duration_played_ms IS NULL) AS unknown,
       epoch_ms(min(started_at)) AS first_ms
FROM {table}
"""

WEEKDAY = """
SELECT isodow(timezone($tz, started_at)) AS day, count(*) AS plays FROM {table} GROUP BY 1
"""


def habits(con: Any, table: str, tz: str) -> dict[str, Any]:
    """The habits of the sessions in `table` (read in the time zone `tz`)."""
    named = NAMED.format(table=table)
    counts = common.rows(con, COUNTS.format(table=table))[0]
    days = dict(con.execute(WEEKDAY.format(table=table), {"tz": tz}).fetchall())
    return {
        "top_tracks": common.rows(con, TOP_TRACKS.format(named=named, top=TOP)),
        "top_artists": common.rows(con, TOP_ARTISTS.format(named=named, top=TOP)),
        "skip_rate": common.ratio(counts["skipped"], counts["ended"]),
        "plays_by_weekday": {name: int(days.get(i + 1, 0)) for i, name in enumerate(WEEKDAYS)},
        "plays_with_unknown_duration": int(counts["unknown"]),
        "first_activity": common.instant(counts["first_ms"]),
    }
