"""`playlog track ID`: the track analytics of docs/metrics.md over a window.

Sessions of the track that started in the window (bots left out unless asked)
are loaded once; every metric is computed from that table. When the window
reaches before the raw rows (cleanup deleted them), counts come from the
roll-ups and peak concurrency from the raw rows that remain. A track id that
is in no session, roll-up or catalog raises NotFoundError. The answer also
carries its ``window``, the ``partial_days`` of ``plays_by_day`` and ``notes``
(what is estimated, when roll-ups answer).
"""

from __future__ import annotations

from typing import Any

from playlog.query import common, rollup
from playlog.query.filters import Filters
from playlog.query.window import Window

TABLE = "track_sessions"

CATALOG_ENTRY = "SELECT title, artist FROM catalog WHERE track_id = ? LIMIT 1"
KNOWN_TRACK = (
    "SELECT 1 FROM catalog WHERE track_id = ? UNION ALL "
    "SELECT 1 FROM sessions WHERE track_id = ?"
)
KNOWN_TRACK_ANYWHERE = KNOWN_TRACK + " UNION ALL SELECT 1 FROM rollup_plays WHERE track_id = ?"
TRACK_IDS = (
    "SELECT track_id AS id FROM catalog UNION SELECT DISTINCT track_id FROM sessions "
    "UNION SELECT DISTINCT track_id FROM rollup_plays"
)


def track_report(con: Any, track_id: str, window: Window, *, include_bots: bool = False,
                 filters: Filters | None = None) -> dict[str, Any]:
    """The metrics of one track over ``window`` (of its sessions ``filters`` keep)."""
    common.load_sessions(
        con, TABLE, window, where="AND track_id = ?", params=[track_id], include_bots=include_bots,
        filters=filters,
    )
    from_rollups = rollup.use(con, window, filters)
    if from_rollups:  # raw rows before raw_from are gone: counts from the roll-ups
        totals = rollup.summary(con, window, include_bots, track_id, filters=filters)
        buckets = rollup.buckets(con, window, include_bots, track_id, where=filters)
    else:
        totals = common.summary(con, TABLE)
        buckets = common.local_counts(con, TABLE, window.tz)
    if totals["total_plays"] == 0 and not common.exists(con, KNOWN_TRACK_ANYWHERE, [track_id] * 3):
        raise common.not_found(con, "track", track_id, TRACK_IDS)
    hours = common.by_hour(buckets)
    days = common.by_day(buckets, window)
    title, artist = catalog_entry(con, track_id)

    def dist(column: str) -> dict[str, int]:
        if from_rollups:
            return rollup.distribution(con, window, include_bots, column, track_id=track_id,
                                       where=filters)
        return common.distribution(con, TABLE, column)

    return {
        "track_id": track_id,
        "title": title,
        "artist": artist,
        "total_plays": totals["total_plays"],
        "unique_listeners": totals["unique_listeners"],
        "total_duration_played_ms": totals["total_duration_played_ms"],
        "average_completion_rate": totals["average_completion_rate"],
        "peak_concurrent_listeners": common.peak_concurrent(con, TABLE),
        "plays_by_hour": hours,
        "plays_by_day": days,
        "skip_rate": totals["skip_rate"],
        "quality_distribution": dist("quality"),
        "geographic_distribution": dist("country"),
        "platform_distribution": dist("platform"),
        "virality_score": (None if totals["unique_listeners"] is None else
                           common.ratio(totals["unique_listeners"], totals["total_plays"])),
        "peak_listening_hour": common.peak_hour(hours),
        "window": window.as_dict(),
        "filters": filters.texts if filters else [],
        "partial_days": common.partial_days(days, window),
        "notes": [*(rollup.notes(con, window, include_bots, filters=filters) if from_rollups
                    else rollup.uncovered_notes(con, window, filters)),
                  *common.unknown_durations_note(con, TABLE)],
    }


def catalog_entry(con: Any, track_id: str) -> tuple[str | None, str | None]:
    found = con.execute(CATALOG_ENTRY, [track_id]).fetchall()
    return (found[0][0], found[0][1]) if found else (None, None)
