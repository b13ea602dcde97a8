"""`playlog track ID`: the TrackAnalytics of SPEC §3 over a window.

Sessions of the track that started in the window (bots left out unless asked)
are loaded once; every metric is computed from that table. A track id that is
neither in the sessions nor in the catalog raises NotFoundError.
"""

from __future__ import annotations

from typing import Any

from playlog.query import common
from playlog.query.window import Window

TABLE = "track_sessions"

CATALOG_ENTRY = "SELECT title, artist FROM catalog WHERE track_id = ? LIMIT 1"
KNOWN_TRACK = (
    "SELECT 1 FROM catalog WHERE track_id = ? UNION ALL "
    "SELECT 1 FROM sessions WHERE track_id = ?"
)
TRACK_IDS = "SELECT track_id AS id FROM catalog UNION SELECT DISTINCT track_id FROM sessions"


def track_report(con: Any, track_id: str, window: Window, *, include_bots: bool = False) -> dict[str, Any]:
    """The metrics of one track over ``window``."""
    common.load_sessions(
        con, TABLE, window, where="AND track_id = ?", params=[track_id], include_bots=include_bots
    )
    totals = common.summary(con, TABLE)
    if totals["plays"] == 0 and not common.exists(con, KNOWN_TRACK, [track_id, track_id]):
        raise common.not_found(con, "track", track_id, TRACK_IDS)
    buckets = common.local_counts(con, TABLE, window.tz)
    hours = common.by_hour(buckets)
    title, artist = catalog_entry(con, track_id)
    return {
        "track_id": track_id,
        "title": title,
        "artist": artist,
        "total_plays": totals["plays"],
        "unique_listeners": totals["unique_listeners"],
        "total_duration_played_ms": totals["listening_time_ms"],
        "average_completion_rate": totals["average_completion_rate"],
        "peak_concurrent_listeners": common.peak_concurrent(con, TABLE),
        "plays_by_hour": hours,
        "plays_by_day": common.by_day(buckets, window),
        "skip_rate": totals["skip_rate"],
        "quality_distribution": common.distribution(con, TABLE, "quality"),
        "geographic_distribution": common.distribution(con, TABLE, "country"),
        "platform_distribution": common.distribution(con, TABLE, "platform"),
        "virality_score": common.ratio(totals["unique_listeners"], totals["plays"]),
        "peak_listening_hour": common.peak_hour(hours),
    }


def catalog_entry(con: Any, track_id: str) -> tuple[str | None, str | None]:
    found = con.execute(CATALOG_ENTRY, [track_id]).fetchone()
    return (found[0], found[1]) if found else (None, None)
