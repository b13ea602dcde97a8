"""Chart series: a window cut into local ISO weeks or calendar months.

`split(window, period)` lists ``(label, part, before)`` for each week
(``2026-W47``, Monday to Monday) or month (``2026-11``) of the report zone that
the window touches: ``part`` is the period clipped to the window, ``before``
the whole period before it (what its ranks move against). An all-time window
starts at the first period that holds data, which the caller knows best: it
is cut from the first week or month of ``first`` (default: the window's start).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playlog.errors import UsageError
from playlog.query.window import Window

PERIODS = ("week", "month")
MAX_PERIODS = 120


def _start_of(day: date, period: str) -> date:
    return day - timedelta(days=day.weekday()) if period == "week" else day.replace(day=1)


def _next(day: date, period: str) -> date:
    if period == "week":
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _previous(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=7)
    return (day - timedelta(days=1)).replace(day=1)


def _label(day: date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def split(window: Window, period: str, first: datetime | None = None
          ) -> list[tuple[str, Window, Window]]:
    """The periods of ``window`` (see the module docstring)."""
    if period not in PERIODS:
        raise UsageError("--period", f"'{period}' is not one of {', '.join(PERIODS)}")
    zone = ZoneInfo(window.tz)

    def instant(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(window.start.tzinfo)

    begin = max(window.start, first) if first else window.start
    day = _start_of(begin.astimezone(zone).date(), period)
    found = []
    while instant(day) < window.end:
        following = _next(day, period)
        part = Window(max(instant(day), window.start), min(instant(following), window.end),
                      window.tz)
        before = Window(instant(_previous(day, period)), instant(day), window.tz)
        found.append((_label(day, period), part, before))
        day = following
        if len(found) > MAX_PERIODS:
            raise UsageError("--period", f"the window holds more than {MAX_PERIODS} {period}s",
                             hint="give a shorter window with --days or --from/--to")
    return found
