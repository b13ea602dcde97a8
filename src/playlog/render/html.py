"""HTML: one self-contained page per report, drawn in the browser from its JSON.

``render_page(kind, data)`` takes a report's data exactly as the query layer
returns it (never a query of its own) and returns one HTML document:

- the report's ``--format json`` object embedded as
  ``<script type="application/json" id="playlog-data">`` (``read_page_data``
  reads it back), and a second object ``playlog-meta`` (kind, when, window,
  live settings);
- the page's script and style and the vendored chart library inline (pinned
  in ``assets/vendor/manifest.json``, re-vendored by scripts/vendor_charts.py),
  the world map only for kinds that have countries;
- a Content-Security-Policy that lets the page load nothing from anywhere (no
  scripts, styles, fonts or images from other hosts) and run no script but its
  own two, named by their SHA-256. A live page
  (``refresh_url``) may fetch from its own origin only: it re-reads the same
  JSON from the read API every ``refresh_seconds`` and redraws, with
  ``Authorization: Bearer <token>`` when a token is given.

Kinds: report, track, user, event, event-periods, top-tracks, top-events, realtime,
traffic.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from playlog import __version__
from playlog.render.jsonout import plain

KINDS = ("report", "track", "user", "event", "event-periods", "top-tracks", "top-events",
         "realtime", "traffic")
MAP_KINDS = frozenset({"report", "track", "realtime", "traffic"})
SCRIPTS = ("format.js", "dom.js", "charts.js", "listening.js", "realtime.js", "events.js",
           "traffic.js", "app.js")
VENDOR = ("chart.umd.min.js", "chartjs-chart-matrix.min.js")
VENDOR_MAP = ("chartjs-chart-geo.umd.min.js",)
LICENSED = ("chart.js", "chartjs-chart-matrix", "chartjs-chart-geo", "world-atlas",
            "i18n-iso-countries")
DATA_ID = "playlog-data"
META_ID = "playlog-meta"
_SLOT = re.compile(r"\{\{(\w+)\}\}")
_EMBEDDED = re.compile(
    r'<script type="application/json" id="(?P<id>[\w-]+)">(?P<body>.*?)</script>', re.DOTALL
)


def render_page(
    kind: str,
    data: Any,
    *,
    context: dict[str, Any] | None = None,
    refresh_url: str | None = None,
    refresh_seconds: int = 30,
    token: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The page of ``kind`` showing ``data``. ``context`` adds what the data does not
    carry (e.g. the window of a top list); ``refresh_url`` makes it a live page."""
    if kind not in KINDS:
        raise ValueError(f"no HTML page for {kind!r}; kinds: {', '.join(KINDS)}")
    from playlog.clock import now

    meta: dict[str, Any] = {
        "kind": kind,
        "generated_at": generated_at or now(),
        "version": __version__,
        **(context or {}),
    }
    if refresh_url is not None:
        meta["live"] = {"url": refresh_url, "every": max(1, int(refresh_seconds)),
                        "token": token}
    scripts = {"vendor": _vendor_block(kind), "script": _app_script()}
    parts = {
        "title": html.escape(page_title(kind, data, meta)),
        "csp": _policy(scripts.values(), live=refresh_url is not None),
        "style": _asset("page.css"),
        "data": embed(data),
        "meta": embed(meta),
        "world": embed_raw(_vendor("world-110m.json")) if kind in MAP_KINDS else "null",
        "licences": html.escape(_licences()),
        **scripts,
    }
    # One pass: text put in (a title in the data, the vendored code) is never read
    # again as a placeholder.
    return _SLOT.sub(lambda slot: parts[slot[1]], _asset("page.html"))


def read_page_data(page: str) -> tuple[Any, dict[str, Any]]:
    """(data, meta) embedded in a page written by ``render_page``."""
    found = {m["id"]: m["body"] for m in _EMBEDDED.finditer(page)}
    if DATA_ID not in found or META_ID not in found:
        raise ValueError("not a playlog page: no embedded playlog-data")
    return json.loads(found[DATA_ID]), json.loads(found[META_ID])


def embed(value: Any) -> str:
    """JSON text safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped
    as JSON escapes, so no string in the data can close the element."""
    return embed_raw(json.dumps(plain(value), ensure_ascii=False, separators=(",", ":")))


def embed_raw(text: str) -> str:
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def page_title(kind: str, data: Any, meta: dict[str, Any] | None = None) -> str:
    """The document title: what the page shows, for tabs and bookmarks."""
    if kind == "track":
        name = " – ".join(p for p in (data.get("title"), data.get("artist")) if p)
        return f"{name or data.get('track_id')} · playlog"
    if kind == "user":
        return f"Listener {data.get('user_id')} · playlog"
    if kind == "event":
        return f"Event page {data.get('event_id')} · playlog"
    if kind == "event-periods" and (meta or {}).get("event_id"):
        return f"Event page {meta['event_id']} by {meta.get('period', 'period')} · playlog"
    names = {"report": "Listening report", "traffic": "Web traffic", "top-tracks": "Top tracks",
             "top-events": "Top event pages", "event-periods": "Event page by period",
             "realtime": "Listening now"}
    return f"{names[kind]} · playlog"


def _policy(scripts: Any, *, live: bool) -> str:
    """Nothing is loaded from anywhere, and only the page's own two scripts run (by
    their SHA-256); a live page may fetch from its own origin."""
    hashes = " ".join(f"'sha256-{_digest(text)}'" for text in scripts)
    connect = "'self'" if live else "'none'"
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        f"img-src data:; connect-src {connect}; base-uri 'none'; form-action 'none'"
    )


@cache
def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@cache
def _vendor_block(kind: str) -> str:
    names = VENDOR + (VENDOR_MAP if kind in MAP_KINDS else ())
    return "\n".join(_vendor(name) for name in names)


@cache
def _asset(name: str) -> str:
    return files("playlog.render").joinpath("assets", name).read_text(encoding="utf-8")


@cache
def _vendor(name: str) -> str:
    text = files("playlog.render").joinpath("assets", "vendor", name).read_text(encoding="utf-8")
    if name.endswith(".js") and re.search(r"</script|<!--", text, re.IGNORECASE):
        raise RuntimeError(f"vendored {name} cannot be inlined in a <script> element")
    return text


@cache
def _app_script() -> str:
    """The page's own scripts, in order, in one strict-mode scope."""
    body = "\n".join(_asset("js/" + name) for name in SCRIPTS)
    return '(() => {\n"use strict";\n' + body + "\n})();"


@cache
def _licences() -> str:
    manifest = json.loads(_vendor("manifest.json"))["packages"]
    return "\n\n".join(
        f"{name} {manifest[name]['version']}\n\n{_vendor('LICENSE.' + name).strip()}"
        for name in LICENSED
    )
