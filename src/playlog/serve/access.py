"""Who is asking: the client's IP, the read token, the CORS origins of the write endpoints.

- The client IP is the connection's peer, unless the peer is a trusted proxy:
  then it is the right-most ``X-Forwarded-For`` hop that is not itself a
  trusted proxy (the one the proxy added; hops further left are whatever the
  client claimed and are ignored).
- With a read token configured, read endpoints, the WebSocket and the
  dashboard need ``Authorization: Bearer <token>`` (or, for a browser or a
  WebSocket, which cannot set that header, ``?access_token=<token>``, as in
  RFC 6750).
- Write endpoints answer cross-origin calls from the configured origins only.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from starlette.requests import HTTPConnection

from playlog.serve.config import ServeConfig


def client_ip(conn: HTTPConnection, config: ServeConfig) -> str | None:
    peer = conn.client.host if conn.client else None
    if not config.trusted_proxies or peer is None or not _trusted(peer, config):
        return peer
    forwarded = conn.headers.get("x-forwarded-for")
    if not forwarded:
        return peer
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, config):
            return hop
    return hops[0] if hops else peer


def _trusted(address: str, config: ServeConfig) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in config.trusted_proxies)


def authorized(conn: HTTPConnection, config: ServeConfig) -> bool:
    """True when no read token is configured, or the request carries it."""
    if not config.read_token:
        return True
    given = None
    header = conn.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        given = header[7:].strip()
    elif "access_token" in conn.query_params:
        given = conn.query_params["access_token"]
    return given is not None and hmac.compare_digest(given.encode(), config.read_token.encode())


def cors_headers(conn: HTTPConnection, config: ServeConfig,
                 preflight: bool = False) -> dict[str, Any]:
    origin = conn.headers.get("origin")
    if not origin or ("*" not in config.cors_origins and origin not in config.cors_origins):
        return {}
    headers = {"access-control-allow-origin": origin, "vary": "Origin"}
    if preflight:
        headers |= {
            "access-control-allow-methods": "POST, PUT, OPTIONS",
            "access-control-allow-headers": "Content-Type",
            "access-control-max-age": "86400",
        }
    return headers
