"""Settings and where they come from.

Precedence, highest first: the command-line flag, a ``PLAYLOG_*`` environment
variable, the config file, the built-in default. The config file is TOML, found
at ``$PLAYLOG_CONFIG``, else ``$XDG_CONFIG_HOME/playlog/config.toml`` (by default
``~/.config/playlog/config.toml``). Every key is optional::

    data = "/var/lib/playlog"        # data directory
    tz = "Europe/Paris"              # report time zone
    session_timeout = "30m"          # idle time that closes a session
    idle_after = "1m"                # a log unchanged this long has its last line read whole
    geoip_db = "/usr/share/GeoIP/GeoLite2-City.mmdb"
    store_mode = "private"           # or "group": who may read what the store holds

    [[routes]]                       # requests of web-server logs → event records
    path = "/e/{event_id}"           # (see playlog.routes and docs/formats.md)
    event_type = "view"

    [cleanup]
    older_than = "90d"
    anonymize_ip_after = "30d"
    drop_user_agents = false
    archive = "/srv/archive/playlog"

A key or section the program does not know is an error naming the file and the
key, with the closest known key as a hint (a misspelt retention setting must not
be ignored in silence); every key lives in ``KNOWN_KEYS``. ``PLAYLOG_CONFIG``
naming a missing file is an error too, and a time zone is checked where it was
given (``--tz``, ``PLAYLOG_TZ`` or the file's ``tz``).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playlog.errors import PlaylogError, UsageError
from playlog.zones import canonical_zone

if TYPE_CHECKING:
    from playlog.routes import Route

DEFAULT_SESSION_TIMEOUT = timedelta(minutes=30)
DEFAULT_IDLE_AFTER = timedelta(minutes=1)

# Every key the config file may hold: the top level ("") and each [section].
# ``routes`` is an array of tables (one per route), checked by its reader.
KNOWN_KEYS: dict[str, set[str]] = {
    "": {"data", "tz", "session_timeout", "geoip_db", "read_token", "s3_endpoint", "site",
         "idle_after", "store_mode"},
    "cleanup": {"older_than", "anonymize_ip_after", "drop_user_agents", "archive"},
    "serve": {"host", "port", "read_token", "trusted_proxies", "cors_origins", "ingest_every",
              "push_every"},
    "routes": set(),
}

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


def _explicit_config_missing(path: Path) -> UsageError | None:
    """PLAYLOG_CONFIG names a file: its absence is a mistake, not "no config"."""
    if os.environ.get("PLAYLOG_CONFIG") and not path.is_file():
        why = "is a directory" if path.is_dir() else "does not exist"
        return UsageError("PLAYLOG_CONFIG", f"{path} {why}",
                          hint="unset it to use the default config file")
    return None


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "playlog"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    tz: str = "UTC"
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT
    geoip_db: Path | None = None
    idle_after: timedelta = DEFAULT_IDLE_AFTER
    store_mode: str = "private"  # see store.modes
    file: dict[str, Any] = field(default_factory=dict)
    config_file: Path | None = None
    routes: tuple[Route, ...] = ()  # [[routes]]: requests that become event records

    def section(self, name: str) -> dict[str, Any]:
        value = self.file.get(name, {})
        return value if isinstance(value, dict) else {}


def _read_file(path: Path) -> dict[str, Any]:
    missing = _explicit_config_missing(path)
    if missing is not None:
        raise missing
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            content = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PlaylogError(f"{path}: cannot read config file: {exc}") from exc
    check_keys(content, path)
    return content


def check_keys(content: dict[str, Any], path: Path) -> None:
    """Raise for the first key or section of ``content`` that is not in KNOWN_KEYS."""
    for key, value in content.items():
        if key in KNOWN_KEYS and key:
            if isinstance(value, dict):
                _check_section(key, value, path)
            continue
        if key not in KNOWN_KEYS[""]:
            known = KNOWN_KEYS[""] | {k for k in KNOWN_KEYS if k}
            raise _unknown(path, key, key, known, "section" if isinstance(value, dict) else "key")


def _check_section(section: str, values: dict[str, Any], path: Path) -> None:
    for key in values:
        if key not in KNOWN_KEYS[section]:
            raise _unknown(path, f"[{section}] {key}", key, KNOWN_KEYS[section], "key")


def _unknown(path: Path, where: str, key: str, known: set[str], what: str) -> UsageError:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else "known: " + ", ".join(sorted(known))
    return UsageError(f"{path}: {where}", f"unknown {what}", hint=hint)


def _pick(flag: Any, env: str, file: dict[str, Any], key: str) -> Any:
    if flag is not None:
        return flag
    if os.environ.get(env):
        return os.environ[env]
    return file.get(key)


def _source(flag: Any, option: str, env: str, file_key: str) -> str:
    """Where a setting came from, for an error message: the option, variable or file key."""
    if flag is not None:
        return option
    return env if os.environ.get(env) else file_key


def _data_path(value: Path | str) -> Path:
    """The data directory: a local folder, or an ``s3://bucket/prefix`` URL (store.fs)."""
    from playlog.store.fs import as_path, is_url

    return as_path(value) if is_url(value) else Path(value).expanduser()  # type: ignore[return-value]


def load_settings(
    data: Path | str | None = None,
    tz: str | None = None,
    session_timeout: str | None = None,
    geoip_db: Path | str | None = None,
    idle_after: str | None = None,
) -> Settings:
    """Resolve every setting from flag, environment, config file and default."""
    path = config_path()
    file = _read_file(path)
    data_dir = _pick(data, "PLAYLOG_DATA", file, "data") or default_data_dir()
    zone = _pick(tz, "PLAYLOG_TZ", file, "tz") or "UTC"
    zone = canonical_zone(str(zone), _source(tz, "--tz", "PLAYLOG_TZ", f"{path}: tz"))
    timeout_text = _pick(session_timeout, "PLAYLOG_SESSION_TIMEOUT", file, "session_timeout")
    where = _source(session_timeout, "--session-timeout", "PLAYLOG_SESSION_TIMEOUT",
                    f"{path}: session_timeout")
    timeout = parse_duration(timeout_text, where) if timeout_text else DEFAULT_SESSION_TIMEOUT
    geo = _pick(geoip_db, "PLAYLOG_GEOIP_DB", file, "geoip_db")
    from playlog.routes import parse_routes

    routes = parse_routes(file.get("routes"), str(path))
    idle_text = _pick(idle_after, "PLAYLOG_IDLE_AFTER", file, "idle_after")
    idle_where = ("--idle-after" if idle_after is not None
                  else "PLAYLOG_IDLE_AFTER" if os.environ.get("PLAYLOG_IDLE_AFTER")
                  else f"{path}: idle_after")
    idle = parse_duration(idle_text, idle_where) if idle_text else DEFAULT_IDLE_AFTER
    mode = _pick(None, "PLAYLOG_STORE_MODE", file, "store_mode") or "private"
    from playlog.store.modes import store_modes

    store_modes(mode, "PLAYLOG_STORE_MODE" if os.environ.get("PLAYLOG_STORE_MODE")
                else f"{path}: store_mode")  # a bad value is a usage error now, not later
    from playlog.store import s3

    s3.configure(file.get("s3_endpoint"))  # for an s3:// data directory (docs/scale.md)
    return Settings(
        data_dir=_data_path(data_dir),
        tz=str(zone),
        session_timeout=timeout,
        geoip_db=Path(geo).expanduser() if geo else None,
        idle_after=idle,
        store_mode=str(mode).strip().lower(),
        file=file,
        config_file=path if file else None,
        routes=routes,
    )
