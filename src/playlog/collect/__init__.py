"""`Collector`: the write API of `playlog serve`, for applications that log in process.

    from playlog.collect import Collector

    collector = Collector("/var/lib/playlog")
    sid = collector.start_session("t-1234", user_id="u-42", quality="high",
                                  client_ip="81.2.69.142", user_agent="okhttp/4.12.0")
    collector.progress(sid, 30_000, buffer_health=92.5, bytes_sent=640_000)
    collector.end_session(sid, skip_reason="user_skip", position=75_000)
    collector.track_event("evt-9", "view", session_id="w-55", time_on_page_ms=48_000)
    collector.close()

Every call returns once its record is a native log line on disk in
``<data>/incoming/`` (written and fsynced; calls from several threads share one
fsync), where `playlog ingest <data>/incoming` (or serve's timer) picks it up.
An invalid call raises `RecordError` naming the field and writes nothing. The
methods are thread-safe.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from playlog import clock
from playlog.collect.records import KINDS, RecordError, build, native
from playlog.collect.writer import LogWriter
from playlog.store.layout import Layout

__all__ = ["Accepted", "Collector", "RecordError", "KINDS"]


@dataclass
class Accepted:
    """What a batch of native records became."""

    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"index": i, "reason": …}


def new_session_id() -> str:
    return uuid.uuid4().hex


def line(record: Any) -> bytes:
    return orjson.dumps(record) + b"\n"


def batch_lines(records: list[Any]) -> tuple[bytes, Accepted]:
    """The valid records of a batch as log lines, and what was accepted and rejected."""
    out = Accepted()
    parts = []
    for index, record in enumerate(records):
        record, reason = native(record)
        if reason is None:
            parts.append(line(record))
        else:
            out.rejected.append({"index": index, "reason": reason})
    out.accepted = len(parts)
    return b"".join(parts), out


class Collector:
    """Writes records to ``<data_dir>/incoming/`` (see the module docstring)."""

    def __init__(self, data_dir: Path | str, **writer_options: Any) -> None:
        self.writer = LogWriter(Layout(Path(data_dir)).incoming, **writer_options)

    def start_session(self, track_id: str, *, session_id: str | None = None,
                      client_ip: str | None = None, user_agent: str | None = None,
                      **fields: Any) -> str:
        """Write a session_start; returns the session id (a new one unless given).
        `fields`: total_duration_ms, quality, platform, user_id, referrer."""
        sid = session_id or new_session_id()
        self._write("session_start", {"track_id": track_id, **fields}, session_id=sid,
                    client_ip=client_ip, user_agent=user_agent)
        return sid

    def progress(self, session_id: str, position: int, *, buffer_health: float | None = None,
                 bytes_sent: int | None = None) -> None:
        """`position`: ms played so far; `bytes_sent`: bytes since the previous call."""
        self._write("session_progress", {"position": position, "buffer_health": buffer_health,
                                         "bytes_sent": bytes_sent}, session_id=session_id)

    def end_session(self, session_id: str, *, skip_reason: str | None = None,
                    position: int | None = None) -> None:
        self._write("session_end", {"skip_reason": skip_reason, "position": position},
                    session_id=session_id)

    def track_event(self, event_id: str, event_type: str, *, client_ip: str | None = None,
                    **fields: Any) -> None:
        """`fields`: session_id, user_id, referrer, user_agent, page_url,
        time_on_page_ms, metadata."""
        self._write("event", {"event_type": event_type, **fields}, event_id=event_id,
                    client_ip=client_ip)

    def records(self, records: list[Any]) -> Accepted:
        """Write a batch of native records (docs/formats.md) as given; invalid ones are
        listed in the answer, the others written."""
        data, result = batch_lines(records)
        if data:
            self.writer.write(data)
        return result

    def close(self) -> None:
        self.writer.close()

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _write(self, kind: str, body: dict[str, Any], **context: Any) -> None:
        if "session_id" in context and not context["session_id"]:
            raise RecordError("missing required field: session_id", "session_id")
        if "event_id" in context and not context["event_id"]:
            raise RecordError("missing required field: event_id", "event_id")
        record = build(kind, body, ts=clock.stamp_ms(), **context)
        self.writer.write(line(record))
