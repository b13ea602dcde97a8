"""Report windows: --days/--from/--to/--until/--tz into a half-open UTC ``[start, end)``.

Rules (docs/metrics.md):

- ``--days N`` is the N x 24 h ending at ``--until`` (default: now).
- ``--from``/``--to`` take an ISO 8601 date or date-time. A date, or a time
  without an offset, is read in the report time zone (``--tz``); ``--to`` is
  exclusive, so ``--from 2026-11-01 --to 2026-11-08`` is seven local days.
  ``--from`` alone runs to ``--until`` (default now); ``--to`` alone starts
  ``--days`` (else the command's default) before it.
- ``--days`` and ``--from`` together are a usage error.
- With none of them the command's default applies: N days, or all time
  (``start`` = the epoch) when the default is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playlog.errors import UsageError
from playlog.zones import canonical_zone

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval and the time zone its hours and days are read in."""

    start: datetime
    end: datetime
    tz: str = "UTC"

    @property
    def all_time(self) -> bool:
        return self.start == EPOCH

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.start - self.length, self.start, self.tz)

    def ending(self, span: timedelta) -> Window:
        """The window of length ``span`` ending where this one ends."""
        return Window(self.end - span, self.end, self.tz)

    def params(self) -> list[str]:
        """Query parameters: first UTC day, last UTC day, start instant, end instant."""
        last = self.end - timedelta(milliseconds=1)
        return [
            self.start.date().isoformat(),
            max(last, self.start).date().isoformat(),
            iso_utc(self.start),
            iso_utc(self.end),
        ]

    def local_days(self) -> list[date]:
        """The calendar days, in the report zone, that the window touches."""
        zone = ZoneInfo(self.tz)
        first = self.start.astimezone(zone).date()
        last = (self.end - timedelta(milliseconds=1)).astimezone(zone).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def covers_whole(self, day: date) -> bool:
        """Does the window hold the whole local ``day`` (midnight to midnight)?"""
        zone = ZoneInfo(self.tz)
        midnight = datetime.combine(day, time(), zone)
        following = datetime.combine(day + timedelta(days=1), time(), zone)
        return self.start <= midnight and following <= self.end

    def as_dict(self) -> dict[str, str | None]:
        """``{from, to, tz}`` with both instants written in the report's zone; ``from`` is
        null for an all-time window."""
        start = None if self.all_time else iso_in(self.start, self.tz)
        return {"from": start, "to": iso_in(self.end, self.tz), "tz": self.tz}


def iso_in(moment: datetime, tz: str) -> str:
    """``moment`` as ISO 8601 in zone ``tz``: ``…Z`` in UTC, else with the zone's offset
    (``2026-11-14T00:00:00+05:30``); milliseconds only when not zero."""
    if tz == "UTC":
        return iso_utc(moment)
    local = moment.astimezone(ZoneInfo(tz))
    return local.isoformat(timespec="milliseconds" if local.microsecond else "seconds")


def iso_utc(moment: datetime) -> str:
    """``2026-11-20T18:04:05.123Z`` (milliseconds only when not zero)."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def check_zone(tz: str | None, source: str = "--tz") -> str:
    """The IANA spelling of ``tz`` (any letter case; default UTC), else a UsageError
    naming ``source``."""
    return canonical_zone(tz or "UTC", source)


def parse_instant(text: str, option: str, tz: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime; naive values are in ``tz``."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            option, f"'{text}' is not an ISO 8601 date or time", hint="use e.g. 2026-11-20 or 2026-11-20T18:00Z"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


def now_utc() -> datetime:
    from playlog import clock

    return clock.now()


def resolve_window(
    *,
    days: int | None = None,
    from_: str | None = None,
    to: str | None = None,
    until: str | None = None,
    tz: str | None = None,
    default_days: int | None = 7,
    now: datetime | None = None,
) -> Window:
    """Turn the window options into a Window (see the module docstring)."""
    zone = check_zone(tz)
    if days is not None and from_ is not None:
        raise UsageError("--days", "cannot be used with --from", hint="give --days or --from/--to")
    if days is not None and days < 1:
        raise UsageError("--days", f"must be at least 1, not {days}")
    if to is not None and until is not None:
        raise UsageError("--to", "cannot be used with --until", hint="they both set the end")
    end = _end(to, until, zone, now)
    if from_ is not None:
        start = parse_instant(from_, "--from", zone)
        if start >= end:
            raise UsageError("--from", f"'{from_}' is not before the end of the window ({iso_utc(end)})")
        return Window(start, end, zone)
    span = days if days is not None else default_days
    start = EPOCH if span is None else end - timedelta(days=span)
    return Window(start, end, zone)


def resolve_instant(until: str | None, tz: str | None, now: datetime | None = None) -> datetime:
    """The instant T of ``--at`` (default: now)."""
    zone = check_zone(tz)
    return _end(None, until, zone, now)


def _end(to: str | None, until: str | None, zone: str, now: datetime | None) -> datetime:
    if to is not None:
        return parse_instant(to, "--to", zone)
    if until is not None:
        return parse_instant(until, "--until", zone)
    return now or now_utc()
