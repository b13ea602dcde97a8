"""The page serve shows at ``/``: the period report, refreshing itself.

`page(report, api)` is the one seam: it gets the report's JSON data (what
``GET /api/analytics/report`` answers) and the URL it came from, and returns a
whole HTML page. When the HTML renderer of the report commands
(``playlog report --format html``) is available, its page is used; until then a
plain page shows the JSON. Either way the page reloads the data from `api`
every `refresh` seconds.
"""

from __future__ import annotations

import html
import json
from typing import Any


def page(report: dict[str, Any], api: str, refresh: float = 30.0) -> str:
    try:
        from playlog.render.html import render_html  # the report commands' HTML page
    except ImportError:
        return _plain(report, api, refresh)
    return render_html("report", report, refresh=refresh, api=api)


def _plain(report: dict[str, Any], api: str, refresh: float) -> str:
    data = html.escape(json.dumps(report, indent=2, ensure_ascii=False))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>playlog</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}
pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style></head>
<body><h1>playlog — the last 7 days</h1>
<p>Updated <span id="at"></span>, every {refresh:g} s, from <code>{html.escape(api)}</code>.</p>
<pre id="report">{data}</pre>
<script>
const api = {json.dumps(api)};
function stamp() {{ document.getElementById("at").textContent = new Date().toISOString(); }}
async function reload() {{
  try {{
    const answer = await fetch(api + window.location.search, {{credentials: "same-origin"}});
    if (answer.ok) {{
      document.getElementById("report").textContent =
        JSON.stringify(await answer.json(), null, 2);
      stamp();
    }}
  }} catch (e) {{}}
}}
stamp();
setInterval(reload, {int(refresh * 1000)});
</script></body></html>
"""
