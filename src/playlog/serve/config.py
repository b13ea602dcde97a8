"""What `playlog serve` runs with: flags over ``PLAYLOG_*`` variables over the config file.

Config file keys (docs/serve.md)::

    read_token = "…"                       # or PLAYLOG_READ_TOKEN, --read-token
    [serve]
    cors_origins = ["https://player.example.com"]   # may call the write endpoints
    trusted_proxies = ["127.0.0.1"]         # whose X-Forwarded-For hop is the client
    ingest_every = "60s"
    push_every = "5s"

Binding an address other than loopback without a read token is refused
(`ServeConfigError`): reports would be open to anyone who can reach the port.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any

from playlog.config import Settings, parse_duration
from playlog.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8321
WRITE_LIMIT = 64 * 1024
BATCH_LIMIT = 4 * 1024 * 1024


@dataclass(frozen=True)
class ServeConfig:
    settings: Settings
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    read_token: str | None = None
    trusted_proxies: tuple[Any, ...] = ()  # ip_network objects
    cors_origins: tuple[str, ...] = ()
    ingest_every: float = 60.0  # seconds; 0 = never (cron ingests)
    push_every: float = 5.0
    cleanup: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    read_token: str | None = None,
    trusted_proxies: list[str] | None = None,
    ingest_every: str | None = None,
    push_every: str | None = None,
    cleanup: bool = True,
) -> ServeConfig:
    conf = settings.section("serve")
    token = (read_token or os.environ.get("PLAYLOG_READ_TOKEN") or settings.file.get("read_token")
             or conf.get("read_token") or None)
    bind = host or conf.get("host") or DEFAULT_HOST
    if not is_loopback(bind) and not token:
        raise UsageError(
            "--host", f"refusing to serve reports on {bind} without a read token",
            hint="set --read-token, PLAYLOG_READ_TOKEN or read_token in the config file, "
                 "or bind 127.0.0.1",
        )
    proxies = trusted_proxies if trusted_proxies else _list(conf.get("trusted_proxies"))
    return ServeConfig(
        settings=settings,
        host=bind,
        port=int(port if port is not None else conf.get("port", DEFAULT_PORT)),
        read_token=token,
        trusted_proxies=tuple(_network(p) for p in proxies),
        cors_origins=tuple(_list(conf.get("cors_origins"))),
        ingest_every=_seconds(ingest_every, conf.get("ingest_every"), "--ingest-every", 60.0),
        push_every=max(0.2, _seconds(push_every, conf.get("push_every"), "--push-every", 5.0)),
        cleanup=cleanup,
    )


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _network(text: str) -> Any:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise UsageError("--trusted-proxy", f"'{text}' is not an IP address or network",
                         hint="use e.g. 127.0.0.1 or 10.0.0.0/8") from None


def _seconds(flag: str | None, conf: Any, option: str, default: float) -> float:
    text = flag if flag is not None else conf
    if text is None:
        return default
    text = str(text).strip()
    if text.replace(".", "", 1).isdigit():
        text += "s"  # a bare number of seconds, unlike the day-counting durations of cleanup
    return parse_duration(text, option).total_seconds()
