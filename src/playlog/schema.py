"""The stored datasets: their layout and Arrow schemas, in one place.

Every dataset lives under the data directory, Hive-partitioned by UTC day
(``<data>/<dataset>/date=YYYY-MM-DD/part-<id>.parquet``). The ``date`` column
comes from the directory name and is not written inside the files.

- ``sessions``: one row per play session, open ones too (``ended = false``);
  a session belongs to the UTC day it started.
- ``events``: one row per event-page record, by the UTC day of its ``ts``.
- ``progress``: one row per ``session_progress`` record (buffer health and
  bytes served, for the real-time view), by the UTC day of its ``ts``.
- ``requests``: one row per request of a web-server access log, by the UTC
  day of its ``ts``.
- ``quarantine``: rejected lines with file, line number, reason and raw text
  (and the raw bytes of lines that are not text), by the UTC day they were
  rejected.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("ms", tz="UTC")

SESSIONS = "sessions"
EVENTS = "events"
PROGRESS = "progress"
QUARANTINE = "quarantine"
REQUESTS = "requests"
PLAYLIST = "playlist"
RAW_DATASETS = (SESSIONS, EVENTS, PROGRESS, REQUESTS)
ROLLUP_DATASETS = ("rollup_plays", "rollup_users", "rollup_events", "rollup_sketches",
                   "rollup_requests", "rollup_play_totals", "rollup_event_totals")
DATASETS = (*RAW_DATASETS, QUARANTINE, *ROLLUP_DATASETS, PLAYLIST)

# Columns derived from the raw user agent, IP, referrer and page URL by the
# enrichment stage; present on both sessions and events.
ENRICHMENT_FIELDS = [
    pa.field("device_type", pa.string()),  # mobile, tablet, desktop, bot, other
    pa.field("os", pa.string()),
    pa.field("browser", pa.string()),
    pa.field("is_bot", pa.bool_()),
    pa.field("country", pa.string()),  # ISO 3166-1 alpha-2
    pa.field("region", pa.string()),
    pa.field("city", pa.string()),
    pa.field("latitude", pa.float64()),
    pa.field("longitude", pa.float64()),
    pa.field("source", pa.string()),  # direct, google, facebook, … or the referrer's host
    pa.field("utm_source", pa.string()),
    pa.field("utm_medium", pa.string()),
    pa.field("utm_campaign", pa.string()),
]

SESSION_SCHEMA = pa.schema(
    [
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string()),
        pa.field("track_id", pa.string()),
        pa.field("client_ip", pa.string()),
        pa.field("user_agent", pa.string()),
        pa.field("started_at", TS),
        pa.field("last_update", TS),
        pa.field("duration_played_ms", pa.int64()),
        pa.field("total_duration_ms", pa.int64()),
        pa.field("completion_percentage", pa.float64()),
        pa.field("quality", pa.string()),
        pa.field("platform", pa.string()),  # web, mobile, desktop, embedded, unknown
        pa.field("referrer", pa.string()),
        pa.field("ended", pa.bool_()),
        pa.field("ended_at", TS),  # ts of the end record; last_update for play/timeout
        pa.field("skip_reason", pa.string()),  # user_skip, network_error, quality_issue, timeout, other
        pa.field("skip_detail", pa.string()),  # the raw text when skip_reason = other
        pa.field("listener_key", pa.string()),  # user_id, else "anon:" + salted hash
        pa.field("anon_key", pa.string()),  # salted hash of (client_ip, user_agent)
        pa.field("has_start", pa.bool_()),  # a session_start or play record was seen
        pa.field("explicit_end", pa.bool_()),  # a session_end or play record was seen
        pa.field("start_ts", TS),  # ts of the start record (null until one is seen)
        pa.field("first_seen", TS),  # earliest ts of any record of the session
        pa.field("end_ts", TS),  # ts of the latest session_end record
        pa.field("given_platform", pa.string()),  # `platform` as the record gave it
        pa.field("given_country", pa.string()),  # a country the record named (an export's)
        pa.field("fill_played", pa.bool_()),  # a scrobble: played = the track's length if known
        *ENRICHMENT_FIELDS,
    ]
)

EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("event_type", pa.string(), nullable=False),
        pa.field("user_id", pa.string()),
        pa.field("session_id", pa.string()),
        pa.field("referrer", pa.string()),
        pa.field("user_agent", pa.string()),
        pa.field("client_ip", pa.string()),
        pa.field("page_url", pa.string()),
        pa.field("ts", TS, nullable=False),
        pa.field("time_on_page_ms", pa.int64()),
        pa.field("metadata", pa.string()),  # the JSON object as text
        pa.field("age_group", pa.string()),  # metadata.age_group
        pa.field("gender", pa.string()),  # metadata.gender
        pa.field("anon_key", pa.string()),
        pa.field("record_id", pa.uint64()),  # hash of the line: the same line twice is one record
        pa.field("platform", pa.string()),
        *ENRICHMENT_FIELDS,
    ]
)

PROGRESS_SCHEMA = pa.schema(
    [
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("ts", TS, nullable=False),
        pa.field("duration_played_ms", pa.int64()),
        pa.field("buffer_health", pa.float64()),
        pa.field("bytes_sent", pa.int64()),
        pa.field("record_id", pa.uint64()),
    ]
)

REQUEST_SCHEMA = pa.schema(
    [
        pa.field("ts", TS, nullable=False),
        pa.field("client_ip", pa.string()),
        pa.field("remote_user", pa.string()),
        pa.field("vhost", pa.string()),
        pa.field("method", pa.string()),  # null when the request line is not HTTP
        pa.field("path", pa.string()),  # without the query; the request as logged if not HTTP
        pa.field("query", pa.string()),
        pa.field("protocol", pa.string()),
        pa.field("status", pa.int16()),
        pa.field("bytes", pa.int64()),  # null for "-"
        pa.field("referrer", pa.string()),
        pa.field("user_agent", pa.string()),
        pa.field("request_time_ms", pa.float64()),
        pa.field("is_static", pa.bool_()),  # an asset, by the path's extension
        pa.field("visitor_key", pa.string()),  # salted hash of (client_ip, user_agent)
        pa.field("format", pa.string()),  # the log format it was read from
        pa.field("record_id", pa.uint64()),  # the file and line it came from
        pa.field("platform", pa.string()),
        *ENRICHMENT_FIELDS,
    ]
)

# Requests are many: dictionaries only where values repeat, min/max where queries filter.
REQUEST_DICTIONARY = (
    "client_ip", "remote_user", "vhost", "method", "path", "query", "protocol", "referrer",
    "user_agent", "visitor_key", "format", "platform", "device_type", "os", "browser", "country",
    "region", "city", "source", "utm_source", "utm_medium", "utm_campaign",
)
REQUEST_STATISTICS = ("ts", "status", "is_static", "is_bot")

# A streaming server's playlist (Icecast's playlist.log): what each mount aired from when.
# Kept beside the raw datasets, never deleted by cleanup (a few rows a day).
PLAYLIST_SCHEMA = pa.schema(
    [
        pa.field("ts", TS, nullable=False),  # when the title went on air
        pa.field("mount", pa.string(), nullable=False),
        pa.field("title", pa.string()),  # the stream title as written ("Artist - Title")
        pa.field("artist", pa.string()),
        pa.field("track_id", pa.string()),  # derived from artist and title (parse.plays)
        pa.field("listeners", pa.int64()),  # listeners connected when it changed
        pa.field("record_id", pa.uint64()),  # hash of the line: the same line twice is one entry
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string()),
        pa.field("line", pa.int64()),
        pa.field("reason", pa.string()),
        pa.field("raw", pa.string()),
        pa.field("rejected_at", TS),
        pa.field("raw_bytes", pa.binary()),  # the line byte for byte, when it is not UTF-8 text
        pa.field("format", pa.string()),  # the format the file was read as
    ]
)

# Roll-ups (see store/rollups.py): additive counts per UTC quarter hour (`hour` and
# the quarter's first `minute`: 0, 15, 30, 45), and sketches.
_SESSION_MEASURES = [
    pa.field(name, pa.float64() if name == "completion_sum" else pa.int64())
    for name in ("plays", "listening_ms", "played_n", "completion_sum", "completion_n", "ended",
                 "skipped", "errored", "skipped_ms", "skipped_played_n")
]
# (hour, minute) of a quarter hour; the requests roll-up keeps whole hours (`hour` alone).
_HOUR = [pa.field("hour", TS), pa.field("minute", pa.int8())]
ROLLUP_PLAYS_SCHEMA = pa.schema(
    [*_HOUR, *(pa.field(n, pa.string()) for n in
              ("track_id", "platform", "quality", "country", "device_type", "source")),
     pa.field("is_bot", pa.bool_()), *_SESSION_MEASURES]
)
ROLLUP_USERS_SCHEMA = pa.schema(
    [*_HOUR, *(pa.field(n, pa.string()) for n in ("user_key", "platform", "quality")),
     pa.field("is_bot", pa.bool_()), pa.field("identified", pa.bool_()), *_SESSION_MEASURES]
)
ROLLUP_EVENTS_SCHEMA = pa.schema(
    [*_HOUR, *(pa.field(n, pa.string()) for n in ("event_id", "event_type", "source", "device_type")),
     pa.field("is_bot", pa.bool_()),
     *(pa.field(n, pa.int64()) for n in ("records", "time_on_page_ms", "time_on_page_n"))]
)
# The totals of a quarter hour without track, user or page: a few thousand rows a day,
# what the period report reads for every whole quarter hour of a window (query/blend.py).
# `skipped` and `errored` count ended sessions only, as the reports' skip and error rates do.
ROLLUP_PLAY_TOTALS_SCHEMA = pa.schema(
    [*_HOUR, *(pa.field(n, pa.string()) for n in
              ("platform", "quality", "country", "device_type", "source")),
     pa.field("is_bot", pa.bool_()),
     *(pa.field(n, pa.float64() if n == "completion_sum" else pa.int64()) for n in
       ("plays", "listening_ms", "completion_sum", "completion_n", "ended", "skipped",
        "errored"))]
)
ROLLUP_EVENT_TOTALS_SCHEMA = pa.schema(
    [*_HOUR, *(pa.field(n, pa.string()) for n in
              ("event_type", "source", "device_type", "country")),
     pa.field("is_bot", pa.bool_()),
     *(pa.field(n, pa.int64()) for n in ("records", "time_on_page_ms", "time_on_page_n"))]
)
ROLLUP_REQUESTS_SCHEMA = pa.schema(
    [_HOUR[0], pa.field("facet", pa.string()), pa.field("value", pa.string()),
     pa.field("is_bot", pa.bool_()),
     *(pa.field(n, pa.int64()) for n in ("requests", "bandwidth", "visitors"))]
)
ROLLUP_SKETCHES_SCHEMA = pa.schema(
    [*_HOUR, pa.field("scope", pa.string()), pa.field("key", pa.string()),
     pa.field("is_bot", pa.bool_()), pa.field("reg", pa.uint16()), pa.field("rho", pa.uint8())]
)

SCHEMAS = {
    SESSIONS: SESSION_SCHEMA,
    EVENTS: EVENT_SCHEMA,
    PROGRESS: PROGRESS_SCHEMA,
    QUARANTINE: QUARANTINE_SCHEMA,
    REQUESTS: REQUEST_SCHEMA,
    PLAYLIST: PLAYLIST_SCHEMA,
    "rollup_plays": ROLLUP_PLAYS_SCHEMA,
    "rollup_users": ROLLUP_USERS_SCHEMA,
    "rollup_events": ROLLUP_EVENTS_SCHEMA,
    "rollup_sketches": ROLLUP_SKETCHES_SCHEMA,
    "rollup_requests": ROLLUP_REQUESTS_SCHEMA,
    "rollup_play_totals": ROLLUP_PLAY_TOTALS_SCHEMA,
    "rollup_event_totals": ROLLUP_EVENT_TOTALS_SCHEMA,
}

# Within a day file, rows are sorted by these and written in row groups of
# ROW_GROUP_ROWS: a report on one track or page then reads the few row groups
# whose min/max statistics hold its id instead of every row group.
SORT_KEYS = {
    SESSIONS: ("track_id", "started_at", "session_id"),
    EVENTS: ("event_id", "ts"),
    PROGRESS: ("ts",),
    QUARANTINE: ("rejected_at", "source_file", "line"),
    REQUESTS: ("ts", "record_id"),
    PLAYLIST: ("mount", "ts"),
}
ROW_GROUP_ROWS = 16_384

# Columns Parquet dictionary-encodes wherever a dataset has them: values that repeat from
# row to row (categories, names, the ids reports group by). Ids and hashes that are nearly
# unique are written plain: a dictionary of them only grows until the writer gives it up,
# which made day files a fifth larger and a quarter slower to write (docs/performance.md).
DICTIONARY_COLUMNS = frozenset({
    "track_id", "user_id", "listener_key", "user_key", "event_id", "event_type", "page_url",
    "key", "scope", "platform", "quality",
    "country", "region", "city", "device_type", "os", "browser", "source", "utm_source",
    "utm_medium", "utm_campaign", "referrer", "user_agent", "skip_reason", "skip_detail",
    "given_platform", "given_country", "age_group", "gender", "mount", "title", "format",
    "reason", "source_file", "artist", "facet", "value",
})


def dictionary_columns(names) -> list[str] | bool:
    """The columns of `names` to dictionary-encode (False: none), for pyarrow's writers."""
    return [name for name in names if name in DICTIONARY_COLUMNS] or False

EVENT_TYPES = ("view", "click", "share", "favorite", "external_click", "ticket_click")
RECORD_TYPES = ("session_start", "session_progress", "session_end", "play", "event")
QUALITIES = ("high", "medium", "low", "mobile")
PLATFORMS = ("web", "mobile", "desktop", "embedded", "unknown")
DEVICE_TYPES = ("mobile", "tablet", "desktop", "bot", "other")
SKIP_REASONS = ("user_skip", "network_error", "quality_issue", "timeout")
ERROR_REASONS = ("network_error", "quality_issue", "timeout")
