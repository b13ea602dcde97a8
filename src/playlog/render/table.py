"""Table output: one layout per report kind, built from the blocks.

``render_table(kind, data, console)`` prints the report; ``kind`` is one of
track, user, event, event-periods, top-tracks, top-events, realtime, report,
traffic (render/traffic.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console, RenderableType

from playlog.render import blocks as b
from playlog.render import traffic as web

TRACK_COLUMNS = [
    ("rank", "#", None), ("track_id", "track", None), ("title", "title", None),
    ("artist", "artist", None), ("plays", "plays", None), ("listeners", "listeners", None),
    ("listening_time_ms", "time", b.duration), ("completion_rate", "completion", b.percent),
    ("skip_rate", "skips", b.percent),
]
USER_COLUMNS = [
    ("rank", "#", None), ("user_id", "user", None), ("listening_time_ms", "time", b.duration),
    ("plays", "plays", None), ("unique_tracks", "tracks", None),
]
EVENT_COLUMNS = [
    ("rank", "#", None), ("event_id", "event", None), ("views", "views", None),
    ("unique_views", "unique", None), ("clicks", "clicks", None), ("shares", "shares", None),
    ("favorites", "favs", None), ("ticket_clicks", "tickets", None),
    ("external_clicks", "external", None),
]
PERIOD_COLUMNS = [
    ("period", "period", None), ("views", "views", None), ("unique_views", "unique", None),
    ("clicks", "clicks", None), ("shares", "shares", None), ("favorites", "favs", None),
    ("ticket_clicks", "tickets", None), ("external_clicks", "external", None),
    ("avg_time_on_page_seconds", "avg s", None), ("bounce_rate", "bounce", b.percent),
]
NOW_COLUMNS = [
    ("track_id", "track", None), ("title", "title", None), ("artist", "artist", None),
    ("current_listeners", "now", None), ("started_in_last_hour", "last hour", None),
]


def track_view(d: dict[str, Any]) -> list[RenderableType]:
    name = " · ".join(x for x in (d["title"], d["artist"]) if x)
    return [
        b.pairs(f"Track {d['track_id']}" + (f" — {name}" if name else ""), [
            ("plays", b.number(d["total_plays"])),
            ("unique listeners", b.number(d["unique_listeners"])),
            ("listening time", b.duration(d["total_duration_played_ms"])),
            ("average completion", b.percent(d["average_completion_rate"])),
            ("skip rate", b.percent(d["skip_rate"])),
            ("virality (listeners / plays)", b.percent(d["virality_score"])),
            ("peak concurrent listeners", b.number(d["peak_concurrent_listeners"])),
            ("peak listening hour", b.number(d["peak_listening_hour"])),
        ]),
        b.hours_line("Plays by hour", d["plays_by_hour"]),
        b.bars("Plays by day", d["plays_by_day"], limit=None),
        b.bars("Quality", d["quality_distribution"]),
        b.bars("Countries", d["geographic_distribution"]),
        b.bars("Platforms", d["platform_distribution"]),
    ]


def user_view(d: dict[str, Any]) -> list[RenderableType]:
    p = d["listening_patterns"]
    ratio = p["weekend_vs_weekday_ratio"]
    return [
        b.pairs(f"User {d['user_id']}", [
            ("listening time", b.duration(d["total_listening_time_ms"])),
            ("tracks played", b.number(d["tracks_played"])),
            ("unique tracks", b.number(d["unique_tracks"])),
            ("discovery rate", b.percent(d["discovery_rate"])),
            ("average session", b.duration(d["average_session_duration_ms"])),
            ("favourite genres", b.number(d["favorite_genres"][:5])),
            ("preferred quality", b.number(d["quality_preference"])),
            ("most active hours", b.number(d["most_active_hours"])),
            ("last activity", b.number(d["last_activity"])),
        ]),
        b.pairs("Listening patterns", [
            ("completion rate", b.percent(p["completion_rate"])),
            ("average time before a skip", b.duration(p["average_skip_time_ms"])),
            ("binge listening", b.percent(p["binge_listening_tendency"])),
            ("peak listening hour", b.number(p["peak_listening_hour"])),
            ("weekend / weekday", "—" if ratio is None else f"{ratio:.2f}x"),
        ]),
        b.bars("Platforms", d["device_preferences"]),
    ]


def event_view(d: dict[str, Any]) -> list[RenderableType]:
    return [
        b.pairs(f"Event page {d['event_id']}", [
            ("views", b.number(d["total_views"])),
            ("unique views", b.number(d["total_unique_views"])),
            ("clicks", b.number(d["total_clicks"])),
            ("shares", b.number(d["total_shares"])),
            ("favorites", b.number(d["total_favorites"])),
            ("ticket clicks", b.number(d["total_ticket_clicks"])),
            ("external clicks", b.number(d["total_external_clicks"])),
            ("average time on page", f"{d['avg_time_on_page_seconds']:.1f}s"),
            ("bounce rate", b.percent(d["bounce_rate"])),
            ("peak hour", b.number(d["peak_hour"])),
            ("peak day", b.number(d["peak_day"])),
            ("first view", b.number(d["first_view_at"])),
            ("last view", b.number(d["last_view_at"])),
        ]),
        b.ranked("Recent", [
            {"period": "24 h", "views": d["views_24h"], "unique_views": d["unique_views_24h"],
             "clicks": d["clicks_24h"]},
            {"period": "7 days", "views": d["views_7d"], "unique_views": d["unique_views_7d"]},
            {"period": "30 days", "views": d["views_30d"], "unique_views": d["unique_views_30d"]},
        ], PERIOD_COLUMNS[:4]),
        b.bars("Traffic sources", d["traffic_sources"]),
        b.bars("Devices", d["device_types"]),
    ]


def realtime_view(d: dict[str, Any]) -> list[RenderableType]:
    health = d["average_buffer_health"]
    return [
        b.pairs("Now", [
            ("current listeners", b.number(d["current_listeners"])),
            ("streams started in the last hour", b.number(d["streams_started_last_hour"])),
            ("served in the last hour", f"{d['bytes_served_last_hour'] / 1e6:,.1f} MB"),
            ("errors in the last hour", f"{d['error_rate_percentage']:.1f}%"),
            ("average buffer health", "—" if health is None else f"{health:.1f}%"),
        ]),
        b.ranked("Top tracks now", d["top_tracks_now"], NOW_COLUMNS),
        b.bars("Countries now", d["geographic_activity"]),
        b.bars("Quality now", d["quality_distribution_now"]),
    ]


def report_view(d: dict[str, Any]) -> list[RenderableType]:
    t, c, e = d["totals"], d["change"], d["events"]
    w = d["window"]
    return [
        b.pairs("Report", [
            ("from", b.number(w["from"])), ("to", b.number(w["to"])), ("time zone", w["tz"]),
            ("plays", b.number(t["plays"])), ("  vs previous", b.change(c["plays"])),
            ("listeners", b.number(t["unique_listeners"])),
            ("  vs previous", b.change(c["unique_listeners"])),
            ("listening time", b.duration(t["listening_time_ms"])),
            ("  vs previous", b.change(c["listening_time_ms"])),
            ("completion", b.percent(t["average_completion_rate"])),
            ("skip rate", b.percent(t["skip_rate"])), ("error rate", b.percent(t["error_rate"])),
        ]),
        b.ranked("Top tracks", d["top_tracks"], TRACK_COLUMNS),
        b.ranked("Top listeners", d["top_users"], USER_COLUMNS),
        b.bars("Plays by day", d["plays_by_day"], limit=None),
        b.hours_line("Plays by hour", d["plays_by_hour"]),
        b.heatmap("Plays by weekday and hour", d["plays_by_weekday_hour"]),
        b.bars("Platforms", d["platform_distribution"]),
        b.bars("Quality", d["quality_distribution"]),
        b.bars("Countries", d["geographic_distribution"]),
        b.pairs("Event pages", [(k.replace("_", " "), b.number(v)) for k, v in e.items()]),
        b.ranked("Top events", d["top_events"], EVENT_COLUMNS),
        b.bars("Traffic sources", d["traffic_sources"]),
        b.bars("Devices", d["device_types"]),
        *(web.web_section(d["web_traffic"]) if "web_traffic" in d else []),
    ]


VIEWS: dict[str, Callable[[Any], list[RenderableType]]] = {
    "track": track_view,
    "user": user_view,
    "event": event_view,
    "event-periods": lambda rows: [b.ranked("Event page by period", rows, PERIOD_COLUMNS)],
    "top-tracks": lambda rows: [b.ranked("Top tracks", rows, TRACK_COLUMNS)],
    "top-events": lambda rows: [b.ranked("Top event pages", rows, EVENT_COLUMNS)],
    "realtime": realtime_view,
    "report": report_view,
    "traffic": web.traffic_view,
}


def layout(kind: str, data: Any) -> list[RenderableType]:
    return VIEWS[kind](data)


def render_table(kind: str, data: Any, console: Console) -> None:
    for part in layout(kind, data):
        console.print(part)
        console.print()
