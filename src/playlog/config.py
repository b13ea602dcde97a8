"""Settings and where they come from.

Precedence, highest first: the command-line flag, a ``PLAYLOG_*`` environment
variable, the config file, the built-in default. The config file is TOML, found
at ``$PLAYLOG_CONFIG``, else ``$XDG_CONFIG_HOME/playlog/config.toml`` (by default
``~/.config/playlog/config.toml``). Every key is optional::

    data = "/var/lib/playlog"        # data directory
    tz = "Europe/Paris"              # report time zone
    session_timeout = "30m"          # idle time that closes a session
    geoip_db = "/usr/share/GeoIP/GeoLite2-City.mmdb"

    [[routes]]                       # requests of web-server logs → event records
    path = "/e/{event_id}"           # (see playlog.routes and docs/formats.md)
    event_type = "view"

    [cleanup]
    older_than = "90d"
    anonymize_ip_after = "30d"
    drop_user_agents = false
    archive = "/srv/archive/playlog"
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playlog.errors import PlaylogError, UsageError

if TYPE_CHECKING:
    from playlog.routes import Route

DEFAULT_SESSION_TIMEOUT = timedelta(minutes=30)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str, option: str) -> timedelta:
    """``90d``, ``30m``, ``12h``, ``45s``, ``2w`` (a bare number is days)."""
    match = _DURATION.match(str(text))
    if not match:
        raise UsageError(option, f"'{text}' is not a duration", hint="use e.g. 90d, 12h or 30m")
    value, unit = float(match.group(1)), match.group(2) or "d"
    return timedelta(seconds=value * _UNITS[unit])


def config_path() -> Path:
    explicit = os.environ.get("PLAYLOG_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "playlog" / "config.toml"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "playlog"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    tz: str = "UTC"
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT
    geoip_db: Path | None = None
    file: dict[str, Any] = field(default_factory=dict)
    config_file: Path | None = None
    routes: tuple[Route, ...] = ()  # [[routes]]: requests that become event records

    def section(self, name: str) -> dict[str, Any]:
        value = self.file.get(name, {})
        return value if isinstance(value, dict) else {}


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PlaylogError(f"{path}: cannot read config file: {exc}") from exc


def _pick(flag: Any, env: str, file: dict[str, Any], key: str) -> Any:
    if flag is not None:
        return flag
    if os.environ.get(env):
        return os.environ[env]
    return file.get(key)


def load_settings(
    data: Path | str | None = None,
    tz: str | None = None,
    session_timeout: str | None = None,
    geoip_db: Path | str | None = None,
) -> Settings:
    """Resolve every setting from flag, environment, config file and default."""
    path = config_path()
    file = _read_file(path)
    data_dir = _pick(data, "PLAYLOG_DATA", file, "data") or default_data_dir()
    zone = _pick(tz, "PLAYLOG_TZ", file, "tz") or "UTC"
    timeout_text = _pick(session_timeout, "PLAYLOG_SESSION_TIMEOUT", file, "session_timeout")
    where = (
        "--session-timeout" if session_timeout is not None
        else "PLAYLOG_SESSION_TIMEOUT" if os.environ.get("PLAYLOG_SESSION_TIMEOUT")
        else f"{path}: session_timeout"
    )
    timeout = parse_duration(timeout_text, where) if timeout_text else DEFAULT_SESSION_TIMEOUT
    geo = _pick(geoip_db, "PLAYLOG_GEOIP_DB", file, "geoip_db")
    from playlog.routes import parse_routes

    routes = parse_routes(file.get("routes"), str(path))
    return Settings(
        data_dir=Path(data_dir).expanduser(),
        tz=str(zone),
        session_timeout=timeout,
        geoip_db=Path(geo).expanduser() if geo else None,
        file=file,
        config_file=path if file else None,
        routes=routes,
    )
