"""The current time, in one place.

Every "now" of playlog (the end of a report window, the cutoff of a cleanup, the
time a line was quarantined or a file was last seen) comes from `now()`. The
``PLAYLOG_NOW`` environment variable (ISO 8601, e.g. ``2026-11-21T00:00:00Z``)
pins it, so that a run can be reproduced exactly; the test suite sets it. File
modification times are compared with the system clock instead (`wall_seconds`),
since they are written by it.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from functools import lru_cache

ENV = "PLAYLOG_NOW"


def now() -> datetime:
    """The current time in UTC, to the second (``PLAYLOG_NOW`` when set)."""
    pinned = os.environ.get(ENV)
    if pinned:
        from playlog.errors import UsageError

        try:
            value = datetime.fromisoformat(pinned.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(ENV, f"'{pinned}' is not an ISO 8601 time",
                             hint="use e.g. 2026-11-21T00:00:00Z") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(microsecond=0)
    return datetime.now(UTC).replace(microsecond=0)


def stamp_ms() -> str:
    """The current time to the millisecond as RFC 3339 text (``2026-11-20T18:04:05.123Z``),
    the time a collector stamps on a record; ``PLAYLOG_NOW`` when set, like `now`."""
    if os.environ.get(ENV):
        return now().strftime("%Y-%m-%dT%H:%M:%SZ")
    ms = time.time_ns() // 1_000_000
    return f"{_second_text(ms // 1000)}.{ms % 1000:03d}Z"


@lru_cache(maxsize=4)
def _second_text(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def wall_seconds() -> float:
    """The system clock, for comparing with file modification times."""
    return time.time()
