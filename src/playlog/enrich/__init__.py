"""The enrichment stage: user agent → platform/device, IP → geo, referrer → source.

Contract: ``Enricher.enrich(df)`` takes a Polars frame holding some of
``user_agent``, ``client_ip``, ``referrer``, ``page_url`` and ``platform`` (the
record's own value; a missing column counts as null) and returns the same frame
with :data:`OUTPUT_COLUMNS` added or overwritten, typed as in
:mod:`playlog.schema`. Input columns it lacks are not added.

- ``platform``: the record's own value when it is one of SPEC §2's platforms
  (compared lowercased), else detected from the user agent, else ``unknown``.
- ``device_type``, ``os``, ``browser``, ``is_bot``: :mod:`playlog.enrich.useragent`.
- ``country``, ``region``, ``city``, ``latitude``, ``longitude``: :mod:`playlog.enrich.geo`.
- ``source``, ``utm_*``: :mod:`playlog.enrich.source`.

Work is done once per *distinct* user agent, IP and referrer host, and the
answers are cached on the Enricher, so calling ``enrich`` chunk after chunk
parses each value once per run; rows get their answers through joins. With
``geoip=False`` the geo columns are null; with ``parse_agents=False`` the
agent columns are null, ``is_bot`` false and ``platform`` the given one or
``unknown``.

IP anonymisation (:mod:`playlog.enrich.privacy`) must run *after* ``enrich``:
the lookup needs the full address.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import polars as pl

from playlog.enrich import source as _source
from playlog.enrich.cache import LookupCache
from playlog.enrich.geo import NOWHERE, GeoLookup, locate_database
from playlog.enrich.useragent import classify_many, rules_version
from playlog.schema import ENRICHMENT_FIELDS, PLATFORMS

if TYPE_CHECKING:
    from playlog.config import Settings

INPUT_COLUMNS = ("user_agent", "client_ip", "referrer", "page_url", "platform")
OUTPUT_COLUMNS = ("platform", *(field.name for field in ENRICHMENT_FIELDS))
AGENT_COLUMNS = ("detected_platform", "device_type", "os", "browser", "is_bot")
GEO_COLUMNS = ("country", "region", "city", "latitude", "longitude")
SOURCE_COLUMNS = ("source", "utm_source", "utm_medium", "utm_campaign")
MAX_CACHE = 2_000_000  # distinct values per cache; it starts afresh beyond

_ARROW_TO_POLARS = {"string": pl.String(), "bool": pl.Boolean(), "double": pl.Float64()}


def _dtypes() -> dict[str, pl.DataType]:
    """The Polars dtype of every output column, from the Arrow schema."""
    out: dict[str, pl.DataType] = {"platform": pl.String()}
    for field in ENRICHMENT_FIELDS:
        out[field.name] = _ARROW_TO_POLARS[str(field.type)]
    return out


DTYPES = _dtypes()


class Enricher:
    """Adds the enrichment columns to frames, caching per distinct value."""

    def __init__(self, *, geo: GeoLookup | None = None, parse_agents: bool = True) -> None:
        self.geo = geo
        self.parse_agents = parse_agents
        agent_types = {
            "detected_platform": pl.String(),
            **{c: DTYPES[c] for c in AGENT_COLUMNS[1:]},
        }
        self._agents = LookupCache("user_agent", agent_types, _agent_rows, MAX_CACHE)
        self._places = (
            LookupCache(
                "client_ip", {c: DTYPES[c] for c in GEO_COLUMNS}, geo.lookup_many, MAX_CACHE
            )
            if geo is not None
            else None
        )
        self._sources = _source.SourceCache()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        geoip: bool = True,
        parse_agents: bool = True,
        geoip_db: Path | None = None,
    ) -> Enricher:
        """An Enricher using the GeoIP database the discovery order picks (see ``geo``)."""
        geo = GeoLookup(locate_database(settings, geoip_db)) if geoip else None
        return cls(geo=geo, parse_agents=parse_agents)

    def close(self) -> None:
        if self.geo is not None:
            self.geo.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def enrich(self, df: pl.DataFrame) -> pl.DataFrame:
        """``df`` with :data:`OUTPUT_COLUMNS` added or overwritten."""
        inputs = _inputs(df)
        agents = self._agent_columns(inputs)
        places = self._geo_columns(inputs)
        sources = self._sources.sources(inputs)
        added = pl.concat(
            [agents, places, sources.select(SOURCE_COLUMNS)], how="horizontal"
        ).with_columns(_platform_expr(inputs["platform"]))
        added = added.select(pl.col(name).cast(DTYPES[name]) for name in OUTPUT_COLUMNS)
        return df.drop(OUTPUT_COLUMNS, strict=False).hstack(added)

    def describe(self) -> dict[str, Any]:
        """What this Enricher uses, for ``playlog doctor``."""
        return {
            "geoip": self.geo.info().as_dict() if self.geo is not None else None,
            "user_agents": rules_version() if self.parse_agents else None,
        }

    def _agent_columns(self, inputs: pl.DataFrame) -> pl.DataFrame:
        if not self.parse_agents:
            return inputs.with_columns(
                pl.lit(None, pl.String).alias("detected_platform"),
                pl.lit(None, pl.String).alias("device_type"),
                pl.lit(None, pl.String).alias("os"),
                pl.lit(None, pl.String).alias("browser"),
                pl.lit(False).alias("is_bot"),
            ).select(AGENT_COLUMNS)
        return self._agents.answer(inputs["user_agent"]).select(
            pl.col("detected_platform"),
            pl.col("device_type").fill_null("other"),
            "os",
            "browser",
            pl.col("is_bot").fill_null(False),
        )

    def _geo_columns(self, inputs: pl.DataFrame) -> pl.DataFrame:
        if self._places is None:
            nulls = (pl.lit(None, DTYPES[name]).alias(name) for name in GEO_COLUMNS)
            return inputs.with_columns(nulls).select(GEO_COLUMNS)
        return self._places.answer(inputs["client_ip"])


def _inputs(df: pl.DataFrame) -> pl.DataFrame:
    """The input columns as text, a missing one as nulls, as many rows as ``df``."""
    missing = [pl.lit(None, pl.String).alias(c) for c in INPUT_COLUMNS if c not in df.columns]
    present = [pl.col(c).cast(pl.String) for c in INPUT_COLUMNS if c in df.columns]
    return df.with_columns(*present, *missing).select(INPUT_COLUMNS)


def _agent_rows(uas: list[str]) -> list[tuple[Any, ...]]:
    return [
        (agent.platform, agent.device_type, agent.os, agent.browser, agent.is_bot)
        for agent in classify_many(uas)
    ]


def _platform_expr(given: pl.Series) -> pl.Expr:
    value = pl.lit(given).str.strip_chars().str.to_lowercase()
    return (
        pl.when(value.is_in(PLATFORMS))
        .then(value)
        .otherwise(pl.col("detected_platform").fill_null("unknown"))
        .alias("platform")
    )


__all__ = ["NOWHERE", "OUTPUT_COLUMNS", "Enricher"]
