"""Routes: web-server requests mapped onto event-page records (docs/formats.md#routes).

The config file lists routes as ``[[routes]]`` tables::

    [[routes]]
    path = "/e/{event_id}"             # GET with a 2xx answer → an event record
    event_type = "view"
    [[routes]]
    path = "/e/{event_id}/tickets"
    event_type = "ticket_click"
    status = ["2xx", "3xx"]            # a redirect to the ticket shop counts too
    [[routes]]
    path = "/audio/{track_id}.mp3"     # media requests (play sessions)
    track = true

A path pattern matches the whole path (without the query): ``{name}`` is one
path segment (no ``/``), ``*`` anything; other characters are literal. An event
route needs ``{event_id}`` and an ``event_type`` of the native format; a track
route needs ``{track_id}``. ``method`` (default ``GET``) and ``status``
(default ``2xx``; classes like ``3xx`` or codes like ``304``) narrow a route;
the first route a request matches, in the file's order, takes it.

`parse_routes` validates the tables (errors name the file and the key);
`events_from_requests` turns the requests of a block that match an event route
into event rows, in one vectorised pass per route; `page_url` is the URL of a
request they and the enrichment read. A request a track route takes is a
media request: playlog.listening.media makes play sessions of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playlog.errors import PlaylogError
from playlog.schema import EVENT_TYPES

if TYPE_CHECKING:  # polars is imported where rows are built: loading settings stays light
    import polars as pl

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_STATUS = re.compile(r"^[1-5](?:xx|\d\d)$")
_EVENT_MIX = 0xC2B2AE3D27D4EB4F  # odd, so that each route gives other ids than the request


class RouteError(PlaylogError):
    """A ``[[routes]]`` table of the config file that cannot be used."""


@dataclass(frozen=True)
class Route:
    path: str  # the pattern as configured
    regex: str  # the whole-path expression, one named group per placeholder
    event_type: str | None = None  # event routes
    track: bool = False  # media routes
    methods: tuple[str, ...] = ("GET",)
    statuses: tuple[str, ...] = ("2xx",)

    def status_expr(self) -> pl.Expr:
        import polars as pl

        status = pl.col("status").cast(pl.Int32)
        accepted = pl.lit(False)
        for spec in self.statuses:
            if spec.endswith("xx"):
                low = int(spec[0]) * 100
                accepted = accepted | status.is_between(low, low + 99)
            else:
                accepted = accepted | (status == int(spec))
        return accepted


def compile_path(pattern: str) -> str:
    """``/e/{event_id}/tickets`` → ``^/e/(?P<event_id>[^/]+)/tickets$``."""
    parts, pos = ["^"], 0
    for found in _PLACEHOLDER.finditer(pattern):
        parts.append(_literal(pattern[pos:found.start()]))
        parts.append(f"(?P<{found.group(1)}>[^/]+)")
        pos = found.end()
    parts.append(_literal(pattern[pos:]))
    return "".join(parts) + "$"


def _literal(text: str) -> str:
    return ".*".join(re.escape(piece) for piece in text.split("*"))


def parse_routes(tables: Any, where: str) -> tuple[Route, ...]:
    """The routes of the config file's ``routes`` value (`where` names the file)."""
    if tables is None:
        return ()
    if not isinstance(tables, list):
        raise RouteError(f"{where}: routes: write each route as a [[routes]] table")
    return tuple(_route(table, f"{where}: routes[{i}]") for i, table in enumerate(tables))


def _route(table: Any, where: str) -> Route:
    if not isinstance(table, dict):
        raise RouteError(f"{where}: a route is a table with path and event_type (or track)")
    unknown = set(table) - {"path", "event_type", "track", "method", "status"}
    if unknown:
        raise RouteError(f"{where}: unknown key '{min(unknown)}'",
                         hint="a route has path, event_type or track, method, status")
    path = table.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise RouteError(f"{where}.path: a path pattern starting with '/' is required")
    names = set(_PLACEHOLDER.findall(path))
    track = table.get("track", False)
    if not isinstance(track, bool):
        raise RouteError(f"{where}.track: must be true or false")
    event_type = table.get("event_type")
    if track:
        if event_type is not None:
            raise RouteError(f"{where}: a route is an event route or a track route, not both")
        if "track_id" not in names:
            raise RouteError(f"{where}.path: a track route needs {{track_id}} in its path")
    else:
        if event_type not in EVENT_TYPES:
            raise RouteError(f"{where}.event_type: '{event_type}' is not an event type",
                             hint="one of " + ", ".join(EVENT_TYPES) + ", or track = true")
        if "event_id" not in names:
            raise RouteError(f"{where}.path: an event route needs {{event_id}} in its path")
    return Route(path, compile_path(path), event_type, track,
                 _strings(table.get("method", "GET"), f"{where}.method", str.upper),
                 _statuses(table.get("status", "2xx"), f"{where}.status"))


def _strings(value: Any, where: str, norm) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise RouteError(f"{where}: a text or a list of texts")
    return tuple(norm(v.strip()) for v in values)


def _statuses(value: Any, where: str) -> tuple[str, ...]:
    values = _strings([str(v) for v in value] if isinstance(value, list) else str(value),
                      where, str.lower)
    for spec in values:
        if not _STATUS.match(spec):
            raise RouteError(f"{where}: '{spec}' is not a status code or class",
                             hint="e.g. 200, 304 or 2xx")
    return values


def page_url(site: Any = None) -> pl.Expr:
    """The URL a request asked for, as the enrichment reads it (same-site referrers,
    ``utm_*`` parameters) and event rows keep it: ``http://vhost/path?query``; without a
    virtual host in the log, the config's ``site`` host, else ``/path?query``."""
    import polars as pl

    vhost = pl.col("vhost")
    if isinstance(site, str) and site.strip():
        vhost = pl.coalesce(vhost, pl.lit(site.strip().lower()))
    host = pl.when(vhost.is_not_null()).then(pl.lit("http://") + vhost)
    query = pl.when(pl.col("query").is_not_null()).then(pl.lit("?") + pl.col("query"))
    return pl.concat_str(host.fill_null(""), pl.col("path").fill_null(""), query.fill_null(""))


# Request columns an event row takes as they are (the enrichment ones included).
CARRIED = ("referrer", "user_agent", "client_ip", "ts", "platform", "device_type", "os",
           "browser", "is_bot", "country", "region", "city", "latitude", "longitude", "source",
           "utm_source", "utm_medium", "utm_campaign")


def events_from_requests(requests: pl.DataFrame, routes: tuple[Route, ...]) -> pl.DataFrame:
    """Event rows (the columns of schema.EVENT_SCHEMA) for the requests event routes take.

    `requests` holds the request columns with ``page_url`` and the enrichment."""
    import polars as pl

    found, taken = [], pl.repeat(False, requests.height, eager=True)
    for index, route in enumerate(routes):
        if requests.is_empty():
            continue
        matched = requests.get_column("path").str.extract_groups(route.regex).struct.field(
            "track_id" if route.track else "event_id")
        eligible = requests.select(
            pl.col("method").is_in(list(route.methods)) & route.status_expr()
        ).to_series() & matched.is_not_null() & ~taken
        if not eligible.any():
            continue
        taken = taken | eligible
        if route.track:  # media requests: play sessions (playlog.listening.media)
            continue
        rows = requests.filter(eligible).with_columns(event_id=matched.filter(eligible))
        found.append(_event_rows(rows, route, index))
    return pl.concat(found) if found else pl.DataFrame()


def _event_rows(rows: pl.DataFrame, route: Route, index: int) -> pl.DataFrame:
    import polars as pl

    mix = pl.lit((_EVENT_MIX * (index + 1)) % (1 << 64), pl.UInt64)
    return rows.select(
        "event_id",
        *[c for c in CARRIED if c in rows.columns],
        event_type=pl.lit(route.event_type),
        user_id=pl.col("remote_user"),
        session_id=pl.col("visitor_key"),
        page_url=pl.col("page_url"),
        anon_key=pl.col("visitor_key"),
        record_id=pl.col("record_id") ^ mix,
    )
