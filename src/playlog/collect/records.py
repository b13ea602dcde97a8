"""From what a player or a page sends to native records (docs/formats.md).

Each kind of call (`KINDS`) names the body fields it takes, each with the
native field it fills and its JSON type; keys may be camelCase or snake_case
(``trackId`` or ``track_id``). `build` turns a body into one native record:
the collector adds ``ts`` (now, to the millisecond), the ids it owns and
``rid``, a record id unique to this collector, so that two identical calls stay
two records (ingest recognises a record read twice by its content). The record
is then checked with the native rules (parse.check), so a call is refused with
exactly the reason ingest would quarantine its record with.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from playlog.errors import PlaylogError
from playlog.parse.check import check
from playlog.query.window import iso_utc

TEXT, NUMBER, OBJECT = "string", "number", "object"
_ARTICLE = {TEXT: "a", NUMBER: "a", OBJECT: "an"}


@dataclass(frozen=True)
class Field:
    key: str  # the body key (snake_case; its camelCase form is accepted too)
    native: str  # the native field it fills
    kind: str  # TEXT, NUMBER or OBJECT
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Kind:
    """One kind of call: the native record type it writes and the body fields it takes."""

    type: str
    fields: tuple[Field, ...]


KINDS: dict[str, Kind] = {
    "session_start": Kind("session_start", (
        Field("track_id", "track_id", TEXT, True, "the track played"),
        Field("total_duration_ms", "total_duration_ms", NUMBER, doc="the track's length"),
        Field("quality", "quality", TEXT, doc="high, medium, low or mobile"),
        Field("platform", "platform", TEXT, doc="web, mobile, desktop or embedded"),
        Field("user_id", "user_id", TEXT),
        Field("referrer", "referrer", TEXT),
    )),
    "session_progress": Kind("session_progress", (
        Field("position", "duration_played_ms", NUMBER, True, "ms played so far"),
        Field("buffer_health", "buffer_health", NUMBER, doc="0-100"),
        Field("bytes_sent", "bytes_sent", NUMBER, doc="bytes since the previous call"),
    )),
    "session_end": Kind("session_end", (
        Field("skip_reason", "skip_reason", TEXT,
              doc="user_skip, network_error, quality_issue, timeout or any text"),
        Field("position", "duration_played_ms", NUMBER, doc="ms played in all"),
    )),
    "event": Kind("event", (
        Field("event_type", "event_type", TEXT, True,
              "view, click, share, favorite, external_click or ticket_click"),
        Field("session_id", "session_id", TEXT),
        Field("user_id", "user_id", TEXT),
        Field("referrer", "referrer", TEXT, doc="else the Referer header"),
        Field("user_agent", "user_agent", TEXT, doc="else the User-Agent header"),
        Field("page_url", "page_url", TEXT),
        Field("time_on_page_ms", "time_on_page_ms", NUMBER),
        Field("metadata", "metadata", OBJECT, doc="age_group and gender feed demographics"),
    )),
}


class RecordError(PlaylogError):
    """A call or record that is not valid; `field` names the offending key."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.field = field


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_INSTANCE = uuid.uuid4().hex[:12]
_counter = itertools.count(1)


def snake(key: str) -> str:
    """``trackId`` → ``track_id`` (snake_case keys are left as they are)."""
    if key.islower() or key == key.lower():
        return key
    return _CAMEL.sub(r"_\1", key).lower()


def record_id() -> str:
    """An id no other record of any collector has: this process's random id and a count."""
    return f"{_INSTANCE}{os.getpid():x}-{next(_counter)}"


def build(kind_name: str, body: Any, *, ts: datetime | str, **context: Any) -> dict[str, Any]:
    """The native record of one call: `body` (a decoded JSON object) plus `context`
    (ids, client IP, user agent, referrer from the request; None values are left out);
    `ts` is a datetime or its RFC 3339 text.
    Raises RecordError naming the body key at fault."""
    kind = KINDS[kind_name]
    if not isinstance(body, dict):
        raise RecordError("the body must be a JSON object", "body")
    given = body if "".join(body).islower() else {snake(str(k)): v for k, v in body.items()}
    record: dict[str, Any] = {"type": kind.type, "ts": ts if isinstance(ts, str) else iso_utc(ts)}
    for item in kind.fields:
        value = given.get(item.key)
        if value is None or value == "":
            if item.required:
                raise RecordError(f"missing required field: {item.key}", _shown(body, item.key))
            continue
        if not _fits(value, item.kind):
            shown = _shown(body, item.key)
            raise RecordError(f"{shown} must be {_ARTICLE[item.kind]} {item.kind}", shown)
        record[item.native] = value
    for name, value in context.items():
        if value is not None and record.get(name) is None:
            record[name] = value
    record["rid"] = record_id()
    found = check(record)
    if found is not None:
        raise _refusal(found, kind, body)
    return record


def native(record: Any) -> tuple[Any, str | None]:
    """A native record of a batch, keys made snake_case, and why it is not valid (None
    when it is)."""
    if isinstance(record, dict) and record and not "".join(map(str, record)).islower():
        record = {snake(str(key)): value for key, value in record.items()}
    found = check(record)
    return record, None if found is None else found.reason


def _refusal(found: Any, kind: Kind, body: dict[str, Any]) -> RecordError:
    """The error of a record the native rules refuse, naming the body key it came from."""
    keys = {item.native: item.key for item in kind.fields}
    field = _shown(body, keys[found.field]) if found.field in keys else found.field
    if found.field == "event_type" and found.reason.startswith("unknown event_type"):
        return RecordError("Invalid event type", field)
    return RecordError(found.reason, field)


def _fits(value: Any, kind: str) -> bool:
    if type(value) is str:
        return kind == TEXT or (kind == NUMBER and _numeric(value))
    if kind == OBJECT:
        return isinstance(value, dict)
    if isinstance(value, bool):
        return False
    if kind == NUMBER:
        return isinstance(value, (int, float)) or (isinstance(value, str) and _numeric(value))
    return isinstance(value, (str, int, float))


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _shown(body: dict[str, Any], key: str) -> str:
    """The key as the client spelled it (camelCase or snake_case)."""
    for given in body:
        if snake(given) == key:
            return given
    return key
