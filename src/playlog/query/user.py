"""`playlog user ID`: the UserAnalytics of SPEC §3 over a window.

The user's sessions started in the window are loaded once. Runs for
``binge_listening_tendency`` are found with window functions: a session joins
the previous one's run when it starts at most 10 minutes after the previous
session (by start) ended (``ended_at``, else ``last_update``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playlog.query import common
from playlog.query.window import Window

TABLE = "user_sessions"
BINGE_RUN = 5
BINGE_GAP_MINUTES = 10

KNOWN_USER = "SELECT 1 FROM sessions WHERE user_id = ?"
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



def user_report(con: Any, user_id: str, window: Window, *, include_bots: bool = False) -> dict[str, Any]:
    """The metrics of one user over ``window``."""
    common.load_sessions(
        con, TABLE, window, where="AND user_id = ?", params=[user_id], include_bots=include_bots,
        extra="session_id, track_id, ended_at",
    )
    plays = common.rows(con, PLAYS.format(table=TABLE))[0]
    if plays["plays"] == 0 and not common.exists(con, KNOWN_USER, [user_id]):
        raise common.not_found(con, "user", user_id, USER_IDS)
    buckets = common.local_counts(con, TABLE, window.tz)
    hours = common.by_hour(buckets)
    qualities = common.distribution(con, TABLE, "quality")
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
        "device_preferences": common.distribution(con, TABLE, "platform"),
        "quality_preference": next((q for q in qualities if q != "unknown"), None),
        "most_active_hours": most_active_hours(hours),
        "discovery_rate": common.ratio(plays["tracks"], plays["plays"]),
        "last_activity": common.instant(plays["last_ms"]),
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
