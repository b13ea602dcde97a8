"""IP address → country, region, city, latitude, longitude from a MaxMind-format database.

Contract: :func:`locate_database` picks the database in this order, first hit wins:

1. the ``--geoip-db PATH`` option,
2. the ``PLAYLOG_GEOIP_DB`` environment variable,
3. the ``geoip_db`` key of the config file,
4. the standard places ``geoipupdate`` writes to (:data:`STANDARD_DIRS` ×
   :data:`STANDARD_NAMES`),
5. the GeoLite2-City database embedded in the ``maxminddb-geolite2`` package
   (built in 2018: old, reported as such by ``playlog doctor``).

A path named by 1–3 that is missing or not a MaxMind database is a
:class:`~playlog.errors.PlaylogError` of one line naming the path and where it
was set. :class:`GeoLookup` answers many addresses at once: private, loopback,
link-local, documentation and other reserved ranges have no location (the
databases hold no record for them), and text that is not an IP address gives
nulls, never an error. Country is the ISO 3166-1 alpha-2 code, region the
English name of the first subdivision, city the English city name. City and
Country databases (GeoLite2, GeoIP2, DB-IP lite) work; a Country database
leaves region, city and coordinates null.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from playlog.config import Settings
from playlog.errors import PlaylogError

STANDARD_DIRS = (
    Path("/usr/share/GeoIP"),
    Path("/var/lib/GeoIP"),
    Path("/usr/local/share/GeoIP"),
    Path("/opt/homebrew/var/GeoIP"),
)
STANDARD_NAMES = (
    "GeoIP2-City.mmdb",
    "GeoLite2-City.mmdb",
    "dbip-city-lite.mmdb",
    "dbip-city.mmdb",
    "GeoIP2-Country.mmdb",
    "GeoLite2-Country.mmdb",
    "dbip-country-lite.mmdb",
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
EMBEDDED = "embedded (maxminddb-geolite2 package)"

# (country, region, city, latitude, longitude)
Location = tuple[str | None, str | None, str | None, float | None, float | None]
NOWHERE: Location = (None, None, None, None, None)


@dataclass(frozen=True)
class DatabaseChoice:
    path: Path
    origin: str  # "--geoip-db", "PLAYLOG_GEOIP_DB", "config file …", "standard location", EMBEDDED

    @property
    def embedded(self) -> bool:
        return self.origin == EMBEDDED


def locate_database(settings: Settings | None, explicit: Path | None = None) -> DatabaseChoice:
    """The database to use, following the discovery order of the module docstring."""
    if explicit is not None:
        return DatabaseChoice(Path(explicit).expanduser(), "--geoip-db")
    configured = settings.geoip_db if settings is not None else None
    if configured is not None:
        return DatabaseChoice(configured, _configured_origin(settings, configured))
    for folder in STANDARD_DIRS:
        for name in STANDARD_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return DatabaseChoice(candidate, "standard location")
    return DatabaseChoice(_embedded_path(), EMBEDDED)


def _configured_origin(settings: Settings, path: Path) -> str:
    env = os.environ.get("PLAYLOG_GEOIP_DB")
    if env and Path(env).expanduser() == path:
        return "PLAYLOG_GEOIP_DB"
    value = settings.file.get("geoip_db")
    if value and Path(value).expanduser() == path:
        return f"geoip_db in {settings.config_file}"
    return "--geoip-db"


def _embedded_path() -> Path:
    try:
        from _maxminddb_geolite2 import geolite2_database
    except ImportError as exc:
        raise PlaylogError(
            "no GeoIP database found and the maxminddb-geolite2 package is not installed",
            hint="use --geoip-db PATH, PLAYLOG_GEOIP_DB, or --no-geoip",
        ) from exc
    return Path(geolite2_database())


@dataclass(frozen=True)
class DatabaseInfo:
    path: str
    origin: str
    database_type: str
    build_date: str  # ISO 8601, UTC
    age_days: int
    ip_version: int
    embedded: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class GeoLookup:
    """An open MaxMind-format database; ``lookup_many`` answers distinct addresses."""

    def __init__(self, choice: DatabaseChoice) -> None:
        self.choice = choice
        self._reader = _open(choice)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def info(self) -> DatabaseInfo:
        meta = self._reader.metadata()
        built = datetime.fromtimestamp(meta.build_epoch, UTC)
        return DatabaseInfo(
            path=str(self.choice.path),
            origin=self.choice.origin,
            database_type=meta.database_type,
            build_date=built.isoformat(timespec="seconds"),
            age_days=(datetime.now(UTC) - built).days,
            ip_version=meta.ip_version,
            embedded=self.choice.embedded,
        )

    def lookup(self, ip: str | None) -> Location:
        if not ip:
            return NOWHERE
        ip = ip.strip()
        if ":" not in ip and not _IPV4.fullmatch(ip):  # the reader takes "1.2.3", "16843009"
            return NOWHERE
        try:
            record = self._reader.get(ip)
        except ValueError:  # not an IP address, or IPv6 in an IPv4-only database
            return NOWHERE
        return _location(record) if record else NOWHERE

    def lookup_many(self, ips: Iterable[str | None]) -> list[Location]:
        """Locations of many addresses, in order.

        IPv4 addresses are visited in numeric order and every address inside
        the network the previous answer came from reuses that answer, so a
        clustered set of addresses (one ISP's pool) costs one lookup per network.
        """
        texts = [ip.strip() if ip else "" for ip in ips]
        out = [NOWHERE] * len(texts)
        ipv4 = []
        for index, text in enumerate(texts):
            if ":" in text:
                out[index] = self.lookup(text)
            elif _IPV4.fullmatch(text):
                ipv4.append((int.from_bytes(socket.inet_aton(text), "big"), index, text))
        ipv4.sort()
        last = -1
        location = NOWHERE
        for number, index, text in ipv4:
            if number > last:
                record, prefix = self._reader.get_with_prefix_len(text)
                location = _location(record) if record else NOWHERE
                last = (number | ((1 << (32 - prefix)) - 1)) if prefix else 0xFFFFFFFF
            out[index] = location
        return out


def _open(choice: DatabaseChoice):
    import maxminddb

    where = f"{choice.path} (set by {choice.origin})"
    hint = "give a MaxMind .mmdb file with --geoip-db PATH or PLAYLOG_GEOIP_DB, or use --no-geoip"
    if not choice.path.exists():
        raise PlaylogError(f"{where}: GeoIP database not found", hint=hint)
    if not choice.path.is_file():
        raise PlaylogError(f"{where}: GeoIP database is not a file", hint=hint)
    try:
        return maxminddb.open_database(str(choice.path))
    except (maxminddb.InvalidDatabaseError, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PlaylogError(f"{where}: not a usable MaxMind database: {reason}", hint=hint) from None


def _location(record: dict[str, Any]) -> Location:
    country = (record.get("country") or {}).get("iso_code")
    subdivisions = record.get("subdivisions") or ()
    region = _name(subdivisions[0]) if subdivisions else None
    city = _name(record.get("city"))
    where = record.get("location") or {}
    return (country, region, city, where.get("latitude"), where.get("longitude"))


def _name(entry: dict[str, Any] | None) -> str | None:
    if not entry:
        return None
    return (entry.get("names") or {}).get("en")
