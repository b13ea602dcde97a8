"""The native format's rules (parse.formats.native) applied to one record in Python.

Ingest validates whole blocks of lines in one DuckDB query; the HTTP collector
and `playlog.collect.Collector` must answer for each record at once, which a
query's fixed planning cost (~20 ms) does not allow. `check` walks the same
rule table as that query (the record types, `REQUIRED`, `NUMBER_FIELDS`, the
`ts` bounds, the buffer-health range, the event types, `metadata`), in the same
order, and names the same reason, the limits of docs/formats.md included (wrong
JSON types, sizes, numbers out of range). tests/test_check.py runs both over the
same records, so the two cannot drift apart unnoticed.

It is a little stricter than the query on one point: `ts` text must be RFC
3339 (``2026-11-20T18:04:05.123Z``, an offset, or none for UTC); the other
forms DuckDB happens to read are refused, so whatever passes here is read by
ingest exactly as given.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
)


@cache
def rules() -> dict[str, Any]:
    """The rule table of the native query (imported on first use: it brings DuckDB and
    Arrow, which a collector's start-up does not need)."""
    from playlog.parse.formats import native
    from playlog.schema import EVENT_TYPES, RECORD_TYPES

    return {
        "types": frozenset(RECORD_TYPES), "event_set": frozenset(EVENT_TYPES),
        "required": native.REQUIRED,
        "numbers": native.NUMBER_FIELDS, "text_set": frozenset(native.TEXT_FIELDS),
        "scalars": native.SCALAR_FIELDS, "text_max": native.TEXT_MAX,
        "number_max": native.NUMBER_MAX, "metadata_max": native.METADATA_MAX,
        "low": datetime.fromisoformat(native.TS_MIN).replace(tzinfo=UTC),
        "high": datetime.fromisoformat(native.TS_MAX).replace(tzinfo=UTC),
    }


@dataclass(frozen=True)
class Reject:
    """Why a record is not valid: the reason ingest would quarantine it with, and its field."""

    reason: str
    field: str | None


def check(record: Any) -> Reject | None:
    """None when `record` (a decoded JSON value) is a valid native record."""
    if not isinstance(record, dict):
        return Reject("not a JSON object", None)
    table = rules()
    kind = record.get("type")
    if kind is not None and type(kind) is not str:
        kind = _shown(kind)
    if kind is None:
        return Reject("missing required field: type", "type")
    if kind not in table["types"]:
        return Reject(f"unknown type: {kind[:80]}", "type")
    found = _ts(record, table)
    if found is not None:
        return found
    for name in table["required"][kind]:
        value = record.get(name)
        if value is None or value == "":
            return Reject(f"missing required field: {name}", name)
    found = _limits(record, table)
    if found is not None:
        return found
    for name in table["numbers"]:
        value = record.get(name)
        if value is None:
            continue
        number = _number(value)
        if number is None or not math.isfinite(number):
            return Reject(f"invalid {name}: {_shown(value)[:40]}", name)
        if number < 0:
            return Reject(f"negative {name}: {_shown(value)[:40]}", name)
        most = table["number_max"][name]
        if number > most:
            return Reject(f"{name} out of range: {_shown(value)[:40]} (at most {most})", name)
    health = record.get("buffer_health")
    if health is not None:
        number = _number(health)
        if number is None or not 0 <= number <= 100:
            return Reject(f"buffer_health not within 0-100: {_shown(health)[:40]}", "buffer_health")
    if kind == "event" and _text(record.get("event_type")) not in table["event_set"]:
        return Reject(f"unknown event_type: {_text(record.get('event_type'))[:80]}", "event_type")
    metadata = record.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return Reject("metadata is not an object", "metadata")
    return None


def _limits(record: dict[str, Any], table: dict[str, Any]) -> Reject | None:
    """A text field holding an object, an array or a boolean; a value over its size."""
    for name in table["scalars"]:
        value = record.get(name)
        kind = ("object" if isinstance(value, dict) else "array" if isinstance(value, list)
                else "boolean" if isinstance(value, bool) else None)
        if kind is not None:
            return Reject(f"wrong type of {name}: {kind}", name)
    for name, most in table["text_max"].items():
        value = record.get(name)
        size = 0 if value is None else len(_shown(value).encode())
        if size > most:
            return Reject(f"{name} too long: {size} bytes (at most {most})", name)
    metadata = record.get("metadata")
    if isinstance(metadata, (dict, list)):
        size = len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode())
        if size > table["metadata_max"]:
            return Reject(f"metadata too long: {size} bytes (at most {table['metadata_max']})",
                          "metadata")
    return None


def _ts(record: dict[str, Any], table: dict[str, Any]) -> Reject | None:
    value = record.get("ts")
    if value is None:
        return Reject("missing required field: ts", "ts")
    moment = _moment(value)
    shown = _shown(value)[:80]
    if moment is None:
        return Reject(f"invalid ts: {shown}", "ts")
    if not table["low"] <= moment < table["high"]:
        return Reject(f"ts out of range: {shown}", "ts")
    return None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and "-" not in value
                                           and ":" not in value):
        number = _number(value)
        if number is None or not math.isfinite(number):
            return None
        try:
            return datetime.fromtimestamp(number / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return datetime.max.replace(tzinfo=UTC)
    return _text_moment(value) if isinstance(value, str) else None


@lru_cache(maxsize=4096)
def _text_moment(value: str) -> datetime | None:
    """RFC 3339 text as UTC (cached: the records of a batch or of one millisecond share it)."""
    if not _RFC3339.fullmatch(value.strip()):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _text(value: Any) -> str | None:
    """The value as the query sees a text field: absent when null or empty."""
    if value is None:
        return None
    if type(value) is str:
        return value or None
    text = _shown(value)
    return text or None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an integer beyond a double, as the query reads it
            return math.copysign(math.inf, value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return None if math.isnan(number) else number
    return None
