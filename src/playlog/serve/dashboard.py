"""The page serve shows at ``/``: the period report's HTML page (render.html), live.

`page(report, api)` gets the report's JSON data (what ``GET
/api/analytics/report`` answers for the page's own query string) and returns
the same page as ``playlog report --format html``, made live: it re-reads the
data from `api` every `refresh` seconds, passing along its own query string
(``/?days=30&tz=Europe/Paris``, an ``access_token``), and redraws (docs/html.md).
"""

from __future__ import annotations

from typing import Any

from playlog.render.html import render_page


def page(report: dict[str, Any], api: str, refresh: float = 30.0) -> str:
    context = {"window": report["window"]} if isinstance(report.get("window"), dict) else {}
    return render_page("report", report, context=context, refresh_url=api,
                       refresh_seconds=int(refresh))
