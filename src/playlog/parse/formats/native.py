"""The native format (docs/formats.md): one JSON object per line.

`parse_lines` validates and types a table of ``(line_no, line)`` in one DuckDB
query: every line is parsed once, checked against the rules below, and comes
out either as a typed record or as a reject with its reason. Nothing is
dropped: blank lines are skipped, everything else is a record or a reject.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from playlog.parse.registry import Format, ParseContext, Parsed, register
from playlog.schema import EVENT_TYPES, RECORD_TYPES

TEXT_FIELDS = (
    "type", "ts", "session_id", "track_id", "user_id", "client_ip", "user_agent", "quality",
    "platform", "referrer", "skip_reason", "event_id", "event_type", "page_url",
    "duration_played_ms", "total_duration_ms", "buffer_health", "bytes_sent", "time_on_page_ms",
)
NUMBER_FIELDS = ("duration_played_ms", "total_duration_ms", "bytes_sent", "time_on_page_ms")

REQUIRED = {
    "session_start": ("session_id", "track_id"),
    "session_progress": ("session_id", "duration_played_ms"),
    "session_end": ("session_id",),
    "play": ("session_id", "track_id", "duration_played_ms"),
    "event": ("event_id", "event_type"),
}

# Timestamps outside these bounds are mistakes (seconds given as milliseconds, …).
TS_MIN, TS_MAX = "1990-01-01", "2100-01-01"


def _structure() -> str:
    fields = ", ".join(f'"{name}": "VARCHAR"' for name in TEXT_FIELDS)
    return "{" + fields + ', "metadata": "JSON"}'


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _present(name: str) -> str:
    return f"(r.{name} IS NOT NULL AND r.{name} <> '')"


def _reason_sql() -> str:
    """One CASE: the first rule a line breaks names its reason."""
    rules = [
        ("r IS NULL", "'invalid JSON'"),
        ("NOT starts_with(ltrim(line), '{')", "'not a JSON object'"),
        ("r.type IS NULL", "'missing required field: type'"),
        (
            f"r.type NOT IN ({', '.join(map(_q, RECORD_TYPES))})",
            "'unknown type: ' || left(r.type, 80)",
        ),
        ("r.ts IS NULL", "'missing required field: ts'"),
        ("ts_parsed IS NULL", "'invalid ts: ' || left(r.ts, 80)"),
        (
            f"ts_parsed < TIMESTAMPTZ '{TS_MIN}' OR ts_parsed >= TIMESTAMPTZ '{TS_MAX}'",
            "'ts out of range: ' || left(r.ts, 80)",
        ),
    ]
    for kind, fields in REQUIRED.items():
        missing = " OR ".join(f"NOT {_present(name)}" for name in fields)
        first_missing = " ".join(
            f"WHEN NOT {_present(name)} THEN '{name}'" for name in fields
        )
        rules.append(
            (f"r.type = '{kind}' AND ({missing})",
             f"'missing required field: ' || CASE {first_missing} END")
        )
    for name in NUMBER_FIELDS:
        rules.append(
            (f"r.{name} IS NOT NULL AND n_{name} IS NULL",
             f"'invalid {name}: ' || left(r.{name}, 40)")
        )
        rules.append((f"n_{name} < 0", f"'negative {name}: ' || r.{name}"))
    rules += [
        (
            "r.buffer_health IS NOT NULL AND (n_buffer_health IS NULL "
            "OR n_buffer_health NOT BETWEEN 0 AND 100)",
            "'buffer_health not within 0-100: ' || left(r.buffer_health, 40)",
        ),
        (
            f"r.type = 'event' AND r.event_type NOT IN ({', '.join(map(_q, EVENT_TYPES))})",
            "'unknown event_type: ' || left(r.event_type, 80)",
        ),
        (
            "r.metadata IS NOT NULL AND json_type(r.metadata) NOT IN ('OBJECT', 'NULL')",
            "'metadata is not an object'",
        ),
    ]
    whens = "\n".join(f"        WHEN {cond} THEN {reason}" for cond, reason in rules)
    return f"CASE\n{whens}\n    END"


def _int(name: str) -> str:
    return f"CAST(round(n_{name}) AS BIGINT) AS {name}"


def _text(name: str) -> str:
    return f"nullif(r.{name}, '') AS {name}"


def _lower(name: str) -> str:
    return f"lower(nullif(trim(r.{name}), '')) AS {name}"


_NUMBERS = ", ".join(
    f"TRY_CAST(r.{name} AS DOUBLE) AS n_{name}" for name in (*NUMBER_FIELDS, "buffer_health")
)

# Blank lines are skipped (a line of spaces only is blank too, checked only on
# lines that are not JSON). Epoch milliseconds are told from RFC 3339 text by
# the absence of '-' and ':' (cheaper than a regular expression).
PARSE_SQL = f"""
WITH obj AS (
    SELECT line_no, line, try(json_transform(line, '{_structure()}')) AS r
    FROM lines
    WHERE line <> ''
), typed AS (
    SELECT *,
        CASE
            WHEN NOT contains(r.ts, '-') AND NOT contains(r.ts, ':')
                THEN make_timestamp(CAST(TRY_CAST(r.ts AS DOUBLE) * 1000 AS BIGINT))::TIMESTAMPTZ
            ELSE TRY_CAST(r.ts AS TIMESTAMPTZ)
        END AS ts_parsed,
        {_NUMBERS}
    FROM obj
    WHERE r IS NOT NULL OR trim(line) <> ''
)
SELECT
    line_no,
    {_reason_sql()} AS reason,
    CASE WHEN reason IS NOT NULL THEN left(line, 65536) END AS raw,
    r.type AS type,
    ts_parsed AS ts,
    {_text("session_id")}, {_text("track_id")}, {_text("user_id")}, {_text("client_ip")},
    {_text("user_agent")}, {_lower("quality")}, {_lower("platform")},
    {_text("referrer")}, {_text("skip_reason")}, {_text("event_id")}, {_text("event_type")},
    {_text("page_url")},
    {_int("duration_played_ms")}, {_int("total_duration_ms")}, {_int("bytes_sent")},
    {_int("time_on_page_ms")},
    n_buffer_health AS buffer_health,
    CASE WHEN json_type(r.metadata) = 'OBJECT' THEN CAST(r.metadata AS VARCHAR) END AS metadata,
    CASE WHEN json_type(r.metadata) = 'OBJECT' THEN r.metadata->>'$.age_group' END AS age_group,
    CASE WHEN json_type(r.metadata) = 'OBJECT' THEN r.metadata->>'$.gender' END AS gender,
    CASE WHEN r.client_ip IS NOT NULL OR r.user_agent IS NOT NULL THEN
        left(sha256($salt || '|' || coalesce(r.client_ip, '') || '|' || coalesce(r.user_agent, '')), 20)
    END AS anon_key,
    md5_number_lower(line) AS record_id
FROM typed
"""


def parse_lines(con: duckdb.DuckDBPyConnection, lines: pa.Table, salt: str) -> pa.Table:
    """Validate and type one table of lines; rows with a `reason` are rejects."""
    con.register("lines", lines)
    try:
        return con.sql(PARSE_SQL, params={"salt": salt}).to_arrow_table()
    finally:
        con.unregister("lines")


class NativeParser:
    def __init__(self, context: ParseContext, state: dict[str, Any] | None = None) -> None:
        self.salt = context.salt

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        return Parsed(records=parse_lines(con, lines, self.salt))

    def state(self) -> dict[str, Any]:
        return {}


def sniff(sample: Sequence[str]) -> int:
    """Lines that are JSON objects with a known `type` (a few lines: no need for DuckDB)."""
    found = 0
    for text in sample:
        if not text.lstrip().startswith("{"):
            continue
        try:
            record = json.loads(text)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("type") in RECORD_TYPES:
            found += 1
    return found


FORMAT = register(Format(
    name="native",
    summary="playlog's own JSON Lines: session_start / progress / end, play and event records",
    sample='{"type":"play","ts":"2026-11-20T18:04:05Z","session_id":"s1","track_id":"t1",'
           '"duration_played_ms":181000}',
    sniff=sniff,
    open=NativeParser,
    specificity=10,  # keyed by `type`: more specific than any other JSON format
))
