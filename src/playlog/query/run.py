"""One report from the options of its command: what the CLI and `playlog serve` both call.

`run_report(con, kind, options)` resolves the window of `options` the way
every report command does (its default span: all time for one track, user or
event page, the last 7 days for rankings and the period report) and calls the
report's one query function. The command line renders what it returns; serve
answers it as JSON. Option values are those of the command line
(docs/commands.md); a bad one raises UsageError naming the option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playlog.errors import UsageError
from playlog.query.window import Window, resolve_instant, resolve_window

# kind → the command's default window in days (None: all time up to --until).
DEFAULT_DAYS: dict[str, int | None] = {
    "track": None, "user": None, "event": None, "event-periods": None,
    "top-tracks": 7, "top-events": 7, "report": 7, "realtime": None, "traffic": 7,
}
KINDS = tuple(DEFAULT_DAYS)
TRACK_ORDERS = ("plays", "listeners", "time")
EVENT_ORDERS = ("views", "unique", "clicks")
PERIODS = ("hour", "day", "week", "month")
NEEDS_ID = {"track", "user", "event", "event-periods"}


@dataclass(frozen=True)
class ReportOptions:
    """The options report commands take (--days, --from, --to, --until/--at, --tz,
    --include-bots, and --by, --limit, --period where they apply)."""

    days: int | None = None
    from_: str | None = None
    to: str | None = None
    until: str | None = None
    tz: str = "UTC"
    include_bots: bool = False
    by: str | None = None
    limit: int = 10
    period: str | None = None


def report_window(kind: str, options: ReportOptions) -> Window:
    return resolve_window(days=options.days, from_=options.from_, to=options.to,
                          until=options.until, tz=options.tz, default_days=DEFAULT_DAYS[kind])


def run_report(con: Any, kind: str, options: ReportOptions, item: str | None = None) -> Any:
    """The data of report `kind` (one of KINDS) for `item` (a track, user or event id)."""
    if kind in NEEDS_ID and not item:
        raise UsageError("ID", f"{kind} needs an id")
    if kind == "realtime":
        from playlog.query.realtime import realtime_report

        at = resolve_instant(options.until, options.tz)
        return realtime_report(con, at, include_bots=options.include_bots, tz=options.tz)
    window = report_window(kind, options)
    bots = options.include_bots
    if kind == "track":
        from playlog.query.track import track_report

        return track_report(con, item, window, include_bots=bots)
    if kind == "user":
        from playlog.query.user import user_report

        return user_report(con, item, window, include_bots=bots)
    if kind == "event":
        from playlog.query.event import event_report

        return event_report(con, item, window, include_bots=bots)
    if kind == "event-periods":
        from playlog.query.event import event_periods_report

        period = _choice("--period", options.period or "day", PERIODS)
        return event_periods_report(con, item, window, period, include_bots=bots)
    if kind == "top-tracks":
        from playlog.query.top import top_tracks_report

        by = _choice("--by", options.by or "plays", TRACK_ORDERS)
        return top_tracks_report(con, window, by=by, limit=_limit(options), include_bots=bots)
    if kind == "top-events":
        from playlog.query.top import top_events_report

        by = _choice("--by", options.by or "views", EVENT_ORDERS)
        return top_events_report(con, window, by=by, limit=_limit(options), include_bots=bots)
    if kind == "report":
        from playlog.query.report import period_report

        return period_report(con, window, include_bots=bots)
    if kind == "traffic":
        from playlog.query.traffic import traffic

        return traffic(con, window, include_bots=bots, limit=_limit(options))
    raise UsageError("report", f"unknown report '{kind}'", hint=", ".join(KINDS))


def _choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(option, f"'{value}' is not one of {', '.join(allowed)}")
    return value


def _limit(options: ReportOptions) -> int:
    if options.limit < 1:
        raise UsageError("--limit", f"must be at least 1, not {options.limit}")
    return options.limit
