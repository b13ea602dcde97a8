"""The roll-up of web-server requests: ``playlog traffic`` from counts, not raw rows.

``rollup_requests`` has one row per UTC hour, *facet*, value and bot flag, with
``requests`` and ``bandwidth`` (bytes sent), additive over any set of hours.
Facets (value in brackets):

- ``total`` (''), ``status`` (the code), ``referrer`` (the referrer's host),
  ``source``, ``browser`` (for bots: the crawler's family), ``os``,
  ``device_type``, ``country``, ``vhost``; missing values are ``unknown``, and
  requests without a referrer or virtual host have no row in those facets;
- ``path``, ``static``, ``not_found``: the path of pages, of assets, of 404s;
  their ``visitors`` column counts the visitors whose first request of the UTC
  day for that path falls in the hour (summed over whole UTC days: that day's
  distinct visitors of the path);
- ``visitor`` (the ``visitor_key``): one row per visitor and hour, for the
  requests that make visitors (status not 4xx): any day or hour of any
  whole-hour zone counts its distinct visitors exactly from these rows.

Only salted hashes and counts: no IP, user agent or user name. `rows_sql` is
also what query/traffic.py aggregates raw requests with (for the part of a
window that is not whole hours), so both give the same shapes.
"""

from __future__ import annotations

REFERRER_HOST = (
    r"lower(nullif(regexp_extract(referrer, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?"
    r"([^/?#:]+)', 1), ''))"
)

_ROWS = """
    SELECT date_trunc('hour', ts) AS hour, date_trunc('day', ts) AS day,
           coalesce(is_bot, false) AS is_bot, coalesce(bytes, 0) AS bytes,
           CAST(status AS VARCHAR) AS status,
           CASE WHEN status = 404 THEN 'not_found' WHEN is_static THEN 'static' ELSE 'path' END
               AS kind,
           coalesce(path, 'unknown') AS path,
           CASE WHEN status // 100 <> 4 THEN visitor_key END AS vis,
           CASE WHEN status // 100 <> 4 OR status = 404 THEN visitor_key END AS path_vis,
           referrer, coalesce(source, 'direct') AS source,
           coalesce(browser, 'unknown') AS browser, coalesce(os, 'unknown') AS os,
           coalesce(device_type, 'other') AS device_type, coalesce(country, 'unknown') AS country,
           lower(vhost) AS vhost
    FROM {source}
"""

_FACETS = ("status", "referrer", "source", "browser", "os", "device_type", "country", "vhost",
           "vis")
_NAMES = {"vis": "visitor"}


def _counts_sql() -> str:
    sets = ", ".join(f"(hour, is_bot, {f})" for f in _FACETS)
    facet = ("CASE WHEN grouping(kind) = 0 THEN kind "
             + " ".join(f"WHEN grouping({f}) = 0 THEN '{_NAMES.get(f, f)}'" for f in _FACETS)
             + " ELSE 'total' END")
    value = ("CASE WHEN grouping(kind) = 0 THEN path "
             + " ".join(f"WHEN grouping({f}) = 0 THEN {f}" for f in _FACETS)
             + " ELSE '' END")
    return f"""
    SELECT hour, is_bot, {facet} AS facet, {value} AS value,
           count(*) AS requests, CAST(sum(bytes) AS BIGINT) AS bandwidth
    FROM r GROUP BY GROUPING SETS ((hour, is_bot), (hour, is_bot, kind, path), {sets})"""


def _rows(source: str) -> str:
    return _ROWS.format(source=source).replace(
        "           referrer,", f"           {REFERRER_HOST} AS referrer,")


def rows_sql(source: str) -> str:
    """The roll-up's rows (without ``visitors``) of the requests in `source` (a relation)."""
    return f"""
WITH r AS ({_rows(source)}),
counts AS ({_counts_sql()})
SELECT hour, facet, value, is_bot, requests, bandwidth FROM counts WHERE value IS NOT NULL"""


REQUESTS_SQL = f"""
WITH r AS ({_rows("read_parquet($files, union_by_name = true)")}),
counts AS ({_counts_sql()}),
firsts AS (
    SELECT min(hour) AS hour, is_bot, kind AS facet, any_value(path) AS value
    FROM r WHERE path_vis IS NOT NULL
    GROUP BY day, is_bot, kind, hash(path), path_vis
),
visitors AS (SELECT hour, is_bot, facet, value, count(*) AS visitors FROM firsts GROUP BY ALL)
SELECT c.hour, c.facet, c.value, c.is_bot, c.requests, c.bandwidth,
       CASE WHEN c.facet IN ('path', 'static', 'not_found') THEN coalesce(v.visitors, 0) END
           AS visitors
FROM counts c LEFT JOIN visitors v USING (hour, is_bot, facet, value)
WHERE c.value IS NOT NULL
"""
