"""Filters: ``--filter DIM=VALUE`` compiled once into the predicate every query takes.

Syntax (docs/metrics.md#filters): ``DIM=V`` (is), ``DIM!=V`` (is not), ``DIM~V``
(contains, in any letter case), ``DIM!~V`` (does not contain); ``V`` may be
``A|B|C``: any of them (for ``!=`` and ``!~``: none of them). Several filters
all apply (AND). A value is compared with the dimension's value as the reports
show it: a missing value is ``unknown`` (``other`` for devices, ``none`` for
referrers), so every key of a breakdown filters back to exactly its rows;
``status`` also takes a class (``status=4xx``).

`parse_filters` checks the syntax and the dimensions (a UsageError naming
``--filter`` and listing the dimensions otherwise) and returns a `Filters`.
`Filters.where(con, relation)` is the predicate for one relation — a raw
dataset (``sessions``, ``events``, ``requests``) or a roll-up table — as
``AND (…)`` SQL text holding only names this module chose; the values go in
as DuckDB variables set with bound parameters (``SET VARIABLE … = ?``), read
back by ``getvariable``, which DuckDB folds into constants: the predicate works
in ``?`` and ``$name`` queries and in views alike, and Parquet statistics still
prune on it. Raw and roll-up paths take the same predicate; `Filters.covers`
says whether a relation has every filtered dimension (roll-ups keep only some).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from playlog.errors import UsageError
from playlog.store.webrollups import REFERRER_HOST

SESSIONS, EVENTS, REQUESTS = "sessions", "events", "requests"
DATASETS = (SESSIONS, EVENTS, REQUESTS)
OPERATORS = ("!=", "!~", "=", "~")
SYNTAX = re.compile(r"^\s*([A-Za-z_]+)\s*(!=|!~|=|~)(.*)$", re.DOTALL)

_PATH = r"regexp_extract(page_url, '^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)', 1)"
_EVERYWHERE = (SESSIONS, EVENTS, REQUESTS)


def _same(column: str, missing: str = "unknown", where: Sequence[str] = _EVERYWHERE,
          rollups: Sequence[str] = ()) -> dict[str, str]:
    """``coalesce(column, missing)`` on the datasets ``where`` and the roll-up tables."""
    expr = f"coalesce(CAST({column} AS VARCHAR), '{missing}')"
    return {name: expr for name in (*where, *rollups)}


@dataclass(frozen=True)
class Dimension:
    name: str
    help: str
    columns: dict[str, str]  # relation (dataset or roll-up table) → SQL of the value
    catalog: str | None = None  # a track-catalog column: the value comes through track_id


# The track id column of the relations a catalog dimension (artist, album, genre) reaches.
# The roll-ups of totals (query/blend.py): quarter hours by dimension, no track or page.
TOTALS = ("rollup_play_totals", "rollup_event_totals")
TRACK_IDS = {SESSIONS: "track_id", "rollup_plays": "track_id", "sketch_listeners": "key"}

DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("track", "track id", {SESSIONS: "track_id", "rollup_plays": "track_id",
                                    "sketch_listeners": "key"}),
    Dimension("artist", "the track's artist (catalog)", {}, catalog="artist"),
    Dimension("album", "the track's album (catalog)", {}, catalog="album"),
    Dimension("genre", "the track's genre (catalog)", {}, catalog="genre"),
    Dimension("user", "user id (requests: the authenticated user)", {
        SESSIONS: "coalesce(user_id, 'unknown')", EVENTS: "coalesce(user_id, 'unknown')",
        REQUESTS: "coalesce(remote_user, 'unknown')"}),
    Dimension("platform", "web, mobile, desktop, embedded, unknown",
              _same("platform", rollups=("rollup_plays", "rollup_users", "rollup_play_totals"))),
    Dimension("device", "mobile, tablet, desktop, bot, other",
              _same("device_type", "other", rollups=("rollup_plays", "rollup_events", *TOTALS))),
    Dimension("os", "operating system", _same("os")),
    Dimension("browser", "browser (bots: the crawler's name)", _same("browser")),
    Dimension("country", "ISO 3166 country code", _same("country", rollups=("rollup_plays", *TOTALS))),
    Dimension("region", "region (GeoIP)", _same("region")),
    Dimension("city", "city (GeoIP)", _same("city")),
    Dimension("quality", "high, medium, low, mobile", _same(
        "quality", where=(SESSIONS,), rollups=("rollup_plays", "rollup_users",
                                                "rollup_play_totals"))),
    Dimension("source", "traffic source: direct, google, facebook … or a host", {
        **_same("source", where=(SESSIONS, EVENTS),
                rollups=("rollup_plays", "rollup_events", *TOTALS)),
        REQUESTS: "coalesce(source, 'direct')"}),
    Dimension("referrer", "the referrer's host (none without one)",
              {name: f"coalesce({REFERRER_HOST}, 'none')" for name in _EVERYWHERE}),
    Dimension("utm_source", "utm_source of the landing URL", _same("utm_source")),
    Dimension("utm_medium", "utm_medium of the landing URL", _same("utm_medium")),
    Dimension("utm_campaign", "utm_campaign of the landing URL", _same("utm_campaign")),
    Dimension("event", "event page id", {EVENTS: "event_id", "rollup_events": "event_id",
                                         "sketch_visitors": "key"}),
    Dimension("event_type", "view, click, share, favorite, ticket_click, external_click",
              {EVENTS: "event_type", "rollup_events": "event_type",
               "rollup_event_totals": "event_type"}),
    Dimension("page", "page path (event pages: of page_url)", {
        EVENTS: f"coalesce(nullif({_PATH}, ''), 'unknown')",
        REQUESTS: "coalesce(path, 'unknown')"}),
    Dimension("status", "HTTP status code, or a class such as 4xx",
              {REQUESTS: "coalesce(CAST(status AS VARCHAR), 'unknown')"}),
    Dimension("age_group", "metadata.age_group of event-page records",
              _same("age_group", where=(EVENTS,))),
    Dimension("gender", "metadata.gender of event-page records",
              _same("gender", where=(EVENTS,))),
)}
for _name in ("artist", "album", "genre"):
    DIMENSIONS[_name].columns.update({relation: "" for relation in TRACK_IDS})

ALIASES = {"track_id": "track", "user_id": "user", "event_id": "event", "device_type": "device",
           "path": "page", "page_path": "page", "referrer_host": "referrer", "age": "age_group"}
MISSING = {"device": "other", "referrer": "none"}


def dimension(name: str, option: str = "--filter") -> Dimension:
    """The dimension called ``name`` (or an alias); a UsageError listing them otherwise."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key in DIMENSIONS:
        return DIMENSIONS[key]
    close = get_close_matches(key, [*DIMENSIONS, *ALIASES], n=1)
    hint = f"did you mean {ALIASES.get(close[0], close[0])}? " if close else ""
    raise UsageError(option, f"unknown dimension '{name}'",
                     hint=f"{hint}dimensions: {', '.join(DIMENSIONS)}")


def dimensions_of(relation: str) -> list[str]:
    return [name for name, d in DIMENSIONS.items() if relation in d.columns]


@dataclass(frozen=True)
class Filter:
    dimension: str
    operator: str  # =, !=, ~, !~
    values: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.dimension}{self.operator}{'|'.join(self.values)}"

    @property
    def negated(self) -> bool:
        return self.operator.startswith("!")

    @property
    def contains(self) -> bool:
        return self.operator.endswith("~")


def parse_filter(text: str) -> Filter:
    """One ``DIM=VALUE`` (see the module docstring)."""
    match = SYNTAX.match(text)
    if not match:
        raise UsageError("--filter", f"'{text}' is not DIMENSION=VALUE",
                         hint="e.g. country=FR, source!=google, page~/events, country=FR|DE; "
                              f"dimensions: {', '.join(DIMENSIONS)}")
    name, operator, rest = match.groups()
    dim = dimension(name)
    values = tuple(v.strip() for v in rest.split("|"))
    if not rest.strip() or any(not v for v in values):
        raise UsageError("--filter", f"'{text}' has an empty value",
                         hint="write the value after the operator; A|B for any of several")
    if dim.name == "status" and not operator.endswith("~"):
        bad = [v for v in values if not re.fullmatch(r"\d{3}|[1-5]xx|unknown", v.lower())]
        if bad:
            raise UsageError("--filter", f"status '{bad[0]}' is not a code like 404 or a "
                             "class like 4xx")
        values = tuple(v.lower() for v in values)
    return Filter(dim.name, operator, values)


def parse_filters(texts: Sequence[str] | None) -> Filters:
    """Every ``--filter`` of a command (none: no filter)."""
    return Filters(tuple(parse_filter(t) for t in texts or ()))


@dataclass(frozen=True)
class Filters:
    items: tuple[Filter, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def texts(self) -> list[str]:
        """The filters as written back (``country=FR``): the answers' ``filters``."""
        return [f.text for f in self.items]

    @property
    def dimensions(self) -> list[str]:
        return list(dict.fromkeys(f.dimension for f in self.items))

    def covers(self, relation: str) -> bool:
        """Does ``relation`` have every filtered dimension?"""
        return all(relation in DIMENSIONS[f.dimension].columns for f in self.items)

    def missing(self, relation: str) -> list[str]:
        """The filtered dimensions ``relation`` does not have."""
        return [d for d in self.dimensions if relation not in DIMENSIONS[d].columns]

    def only(self, *names: str) -> bool:
        """Are all filters on the dimensions ``names``?"""
        return all(f.dimension in names for f in self.items)

    def check(self, datasets: Sequence[str], report: str) -> None:
        """A UsageError for a dimension none of the report's ``datasets`` has."""
        for f in self.items:
            if not any(ds in DIMENSIONS[f.dimension].columns for ds in datasets):
                names = sorted({d for ds in datasets for d in dimensions_of(ds)},
                               key=list(DIMENSIONS).index)
                raise UsageError("--filter", f"{report} has no dimension {f.dimension} "
                                 f"(it reads {' and '.join(datasets)})",
                                 hint=f"its dimensions: {', '.join(names)}")

    def where(self, con: Any, relation: str, alias: str = "") -> str:
        """``AND (…)`` for ``relation`` ('' without filters), its values bound on ``con``.
        ``alias`` qualifies the columns of a catalog dimension's track id."""
        if not self.items:
            return ""
        missing = self.missing(relation)
        if missing:
            raise ValueError(f"{relation} has no dimension {missing[0]}")
        parts = [self._predicate(con, i, f, relation, alias) for i, f in enumerate(self.items)]
        return " AND " + " AND ".join(parts)

    def _predicate(self, con: Any, index: int, f: Filter, relation: str, alias: str) -> str:
        dim = DIMENSIONS[f.dimension]
        names = self._bind(con, index, f)
        if dim.catalog is not None:
            return _catalog_predicate(f, dim.catalog, alias + TRACK_IDS[relation], names)
        expr = dim.columns[relation]
        if f.dimension == "status":
            return _status_predicate(f, expr, names)
        return _match(f, expr, names)

    def _bind(self, con: Any, index: int, f: Filter) -> list[str]:
        """The variables holding ``f``'s values on ``con`` (set now: cheap, and a connection
        may serve several reports)."""
        tag = hashlib.sha1("\x00".join(self.texts).encode()).hexdigest()[:10]
        names = []
        for j, value in enumerate(f.values):
            name = f"playlog_filter_{tag}_{index}_{j}"
            shown = value.lower() if f.contains else value
            if f.dimension == "status" and re.fullmatch(r"[1-5]xx", value):
                shown = value[0]
            con.execute(f"SET VARIABLE {name} = ?", [shown])
            names.append(f"getvariable('{name}')")
        return names


def _match(f: Filter, expr: str, names: list[str]) -> str:
    if f.contains:
        found = " OR ".join(f"contains(lower({expr}), {n})" for n in names)
    else:
        found = f"{expr} IN ({', '.join(names)})"
    return f"NOT ({found})" if f.negated else f"({found})"


def _status_predicate(f: Filter, expr: str, names: list[str]) -> str:
    if f.contains:
        return _match(f, expr, names)
    parts = [f"left({expr}, 1) = {n}" if re.fullmatch(r"[1-5]xx", v) else f"{expr} = {n}"
             for v, n in zip(f.values, names)]
    found = " OR ".join(parts)
    return f"NOT ({found})" if f.negated else f"({found})"


def _catalog_predicate(f: Filter, column: str, track_id: str, names: list[str]) -> str:
    """Tracks whose catalog ``column`` matches; a track the catalog lacks has the value
    ``unknown``."""
    value = f"coalesce(CAST({column} AS VARCHAR), 'unknown')"
    inner = _match(Filter(f.dimension, f.operator.lstrip("!"), f.values), value, names)
    found = f"{track_id} IN (SELECT track_id FROM catalog WHERE {inner})"
    unknown = any(v.lower() in "unknown" for v in f.values) if f.contains else (
        "unknown" in f.values)
    if unknown:
        found = (f"({found} OR {track_id} NOT IN "
                 "(SELECT track_id FROM catalog WHERE track_id IS NOT NULL))")
    return f"NOT ({found})" if f.negated else found


def expression(name: str, relation: str, alias: str = "") -> str:
    """The SQL value of dimension ``name`` on ``relation`` (breakdowns group by it); a
    catalog dimension needs the catalog joined as ``k`` (see `catalog_join`)."""
    dim = DIMENSIONS[name]
    if dim.catalog is not None:
        return f"coalesce(CAST(k.{dim.catalog} AS VARCHAR), 'unknown')"
    return dim.columns[relation]


def catalog_join(name: str, relation: str, alias: str = "s") -> str:
    """The join a catalog dimension's `expression` needs ('' for the others)."""
    dim = DIMENSIONS[name]
    if dim.catalog is None:
        return ""
    return (f"LEFT JOIN (SELECT track_id, any_value({dim.catalog}) AS {dim.catalog} "
            f"FROM catalog GROUP BY track_id) AS k ON k.track_id = {alias}.{TRACK_IDS[relation]}")
