"""`playlog user ID`: the user analytics of docs/metrics.md over a window.

The user's sessions started in the window are loaded once. When the window
reaches before the raw rows (cleanup deleted them), counts come from the
roll-ups, which know the user by a salted key; favourite genres, binge runs and
the last activity come from the raw rows that remain, and so do the top tracks
and artists, skip rate and plays by weekday of query.habits. Runs for
``binge_listening_tendency`` are found with window functions: a session joins
the previous one's run when it starts at most 10 minutes after the previous
session (by start) ended (``ended_at``, else ``last_update``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playlog.query import common, rollup
from playlog.query.filters import Filters
from playlog.query.habits import habits
from playlog.query.window import Window

TABLE = "user_sessions"
BINGE_RUN = 5
BINGE_GAP_MINUTES = 10

KNOWN_USER = "SELECT 1 FROM sessions WHERE user_id = ?"
# The key roll-ups know a listener by (store.rollups.USERS_SQL).
USER_KEY = "SELECT left(sha256(salt || '|user|' || ?), 20) FROM store_info"
USER_IDS = "SELECT DISTINCT user_id AS id FROM sessions"

PLAYS = """
SELECT count(*) AS plays,
       count(DISTINCT track_id) AS tracks,
       coalesce(sum(duration_played_ms), 0) AS played,
       coalesce(avg(duration_played_ms), 0) AS mean_played,
       coalesce(avg(duration_played_ms) FILTER (WHERE ended AND skip_reason = 'user_skip'), 0)
           AS mean_skip,
       coalesce(avg(completion_percentage / 100.0), 0) AS completion,
       epoch_ms(max(last_update)) AS last_ms
FROM {table}
"""

GENRES = """
SELECT c.genre
FROM {table} AS s
JOIN (SELECT track_id, any_value(genre) AS genre FROM catalog GROUP BY track_id) AS c
  USING (track_id)
WHERE c.genre IS NOT NULL
GROUP BY c.genre
ORDER BY sum(coalesce(s.duration_played_ms, 0)) DESC, c.genre
"""

BINGE = """
WITH ordered AS (
    SELECT started_at, session_id,
           lag(coalesce(ended_at, last_update, started_at))
               OVER (ORDER BY started_at, session_id) AS previous_end
    FROM {table}
), marked AS (
    SELECT *, sum(CASE WHEN previous_end IS NOT NULL
                        AND started_at <= previous_end + to_minutes(?) THEN 0 ELSE 1 END)
                  OVER (ORDER BY started_at, session_id ROWS UNBOUNDED PRECEDING) AS run
    FROM ordered
), sized AS (
    SELECT count(*) OVER (PARTITION BY run) AS run_size FROM marked
)
SELECT count(*) FILTER (WHERE run_size >= ?) AS in_binge, count(*) AS total FROM sized
"""



def user_report(con: Any, user_id: str, window: Window, *, include_bots: bool = False,
                filters: Filters | None = None) -> dict[str, Any]:
    """The metrics of one user over ``window`` (of their sessions ``filters`` keep)."""
    common.load_sessions(
        con, TABLE, window, where="AND user_id = ?", params=[user_id], include_bots=include_bots,
        extra="session_id, track_id, ended_at", filters=filters,
    )
    plays = common.rows(con, PLAYS.format(table=TABLE))[0]
    from_rollups = rollup.use(con, window, filters, "rollup_users")
    if from_rollups:
        key = common.scalar(con, USER_KEY, [user_id])
        plays, buckets, devices, qualities = _rollup_parts(con, window, include_bots, key, plays,
                                                           filters)
    if plays["plays"] == 0 and not common.exists(con, KNOWN_USER, [user_id]):
        raise common.not_found(con, "user", user_id, USER_IDS)
    if not from_rollups:
        buckets = common.local_counts(con, TABLE, window.tz)
        devices = common.distribution(con, TABLE, "platform")
        qualities = common.distribution(con, TABLE, "quality")
    hours = common.by_hour(buckets)
    return {
        "user_id": user_id,
        "total_listening_time_ms": int(plays["played"]),
        "tracks_played": int(plays["plays"]),
        "unique_tracks": int(plays["tracks"]),
        "average_session_duration_ms": round(plays["mean_played"]),
        "favorite_genres": [r[0] for r in con.execute(GENRES.format(table=TABLE)).fetchall()],
        "listening_patterns": {
            "average_skip_time_ms": round(plays["mean_skip"]),
            "completion_rate": float(plays["completion"]),
            "binge_listening_tendency": binge_tendency(con),
            "peak_listening_hour": common.peak_hour(hours),
            "weekend_vs_weekday_ratio": weekend_ratio(buckets, window),
        },
        "device_preferences": devices,
        "quality_preference": next((q for q in qualities if q != "unknown"), None),
        "most_active_hours": most_active_hours(hours),
        "plays_by_hour": hours,
        "discovery_rate": common.ratio(plays["tracks"], plays["plays"]),
        "last_activity": common.instant(plays["last_ms"]),
        **habits(con, TABLE, window.tz),
        "window": window.as_dict(),
        "filters": filters.texts if filters else [],
        "notes": [*(rollup.notes(con, window, include_bots, "rollup_users") if from_rollups
                    else rollup.uncovered_notes(con, window, filters, "rollup_users")),
                  *common.unknown_durations_note(con, TABLE)],
    }


def binge_tendency(con: Any) -> float:
    """Share of sessions in a run of at least 5 back-to-back sessions."""
    in_binge, total = con.execute(
        BINGE.format(table=TABLE), [BINGE_GAP_MINUTES, BINGE_RUN]
    ).fetchall()[0]
    return common.ratio(in_binge, total)


def most_active_hours(hours: dict[str, int], top: int = 3) -> list[int]:
    """Up to three hours with sessions, most sessions first, earlier hour on a tie."""
    ranked = sorted((h for h in hours.items() if h[1] > 0), key=lambda kv: (-kv[1], int(kv[0])))
    return [int(h) for h, _ in ranked[:top]]


def weekend_ratio(buckets: list[tuple[datetime, int]], window: Window) -> float | None:
    """Mean sessions per weekend day / mean sessions per weekday over the window's local
    days (all-time: from the first to the last active day); None when undefined."""
    weekend = sum(n for local, n in buckets if local.isoweekday() >= 6)
    weekday = sum(n for _, n in buckets) - weekend
    days = common.days_of(window, {local.date() for local, _ in buckets})
    weekend_days = sum(1 for d in days if d.isoweekday() >= 6)
    weekdays = len(days) - weekend_days
    if not weekend_days or not weekdays or not weekday:
        return None
    return (weekend / weekend_days) / (weekday / weekdays)


def _rollup_parts(con: Any, window: Window, include_bots: bool, key: str, raw: dict[str, Any],
                  filters: Filters | None = None):
    """(plays row, hour buckets, platforms, qualities) of one user key from the roll-ups."""
    source, where, params = rollup._filtered(con, "rollup_users", window, include_bots,
                                             {"user_key": key}, where=filters)
    row = common.rows(con, f"""
        SELECT coalesce(sum(plays), 0) AS plays, coalesce(sum(listening_ms), 0) AS played,
               coalesce(sum(listening_ms) / nullif(sum(played_n), 0), 0) AS mean_played,
               coalesce(sum(skipped_ms) / nullif(sum(skipped_played_n), 0), 0) AS mean_skip,
               coalesce(sum(completion_sum) / 100 / nullif(sum(completion_n), 0), 0) AS completion
        FROM {source} WHERE {where}""", params)[0]
    row["tracks"] = (rollup.distinct(con, "user_tracks", window, include_bots, key)
                     if not filters else raw["tracks"])
    row["last_ms"] = raw["last_ms"]
    per = {"table": "rollup_users", "filters": {"user_key": key}, "where": filters}
    buckets = rollup.buckets(con, window, include_bots, **per)
    devices = rollup.distribution(con, window, include_bots, "platform", **per)
    qualities = rollup.distribution(con, window, include_bots, "quality", **per)
    return row, buckets, devices, qualities
