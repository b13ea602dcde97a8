"""One report from the options of its command: what the CLI and `playlog serve` both call.

`run_report(con, kind, options, item)` resolves the window of `options` the way
every report command does (its default span: all time for one track, user or
event page, the last 7 days for rankings, breakdowns and the period report),
parses its ``--filter`` options once (query/filters.py) and checks them
against the datasets the report reads, and calls the report's one query
function. The command line renders what it returns; serve answers it as JSON.
Option values are those of the command line (docs/commands.md); a bad one
raises UsageError naming the option. `item` is the id of a track, user or
event page, or the dimension of a breakdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playlog.errors import UsageError
from playlog.query.filters import DATASETS, Filters, parse_filters
from playlog.query.window import Window, resolve_instant, resolve_window

CHARTS = ("top-tracks", "top-artists", "top-albums", "top-genres", "top-events")
# kind → the command's default window in days (None: all time up to --until).
DEFAULT_DAYS: dict[str, int | None] = {
    "track": None, "user": None, "event": None, "event-periods": None,
    **{kind: 7 for kind in CHARTS}, "report": 7, "realtime": None, "traffic": 7,
    "breakdown": 7, "recent": 7,
}
KINDS = tuple(DEFAULT_DAYS)
PERIODS = ("hour", "day", "week", "month")
CHART_PERIODS = ("week", "month")
NEEDS_ID = {"track", "user", "event", "event-periods", "breakdown"}
# The datasets each report reads (its --filter dimensions must be in one of them).
READS = {"track": ("sessions",), "user": ("sessions",), "event": ("events",),
         "event-periods": ("events",), "report": DATASETS, "realtime": ("sessions", "events"),
         "traffic": ("requests",), "recent": ("sessions",), "top-events": ("events",),
         **{kind: ("sessions",) for kind in CHARTS if kind != "top-events"}}


@dataclass(frozen=True)
class ReportOptions:
    """The options report commands take (--days, --from, --to, --until/--at, --tz,
    --include-bots, --filter, and --by, --limit, --period, --of where they apply)."""

    days: int | None = None
    from_: str | None = None
    to: str | None = None
    until: str | None = None
    tz: str = "UTC"
    include_bots: bool = False
    by: str | None = None
    limit: int | None = None  # default: 10 rows (recent: 20 plays)
    period: str | None = None
    filters: tuple[str, ...] = ()
    of: str | None = None


def report_window(kind: str, options: ReportOptions) -> Window:
    return resolve_window(days=options.days, from_=options.from_, to=options.to,
                          until=options.until, tz=options.tz, default_days=DEFAULT_DAYS[kind])


def report_filters(kind: str, options: ReportOptions) -> Filters:
    """The parsed --filter options, checked against what report `kind` reads."""
    filters = parse_filters(options.filters)
    if kind in READS:
        filters.check(READS[kind], kind)
    return filters


def run_report(con: Any, kind: str, options: ReportOptions, item: str | None = None) -> Any:
    """The data of report `kind` (one of KINDS) for `item` (see the module docstring)."""
    if kind not in DEFAULT_DAYS:
        raise UsageError("report", f"unknown report '{kind}'", hint=", ".join(KINDS))
    if kind in NEEDS_ID and not item:
        raise UsageError("ID", f"{kind} needs an id")
    filters = report_filters(kind, options)
    bots = options.include_bots
    common = {"include_bots": bots, "filters": filters}
    if kind == "realtime":
        from playlog.query.realtime import realtime_report

        at = resolve_instant(options.until, options.tz)
        return realtime_report(con, at, tz=options.tz, **common)
    window = report_window(kind, options)
    if kind in CHARTS:
        from playlog.query.top import CHARTS as DEFINED
        from playlog.query.top import chart_report

        period = _choice("--period", options.period, CHART_PERIODS) if options.period else None
        by = _choice("--by", options.by or DEFINED[kind].orders[0], DEFINED[kind].orders)
        return chart_report(con, kind, window, by=by, limit=_limit(options), period=period,
                            **common)
    return _single(con, kind, window, options, item, common)


def _single(con: Any, kind: str, window: Window, options: ReportOptions, item: str | None,
            common: dict[str, Any]) -> Any:
    if kind == "track":
        from playlog.query.track import track_report

        return track_report(con, item, window, **common)
    if kind == "user":
        from playlog.query.user import user_report

        return user_report(con, item, window, **common)
    if kind == "event":
        from playlog.query.event import event_report

        return event_report(con, item, window, **common)
    if kind == "event-periods":
        from playlog.query.event import event_periods_report

        period = _choice("--period", options.period or "day", PERIODS)
        return event_periods_report(con, item, window, period, **common)
    if kind == "report":
        from playlog.query.report import period_report

        return period_report(con, window, **common)
    if kind == "traffic":
        from playlog.query.traffic import traffic

        return traffic(con, window, limit=_limit(options), **common)
    if kind == "recent":
        from playlog.query.recent import recent_report

        return recent_report(con, window, limit=_limit(options, 20), **common)
    from playlog.query.breakdown import breakdown_report

    return breakdown_report(con, item, window, of=options.of, by=options.by,
                            limit=_limit(options), **common)


def _choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(option, f"'{value}' is not one of {', '.join(allowed)}")
    return value


def _limit(options: ReportOptions, default: int = 10) -> int:
    if options.limit is None:
        return default
    if options.limit < 1:
        raise UsageError("--limit", f"must be at least 1, not {options.limit}")
    return options.limit
