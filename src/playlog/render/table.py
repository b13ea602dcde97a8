"""Table output: one layout per report kind, built from the blocks.

``render_table(kind, data, console)`` prints the report; ``kind`` is one of
track, user, event, event-periods, the top-* charts, breakdown and recent
(render/rankings.py), realtime, report, traffic (render/traffic.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.console import Console, RenderableType
from rich.text import Text

from playlog.render import blocks as b
from playlog.render import rankings
from playlog.render import traffic as web
from playlog.render.rankings import filters_line

C = b.column
ID = 99  # an id column is never shortened

TRACK_COLUMNS = [
    C("rank", "#"), C("track_id", "track", text=True, min_width=ID),
    C("title", "title", text=True, min_width=10), C("artist", "artist", text=True, drop=3),
    C("total_plays", "plays"), C("unique_listeners", "listeners"),
    C("total_duration_played_ms", "time", b.duration, drop=4),
    C("average_completion_rate", "completion", b.percent, drop=2),
    C("skip_rate", "skips", b.percent, drop=1),
]
USER_COLUMNS = [
    C("rank", "#"), C("user_id", "user", text=True, min_width=ID),
    C("total_listening_time_ms", "time", b.duration), C("tracks_played", "plays"),
    C("unique_tracks", "tracks", drop=1),
]
EVENT_COUNT_COLUMNS = [
    C("total_views", "views"), C("total_unique_views", "unique"), C("total_clicks", "clicks"),
    C("total_shares", "shares", drop=4), C("total_favorites", "favs", drop=3),
    C("total_ticket_clicks", "tickets", drop=2), C("total_external_clicks", "external", drop=1),
]
EVENT_COLUMNS = [C("rank", "#"), C("event_id", "event", text=True, min_width=ID),
                 *EVENT_COUNT_COLUMNS]
PERIOD_COLUMNS = [
    C("period", "period", text=True, min_width=ID), *EVENT_COUNT_COLUMNS,
    C("avg_time_on_page_seconds", "avg s", drop=5), C("bounce_rate", "bounce", b.percent),
]
HABIT_TRACK_COLUMNS = [
    C("title", "title", text=True, min_width=10), C("artist", "artist", text=True, drop=1),
    C("total_plays", "plays"), C("total_duration_played_ms", "time", b.duration),
]
ARTIST_COLUMNS = [
    C("artist", "artist", text=True, min_width=10), C("total_plays", "plays"),
    C("unique_tracks", "tracks", drop=1), C("total_duration_played_ms", "time", b.duration),
]
NOW_COLUMNS = [
    C("track_id", "track", text=True, min_width=ID), C("title", "title", text=True),
    C("artist", "artist", text=True, drop=1), C("current_listeners", "now"),
    C("started_in_last_hour", "last hour"),
]


def window_text(w: dict[str, str]) -> str:
    """``2026-11-14 00:00:00Z to 2026-11-21 00:00:00Z`` (all time: ``until …``)."""
    if w["from"] is None:
        return f"all time until {b.local_time(w['to'])}"
    return f"{b.local_time(w['from'])} to {b.local_time(w['to'])}"


def partial_footnotes(w: dict[str, str], days: list[str]) -> list[str]:
    """``* 2026-11-13: from 18:00 only`` for each day the window covers in part."""
    end = datetime.fromisoformat(w["to"])
    start = datetime.fromisoformat(w["from"]) if w["from"] else None
    notes = []
    for day in days:
        if start and day == start.date().isoformat() == end.date().isoformat():
            notes.append(f"* {day}: {start:%H:%M} to {end:%H:%M} only")
        elif start and day == start.date().isoformat():
            notes.append(f"* {day}: from {start:%H:%M} only (the window starts then)")
        else:
            notes.append(f"* {day}: until {end:%H:%M} only (the window ends then)")
    return notes


def days_bars(d: dict[str, Any]) -> RenderableType:
    partial = d.get("partial_days", [])
    return b.bars("Plays by day", d["plays_by_day"], limit=None, marked=partial,
                  footnotes=partial_footnotes(d["window"], partial))


def notes_view(notes: list[str]) -> list[RenderableType]:
    return [Text("\n".join(f"Note: {n}" for n in notes))] if notes else []


def funnel_view(title: str, e: dict[str, Any]) -> RenderableType:
    f = e["funnel"]
    items = [("bounce rate", b.percent(e["bounce_rate"]))] if "bounce_rate" in e else []
    if "avg_time_on_page_seconds" in e:
        items.append(("average time on page", rankings.seconds(e["avg_time_on_page_seconds"])))
    return b.pairs(title, [
        *items,
        ("viewing sessions", b.number(f["viewing_sessions"])),
        ("  that clicked", b.number(f["clicking_sessions"])),
        ("  then clicked a ticket", b.number(f["ticket_sessions"])),
        ("view → click", b.percent(f["view_to_click_rate"])),
        ("click → ticket", b.percent(f["click_to_ticket_rate"])),
        ("view → ticket", b.percent(f["view_to_ticket_rate"])),
    ])


def demographics_view(d: dict[str, Any]) -> list[RenderableType]:
    return [b.bars("Age groups (visitors)", d["age_groups"]),
            b.bars("Genders (visitors)", d["genders"])]


def track_view(d: dict[str, Any]) -> list[RenderableType]:
    name = " · ".join(x for x in (d["title"], d["artist"]) if x)
    return [*filters_line(d),
        b.pairs(f"Track {d['track_id']}" + (f" — {name}" if name else "")
                + f"\n{window_text(d['window'])}", [
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
        days_bars(d),
        b.bars("Quality", d["quality_distribution"]),
        b.bars("Countries", d["geographic_distribution"]),
        b.bars("Platforms", d["platform_distribution"]),
        *notes_view(d["notes"]),
    ]


def user_view(d: dict[str, Any]) -> list[RenderableType]:
    p = d["listening_patterns"]
    ratio = p["weekend_vs_weekday_ratio"]
    return [*filters_line(d),
        b.pairs(f"User {d['user_id']}\n{window_text(d['window'])}", [
            ("listening time", b.duration(d["total_listening_time_ms"])),
            ("tracks played", b.number(d["tracks_played"])),
            ("unique tracks", b.number(d["unique_tracks"])),
            ("discovery rate", b.percent(d["discovery_rate"])),
            ("average session", b.duration(d["average_session_duration_ms"])),
            ("favourite genres", b.number(d["favorite_genres"][:5])),
            ("preferred quality", b.number(d["quality_preference"])),
            ("most active hours", b.number(d["most_active_hours"])),
            ("skip rate", b.percent(d["skip_rate"])),
            ("plays without a known duration", b.number(d["plays_with_unknown_duration"])),
            ("first activity", b.number(d["first_activity"])),
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
        b.ranked("Top artists (by listening time)", d["top_artists"], ARTIST_COLUMNS),
        b.ranked("Top tracks (by listening time)", d["top_tracks"], HABIT_TRACK_COLUMNS),
        b.bars("Plays by weekday", d["plays_by_weekday"], limit=None),
        *notes_view(d["notes"]),
    ]


def event_view(d: dict[str, Any]) -> list[RenderableType]:
    name = f" — {d['title']}" if d.get("title") else ""
    return [
        *filters_line(d),
        b.pairs(f"Event page {d['event_id']}{name}\n{window_text(d['window'])}", [
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
            {"period": "24 h", "total_views": d["views_24h"],
             "total_unique_views": d["unique_views_24h"], "total_clicks": d["clicks_24h"]},
            {"period": "7 days", "total_views": d["views_7d"],
             "total_unique_views": d["unique_views_7d"]},
            {"period": "30 days", "total_views": d["views_30d"],
             "total_unique_views": d["unique_views_30d"]},
        ], PERIOD_COLUMNS[:4]),
        funnel_view("From views to tickets", {"funnel": d["funnel"]}),
        b.bars("Traffic sources", d["traffic_sources"]),
        b.bars("Devices", d["device_types"]),
        *demographics_view(d),
        *notes_view(d["notes"]),
    ]


LIVE_COLUMNS = [
    C("event_id", "event", text=True, min_width=ID), C("title", "title", text=True, drop=1),
    C("live_visitors", "now"), C("views_last_hour", "views last hour"),
]


def realtime_view(d: dict[str, Any]) -> list[RenderableType]:
    parts = [*filters_line(d), *(_listening_now(d) if "current_listeners" in d else [])]
    if "live_visitors" in d:
        parts += [b.pairs("Event pages now", [
            ("live visitors (last 5 minutes)", b.number(d["live_visitors"])),
            ("views in the last hour", b.number(d["views_last_hour"]))]),
            b.ranked("Event pages being read", d["live_pages"], LIVE_COLUMNS)]
    return [*parts, *notes_view(d.get("notes", []))]


def _listening_now(d: dict[str, Any]) -> list[RenderableType]:
    health = d["average_buffer_health"]
    return [
        b.pairs("Now", [
            ("at", b.local_time(d["window"]["to"])),
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
    w = d["window"]
    head = [("from", b.local_time(w["from"])), ("to", b.local_time(w["to"])),
            ("time zone", w["tz"])]
    listening = _report_listening(d, head) if "totals" in d else [b.pairs("Report", head)]
    return [
        *filters_line(d), *listening,
        *(_report_events(d) if "events" in d else []),
        *(web.web_section(d["web_traffic"]) if "web_traffic" in d else []),
        *notes_view(d["notes"]),
    ]


def _report_listening(d: dict[str, Any], head: list[tuple[str, Any]]) -> list[RenderableType]:
    t, c = d["totals"], d["change"]
    return [
        b.pairs("Report", [
            *head,
            ("plays", b.number(t["total_plays"])), ("  vs previous", b.change(c["total_plays"])),
            ("listeners", b.number(t["unique_listeners"])),
            ("  vs previous", b.change(c["unique_listeners"])),
            ("listening time", b.duration(t["total_duration_played_ms"])),
            ("  vs previous", b.change(c["total_duration_played_ms"])),
            ("completion", b.percent(t["average_completion_rate"])),
            ("skip rate", b.percent(t["skip_rate"])), ("error rate", b.percent(t["error_rate"])),
        ]),
        b.ranked("Top tracks", d["top_tracks"], TRACK_COLUMNS),
        rankings.ranked_table("Top artists", d["top_artists"], "artist"),
        rankings.ranked_table("Top genres", d["top_genres"], "genre"),
        b.ranked("Top listeners", d["top_users"], USER_COLUMNS),
        days_bars(d),
        b.hours_line("Plays by hour", d["plays_by_hour"]),
        b.heatmap("Plays by weekday and hour", d["plays_by_weekday_hour"]),
        b.bars("Platforms", d["platform_distribution"]),
        b.bars("Quality", d["quality_distribution"]),
        b.bars("Countries", d["geographic_distribution"]),
    ]


def _report_events(d: dict[str, Any]) -> list[RenderableType]:
    return [
        b.pairs("Event pages", [(k.removeprefix("total_").replace("_", " "), b.number(v))
                                for k, v in d["events"].items()]),
        funnel_view("Engagement", d["engagement"]),
        b.ranked("Top events", d["top_events"], EVENT_COLUMNS),
        b.bars("Traffic sources", d["traffic_sources"]),
        b.bars("Devices", d["device_types"]),
        *demographics_view(d),
    ]


VIEWS: dict[str, Callable[[Any], list[RenderableType]]] = {
    "track": track_view,
    "user": user_view,
    "event": event_view,
    "event-periods": lambda d: [
        *filters_line(d),
        b.ranked(f"Event page {d['event_id']} by {d['period']}, {window_text(d['window'])}",
                 d["periods"], PERIOD_COLUMNS), *notes_view(d["notes"])],
    "realtime": realtime_view,
    "report": report_view,
    "traffic": lambda d: [*filters_line(d), *web.traffic_view(d),
                          *notes_view(d.get("notes", []))],
    "breakdown": rankings.breakdown_view,
    "recent": rankings.recent_view,
}


def _charts() -> None:
    from playlog.query.charts import CHARTS, FIELDS

    titles = {"top-tracks": "Top tracks", "top-artists": "Top artists",
              "top-albums": "Top albums", "top-genres": "Top genres",
              "top-events": "Top event pages"}
    for name, chart in CHARTS.items():
        VIEWS[name] = rankings.chart_view(titles[name], chart.rows, chart.key, FIELDS[name])


_charts()


def layout(kind: str, data: Any) -> list[RenderableType]:
    return VIEWS[kind](data)


def render_table(kind: str, data: Any, console: Console) -> None:
    for part in layout(kind, data):
        console.print(part)
        console.print()
