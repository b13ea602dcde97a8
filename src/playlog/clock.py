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


def now_ms() -> datetime:
    """The current time in UTC to the millisecond, the time a collector stamps on a
    record (``PLAYLOG_NOW`` when set, like `now`)."""
    if os.environ.get(ENV):
        return now()
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def wall_seconds() -> float:
    """The system clock, for comparing with file modification times."""
    return time.time()
