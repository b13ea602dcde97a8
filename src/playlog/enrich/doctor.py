"""What the enrichment stage will use, as one plain dict for ``playlog doctor``.

Contract: :func:`diagnose` never raises for a GeoIP database that cannot be
used: it reports the path, where it was chosen from and the error, so the
command can show everything at once. Warnings are sentences for a person: the
embedded (old) database, a database older than :data:`STALE_DAYS`, the slow
pure-Python user-agent resolver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playlog.catalog import catalog_size
from playlog.config import Settings
from playlog.enrich.geo import GeoLookup, locate_database
from playlog.enrich.useragent import rules_version
from playlog.errors import PlaylogError
from playlog.store.layout import Layout

STALE_DAYS = 60  # MaxMind publishes GeoLite2 twice a week


def diagnose(settings: Settings, *, geoip_db: Path | None = None) -> dict[str, Any]:
    geo = _geoip(settings, geoip_db)
    agents = rules_version()
    layout = Layout(settings.data_dir)
    return {
        "data_dir": str(settings.data_dir),
        "config_file": str(settings.config_file) if settings.config_file else None,
        "geoip": geo,
        "user_agents": agents,
        "catalog": {"path": str(layout.catalog), "tracks": catalog_size(settings.data_dir)},
        "warnings": _warnings(geo, agents),
    }


def _geoip(settings: Settings, explicit: Path | None) -> dict[str, Any]:
    try:
        choice = locate_database(settings, explicit)
    except PlaylogError as exc:
        return {"path": None, "origin": None, "error": str(exc)}
    try:
        with GeoLookup(choice) as lookup:
            return {**lookup.info().as_dict(), "error": None}
    except PlaylogError as exc:
        return {"path": str(choice.path), "origin": choice.origin, "error": str(exc)}


def _warnings(geo: dict[str, Any], agents: dict[str, str]) -> list[str]:
    warnings = []
    if geo.get("embedded"):
        warnings.append(
            f"the GeoIP database is the old one embedded in the maxminddb-geolite2 package "
            f"(built {geo['build_date'][:10]}): install a current GeoLite2-City database with "
            "geoipupdate (see docs/enrichment.md) or pass --geoip-db"
        )
    elif geo.get("age_days", 0) > STALE_DAYS:
        warnings.append(
            f"the GeoIP database is {geo['age_days']} days old: run geoipupdate to refresh it"
        )
    if agents["resolver"] != "ua-parser-rs":
        warnings.append(
            "ua-parser-rs is not installed: user agents are parsed by the slow pure-Python "
            "resolver (pip install 'ua-parser[regex]')"
        )
    return warnings
