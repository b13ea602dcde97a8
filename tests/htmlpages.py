"""The HTML page of every report kind, made by the real CLI on the sample store
(tests/sample.py), with the same command's ``--format json`` beside it.

``traffic`` has no command on this store: its page is rendered from a traffic
object with the keys docs/html.md lists (the access-log report's JSON).
"""

from __future__ import annotations

import json
from pathlib import Path

from sample import T
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.render.html import render_page

COMMANDS = {
    "report": ["report", "--days", "7", "--until", T],
    "track": ["track", "t1", "--until", T],
    "user": ["user", "u1", "--until", T],
    "event": ["event", "e1", "--at", T],
    "event-periods": ["event", "e1", "--period", "day", "--days", "7", "--at", T],
    "top-tracks": ["top-tracks", "--days", "7", "--until", T],
    "top-events": ["top-events", "--days", "7", "--until", T, "--by", "unique"],
    "realtime": ["realtime", "--at", T],
}

TRAFFIC = {
    "window": {"from": "2026-11-14T00:00:00Z", "to": "2026-11-21T00:00:00Z", "tz": "UTC"},
    "previous_window": {"from": "2026-11-07T00:00:00Z", "to": "2026-11-14T00:00:00Z",
                        "tz": "UTC"},
    "totals": {"requests": 5210, "visitors": 812, "bandwidth": 734_003_200, "not_found": 96,
               "static_requests": 2710, "bot_requests": 388, "quarantined": 3},
    "previous_totals": {"requests": 4630, "visitors": 790, "bandwidth": 690_000_000,
                        "not_found": 120, "static_requests": 2500, "bot_requests": 301,
                        "quarantined": 0},
    "change": {"requests": 0.125270, "visitors": 0.027848, "bandwidth": 0.063772,
               "not_found": -0.2, "static_requests": 0.084, "bot_requests": 0.289037,
               "quarantined": None},
    "by_day": {f"2026-11-{d}": {"requests": 600 + 40 * (d % 4), "visitors": 100 + d,
                                "bandwidth": 90_000_000 + d * 1000} for d in range(14, 21)},
    "by_hour": {str(h): 100 + (h * 37) % 180 for h in range(24)},
    "top_paths": [{"path": "/events/ev000", "requests": 640, "visitors": 301,
                   "bandwidth": 9_100_000},
                  {"path": "/", "requests": 512, "visitors": 420, "bandwidth": 4_000_000},
                  {"path": "/events/ev001/tickets", "requests": 150, "visitors": 99,
                   "bandwidth": 1_200_000}],
    "top_static": [{"path": "/static/app.js", "requests": 900, "visitors": 500,
                    "bandwidth": 120_000_000},
                   {"path": "/audio/t0000.mp3", "requests": 300, "visitors": 210,
                    "bandwidth": 480_000_000}],
    "not_found": [{"path": "/wp-login.php", "requests": 60, "visitors": 12},
                  {"path": "/favicon.ico", "requests": 36, "visitors": 30}],
    "status_codes": {"200": 4700, "304": 310, "404": 96, "500": 4},
    "referrers": {"google.com": 800, "facebook.com": 300, "news.example.org": 90},
    "sources": {"direct": 3000, "google": 800, "facebook": 300},
    "browsers": {"Chrome": 2900, "Safari": 1300, "Firefox": 600},
    "os": {"Android": 1800, "iOS": 1200, "Windows": 1100, "macOS": 700},
    "device_types": {"mobile": 3100, "desktop": 1800, "tablet": 310},
    "countries": {"FR": 1900, "US": 1400, "DE": 900, "BR": 300},
    "vhosts": {"www.example.org": 4200, "cdn.example.org": 1010},
    "bots": {"Googlebot": 210, "bingbot": 120, "curl": 58},
}


def cli_output(store: Path, args: list[str], fmt: str) -> str:
    result = CliRunner().invoke(app, [*args, "--data", str(store), "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.stdout


def write_pages(store: Path, into: Path) -> dict[str, tuple[Path, object]]:
    """kind → (its page written under ``into``, its JSON as the CLI prints it)."""
    pages = {}
    for kind, args in COMMANDS.items():
        path = into / f"{kind}.html"
        path.write_text(cli_output(store, args, "html"), encoding="utf-8")
        pages[kind] = (path, json.loads(cli_output(store, args, "json")))
    path = into / "traffic.html"
    path.write_text(render_page("traffic", TRAFFIC), encoding="utf-8")
    pages["traffic"] = (path, TRAFFIC)
    return pages
