"""The native format (docs/formats.md): one JSON object per line.

`parse_lines` validates and types a table of ``(line_no, line)`` in one DuckDB
query: every line is parsed once, checked against the rules below, and comes
out either as a typed record or as a reject with its reason. Nothing is
dropped: blank lines are skipped, everything else is a record or a reject. No
value makes the query fail: numbers that do not fit (``1e300``, ``NaN``, an
integer beyond 64 bits), text where a number belongs, objects, arrays or
booleans where text belongs, impossible time-zone offsets and values over
their size limit are rejects with a reason, like any other invalid line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from playlog.parse.keys import anon_key_sql
from playlog.parse.lines import RAW_BYTES
from playlog.parse.registry import Format, ParseContext, Parsed, json_objects, register
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

# The largest accepted values (docs/formats.md): a duration beyond a year is a
# mistake (and a `play` would move the session clock past every open session);
# byte counts must be exact in a double.
DAY_MS = 86_400_000
NUMBER_MAX = {
    "duration_played_ms": 366 * DAY_MS,
    "total_duration_ms": 366 * DAY_MS,
    "time_on_page_ms": 366 * DAY_MS,
    "bytes_sent": 2**53,
}

# Size limits of text values, in bytes (docs/formats.md).
KIB = 1024
TEXT_MAX = {
    "session_id": KIB, "track_id": KIB, "user_id": KIB, "event_id": KIB, "skip_reason": KIB,
    "quality": 256, "platform": 256, "client_ip": 256,
    "user_agent": 8 * KIB, "referrer": 16 * KIB, "page_url": 16 * KIB,
}
METADATA_MAX = 64 * KIB
# Fields whose value must be JSON text or a number: an object, array or boolean is rejected.
SCALAR_FIELDS = tuple(TEXT_MAX)

# An RFC 3339 offset that no clock has: hours from 24, minutes from 60.
BAD_OFFSET = r":\d\d(:\d\d([.,]\d*)?)?[+-]((2[4-9]|[3-9]\d)(:?\d\d)?|\d\d:?[6-9]\d)$"


def _structure() -> str:
    fields = ", ".join(f'"{name}": "VARCHAR"' for name in TEXT_FIELDS)
    return "{" + fields + ', "metadata": "JSON"}'


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _present(name: str) -> str:
    return f"(r.{name} IS NOT NULL AND r.{name} <> '')"


def _wrong_type(name: str) -> str:
    """Text a JSON object, array or boolean became (checked on the line only when the
    text looks like one, so the common case costs a comparison)."""
    value = f"r.{name}"
    looks = (f"(starts_with({value}, '{{') OR starts_with({value}, '[') "
             f"OR {value} IN ('true', 'false'))")
    return f"{looks} AND json_type(line, '$.{name}') IN ('OBJECT', 'ARRAY', 'BOOLEAN')"


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
        ("ts_parsed IS NULL OR ts_bad_offset", "'invalid ts: ' || left(r.ts, 80)"),
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
    for name in SCALAR_FIELDS:
        rules.append((_wrong_type(name),
                      f"'wrong type of {name}: ' || lower(json_type(line, '$.{name}'))"))
    # A value over its limit needs a line longer than the smallest limit: one test
    # of the line's length spares a typical line a test per field.
    too_long = {name: f"strlen(r.{name}) > {limit}" for name, limit in TEXT_MAX.items()}
    rules.append((
        f"strlen(line) > {min(TEXT_MAX.values())} AND ({' OR '.join(too_long.values())})",
        "CASE " + " ".join(
            f"WHEN {cond} THEN '{name} too long: ' || strlen(r.{name}) "
            f"|| ' bytes (at most {TEXT_MAX[name]})'" for name, cond in too_long.items()) + " END",
    ))
    rules.append((f"strlen(CAST(r.metadata AS VARCHAR)) > {METADATA_MAX}",
                  (f"'metadata too long: ' || strlen(CAST(r.metadata AS VARCHAR)) "
                   f"|| ' bytes (at most {METADATA_MAX})'")))
    for name in NUMBER_FIELDS:
        rules.append(
            (f"r.{name} IS NOT NULL AND (n_{name} IS NULL OR NOT isfinite(n_{name}))",
             f"'invalid {name}: ' || left(r.{name}, 40)")
        )
        rules.append((f"n_{name} < 0", f"'negative {name}: ' || left(r.{name}, 40)"))
        rules.append((f"n_{name} > {NUMBER_MAX[name]}",
                      (f"'{name} out of range: ' || left(r.{name}, 40) "
                       f"|| ' (at most {NUMBER_MAX[name]})'")))
    rules += [
        (
            ("r.buffer_health IS NOT NULL AND (n_buffer_health IS NULL "
             "OR NOT (n_buffer_health BETWEEN 0 AND 100))"),
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
    """The whole number of an accepted value; rejected lines get null (never a failed cast)."""
    return (f"CASE WHEN reason IS NULL THEN CAST(round(n_{name}) AS BIGINT) END AS {name}")


def _text(name: str) -> str:
    return f"nullif(r.{name}, '') AS {name}"


def _lower(name: str) -> str:
    return f"lower(nullif(trim(r.{name}), '')) AS {name}"


_NUMBERS = ", ".join(
    f"TRY_CAST(r.{name} AS DOUBLE) AS n_{name}" for name in (*NUMBER_FIELDS, "buffer_health")
)

# Blank lines are skipped (a line of spaces only is blank too, checked only on
# lines that are not JSON). Epoch milliseconds are told from RFC 3339 text by
# the absence of '-' and ':' (cheaper than a regular expression); a number too
# large for a timestamp is clamped far outside the accepted range (so it is
# "out of range"), one that is not finite is left null ("invalid"). An offset is
# checked only on text that does not end in Z.
PARSE_SQL = f"""
WITH obj AS (
    SELECT line_no, line, try(json_transform(line, '{_structure()}')) AS r
    FROM lines
    WHERE line <> ''
), numbers AS (
    SELECT *,
        NOT contains(r.ts, '-') AND NOT contains(r.ts, ':') AS ts_is_number,
        CASE WHEN ts_is_number THEN TRY_CAST(r.ts AS DOUBLE) END AS n_ts,
        {_NUMBERS}
    FROM obj
    WHERE r IS NOT NULL OR trim(line) <> ''
), typed AS (
    SELECT *,
        CASE
            WHEN ts_is_number THEN CASE WHEN isfinite(n_ts) THEN make_timestamp(
                CAST(least(greatest(n_ts, -1e15), 1e15) * 1000 AS BIGINT))::TIMESTAMPTZ END
            ELSE TRY_CAST(r.ts AS TIMESTAMPTZ)
        END AS ts_parsed,
        CASE WHEN contains(r.ts, ':') AND NOT ends_with(r.ts, 'Z')
            AND regexp_matches(r.ts, '{BAD_OFFSET}') THEN true ELSE false END AS ts_bad_offset
    FROM numbers
), checked AS (
    SELECT *, {_reason_sql()} AS reason FROM typed
)
SELECT
    line_no,
    reason,
    CASE WHEN reason IS NOT NULL THEN left(line, {RAW_BYTES}) END AS raw,
    r.type AS type,
    CASE WHEN reason IS NULL THEN ts_parsed END AS ts,
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
    {anon_key_sql("r.client_ip", "r.user_agent")} AS anon_key,
    md5_number_lower(line) AS record_id
FROM checked
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
    return sum(1 for record in json_objects(sample) if record.get("type") in RECORD_TYPES)


FORMAT = register(Format(
    name="native",
    summary="playlog's own JSON Lines: session_start / progress / end, play and event records",
    sample='{"type":"play","ts":"2026-11-20T18:04:05Z","session_id":"s1","track_id":"t1",'
           '"duration_played_ms":181000}',
    sniff=sniff,
    open=NativeParser,
    specificity=10,  # keyed by `type`: more specific than any other JSON format
))
