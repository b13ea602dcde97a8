"""The roll-up of web-server requests: what ``playlog traffic`` needs once raw days are gone.

``rollup_requests`` has one row per UTC hour, *facet*, value and bot flag, with
``requests`` and ``bandwidth`` (bytes sent) — additive, so any set of hours
sums — and two visitor counts (a visitor is one (IP, user agent) pair, known
by its salted ``visitor_key``; requests answered with a 4xx status do not make
visitors, except in the ``not_found`` facet, which only has those):

- ``visitors``: the visitors whose first request of the UTC day (in this facet
  value) falls in this hour; summed over a whole UTC day it is that day's
  distinct visitors, and over days, the sum of the daily counts that
  docs/metrics.md defines;
- ``hour_visitors``: distinct visitors of the hour (facet ``total`` only).

Facets (value in brackets): ``total`` (''), ``status`` (the code), ``path``,
``static`` and ``not_found`` (the path of pages, of assets, of 404 answers),
``referrer`` (the referrer's host), ``source``, ``browser`` (for bots: the
crawler's family), ``os``, ``device_type``, ``country``, ``vhost``. Missing
values are ``unknown``; requests without a referrer or virtual host have no row
in those facets. Only hashes and counts: no IP, user agent or user name.
"""

from __future__ import annotations

REFERRER_HOST = (
    r"lower(nullif(regexp_extract(referrer, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?"
    r"([^/?#:]+)', 1), ''))"
)

_ROWS = f"""
    SELECT date_trunc('hour', ts) AS hour, date_trunc('day', ts) AS day,
           coalesce(is_bot, false) AS is_bot, coalesce(bytes, 0) AS bytes,
           CAST(status AS VARCHAR) AS status,
           CASE WHEN status = 404 THEN 'not_found' WHEN is_static THEN 'static' ELSE 'path' END
               AS kind,
           coalesce(path, 'unknown') AS path,
           CASE WHEN status = 404 OR status // 100 <> 4 THEN visitor_key END AS vis,
           {REFERRER_HOST} AS referrer, coalesce(source, 'direct') AS source,
           coalesce(browser, 'unknown') AS browser, coalesce(os, 'unknown') AS os,
           coalesce(device_type, 'other') AS device_type, coalesce(country, 'unknown') AS country,
           lower(vhost) AS vhost
    FROM read_parquet($files, union_by_name = true)
"""

_FACETS = ("status", "referrer", "source", "browser", "os", "device_type", "country", "vhost")

_COUNTS = """
    SELECT hour, is_bot, {facet_case} AS facet, {value_case} AS value,
           count(*) AS requests, sum(bytes) AS bandwidth
    FROM r
    GROUP BY GROUPING SETS ((hour, is_bot), (hour, is_bot, kind, path), {sets})
"""


def _counts_sql() -> str:
    sets = ", ".join(f"(hour, is_bot, {f})" for f in _FACETS)
    facet_case = ("CASE WHEN grouping(kind) = 0 THEN kind "
                  + " ".join(f"WHEN grouping({f}) = 0 THEN '{f}'" for f in _FACETS)
                  + " ELSE 'total' END")
    value_case = ("CASE WHEN grouping(kind) = 0 THEN path "
                  + " ".join(f"WHEN grouping({f}) = 0 THEN {f}" for f in _FACETS)
                  + " ELSE '' END")
    return _COUNTS.format(facet_case=facet_case, value_case=value_case, sets=sets)


REQUESTS_SQL = f"""
WITH r AS ({_ROWS}),
counts AS ({_counts_sql()}),
firsts AS (
    SELECT min(hour) AS hour, is_bot, 'total' AS facet, '' AS value
    FROM r WHERE vis IS NOT NULL AND kind <> 'not_found' GROUP BY day, is_bot, vis
    UNION ALL
    SELECT min(hour), is_bot, kind, path FROM r WHERE vis IS NOT NULL
    GROUP BY day, is_bot, kind, path, vis
),
visitors AS (SELECT hour, is_bot, facet, value, count(*) AS visitors FROM firsts GROUP BY ALL),
hourly AS (
    SELECT hour, is_bot, 'total' AS facet, '' AS value, count(DISTINCT vis) AS hour_visitors
    FROM r WHERE kind <> 'not_found' GROUP BY hour, is_bot
)
SELECT c.hour, c.facet, c.value, c.is_bot, c.requests, CAST(c.bandwidth AS BIGINT) AS bandwidth,
       coalesce(v.visitors, 0) AS visitors, h.hour_visitors
FROM counts c
LEFT JOIN visitors v USING (hour, is_bot, facet, value)
LEFT JOIN hourly h USING (hour, is_bot, facet, value)
WHERE c.value IS NOT NULL
"""
