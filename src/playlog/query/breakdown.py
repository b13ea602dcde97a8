"""`playlog breakdown DIMENSION`: one dataset's metrics for each value of a dimension.

Plausible's breakdown in a command. The dataset is ``--of`` (sessions, events
or requests), else the first of them that has the dimension (query/filters.py
lists which has which). Metrics (query/ranking.py): sessions — plays,
listeners, listening time, completion, skip rate; event pages — views, unique
views, clicks, ticket clicks, bounce rate; requests — requests, visitors,
bandwidth. Rows are ranked by ``by`` (descending, ties by value) and carry
``share``, the row's part of the window's total of that metric (for distinct
counts: of the window's distinct count, so shares may add up to more than 1;
none for rates). ``totals`` holds the metrics of the whole (filtered) window.

When the window reaches before the raw rows, sessions and event pages are
answered from the roll-ups if those keep the dimension and the filters (distinct
counts and bounce rates then as query/rollup.py says); else, and for requests
always, from the raw rows that remain, and ``notes`` says so.
"""

from __future__ import annotations

from typing import Any

from playlog.errors import UsageError
from playlog.query import ranking, rollup, top
from playlog.query.filters import DATASETS, DIMENSIONS, Filters, dimension, dimensions_of
from playlog.query.window import Window

METRICS = {
    "sessions": ("plays", "listeners", "time", "completion", "skips"),
    "events": ("views", "unique", "clicks", "tickets", "bounce"),
    "requests": ("requests", "visitors", "bandwidth"),
}
RATES = {"completion", "skips", "bounce"}
TABLES = {"sessions": "rollup_plays", "events": "rollup_events"}
KEYS = {"track": "track_id", "event": "event_id"}

REQUESTS_IN_WINDOW = """(
    SELECT *, strftime(timezone($tz, ts), '%Y-%m-%d') AS local_day FROM requests
    WHERE date BETWEEN CAST($first_day AS DATE) AND CAST($last_day AS DATE)
      AND ts >= CAST($start AS TIMESTAMPTZ) AND ts < CAST($end AS TIMESTAMPTZ)
      {bots} {filters})"""


def dataset_of(name: str, of: str | None = None) -> str:
    """The dataset a breakdown of dimension ``name`` reads (a UsageError when ``of`` lacks it)."""
    if of is not None:
        if of not in DATASETS:
            raise UsageError("--of", f"'{of}' is not one of {', '.join(DATASETS)}")
        if of not in DIMENSIONS[name].columns:
            raise UsageError("DIMENSION", f"{of} have no dimension {name}",
                             hint=f"dimensions of {of}: {', '.join(dimensions_of(of))}")
        return of
    return next(d for d in DATASETS if d in DIMENSIONS[name].columns)


def breakdown_report(con: Any, name: str, window: Window, *, of: str | None = None,
                     by: str | None = None, limit: int = 10, include_bots: bool = False,
                     filters: Filters | None = None) -> dict[str, Any]:
    """The breakdown of ``window`` by dimension ``name`` (see the module docstring)."""
    name = dimension(name, "DIMENSION").name
    dataset = dataset_of(name, of)
    by = by or METRICS[dataset][0]
    if by not in METRICS[dataset]:
        raise UsageError("--by", f"'{by}' is not one of {', '.join(METRICS[dataset])} "
                         f"(the metrics of {dataset})")
    if filters:
        filters.check((dataset,), f"a breakdown of {dataset}")
    rows, totals, notes = _rows(con, name, dataset, window, by, limit, include_bots, filters)
    key = KEYS.get(name, name)
    chart = top.Chart("breakdown", dataset, name, key, "breakdown", (by,), METRICS[dataset],
                      TABLES.get(dataset, ""))
    described = top.describe(con, chart, rows) if key in top.NAMES else [
        {"rank": r["rank"], key: r["value"], **{k: v for k, v in r.items()
                                                if k not in ("rank", "value")}} for r in rows]
    metric = ranking.METRICS[dataset][by].key
    for row in described:
        whole = totals.get(metric)
        row["share"] = (None if by in RATES or not whole or row[metric] is None
                        else row[metric] / whole)
    return {"dimension": name, "dataset": dataset, "by": by, "key": key,
            "window": window.as_dict(), "filters": filters.texts if filters else [],
            "breakdown": described, "totals": totals, "notes": notes}


def _rows(con: Any, name: str, dataset: str, window: Window, by: str, limit: int,
          include_bots: bool, filters: Filters | None):
    table = TABLES.get(dataset)
    keeps = table is not None and table in DIMENSIONS[name].columns
    if table and keeps and rollup.use(con, window, filters, table):
        rows = rollup.ranked(con, window, dataset, name, by=by, limit=limit,
                             include_bots=include_bots, filters=filters, metrics=METRICS[dataset])
        totals = _summed(dataset, con, window, include_bots, filters)
        return rows, totals, rollup.notes(con, window, include_bots, table, filters)
    source, params = _source(con, dataset, window, include_bots, filters)
    rows = ranking.ranked(con, source, dataset, name, by=by, limit=limit, params=params,
                          metrics=METRICS[dataset])
    totals = ranking.overall(con, source, dataset, METRICS[dataset], params)
    return rows, totals, _raw_notes(con, window, name, dataset, filters)


def _source(con: Any, dataset: str, window: Window, include_bots: bool,
            filters: Filters | None) -> tuple[str, dict[str, Any]]:
    params = top.window_params(window)
    if dataset != "requests":
        return top.window_source(con, dataset, include_bots, filters), params
    where = filters.where(con, "requests") if filters else ""
    bots = "AND NOT coalesce(is_bot, false)" if not include_bots else ""
    return REQUESTS_IN_WINDOW.format(bots=bots, filters=where), {**params, "tz": window.tz}


def _summed(dataset: str, con: Any, window: Window, include_bots: bool,
            filters: Filters | None) -> dict[str, Any]:
    """The totals of a breakdown from the roll-ups (no bounce rate: it needs records)."""
    if dataset == "sessions":
        found = rollup.summary(con, window, include_bots, filters=filters)
        return {ranking.SESSION_METRICS[m].key: found[ranking.SESSION_METRICS[m].key]
                for m in METRICS[dataset]}
    found = rollup.event_totals(con, window, include_bots, filters=filters)
    out = {ranking.EVENT_METRICS[m].key: found.get(ranking.EVENT_METRICS[m].key)
           for m in METRICS[dataset]}
    out["bounce_rate"] = None
    return out


def _raw_notes(con: Any, window: Window, name: str, dataset: str,
               filters: Filters | None) -> list[str]:
    if not rollup.needed(con, window):
        return []
    table = TABLES.get(dataset)
    missing = [name] if table is None or table not in DIMENSIONS[name].columns else []
    missing += [d for d in (filters.missing(table) if filters and table else []) if d != name]
    if dataset == "requests" or missing:
        what = ", ".join(dict.fromkeys(missing)) or "requests by dimension"
        return [(f"The roll-ups do not keep {what}: this breakdown counts the raw rows only, "
                 f"kept from {rollup.raw_from(con)}; the days before are left out.")]
    return []
