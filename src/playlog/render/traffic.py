"""The table view of ``playlog traffic``: GoAccess's panels, drawn with rich.

Overview with the change against the previous window, visitors by day with
bars, the hours, requested pages, static files and 404s, then the
distributions (status codes, referrers, sources, browsers, OS, devices,
countries, virtual hosts, crawlers). Sizes are shown in binary units
(``12.3 MiB``); the data itself is untouched.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table

from playlog.render import blocks as b

UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def size(value: Any) -> str:
    """Bytes as ``512 B``, ``12.3 MiB``."""
    if value is None:
        return "—"
    amount, unit = float(value), 0
    while amount >= 1024 and unit < len(UNITS) - 1:
        amount, unit = amount / 1024, unit + 1
    return f"{int(amount)} B" if unit == 0 else f"{amount:,.1f} {UNITS[unit]}"


def overview(d: dict[str, Any]) -> Table:
    t, c, w = d["totals"], d["change"], d["window"]
    items: list[tuple[str, Any]] = [
        ("from", b.number(w["from"])), ("to", b.number(w["to"])), ("time zone", w["tz"]),
    ]
    for key, label, fmt in (("requests", "requests", b.number), ("visitors", "visitors", b.number),
                            ("bandwidth", "bandwidth", size),
                            ("not_found", "not found (404)", b.number),
                            ("static_requests", "static files", b.number),
                            ("bot_requests", "crawler requests", b.number),
                            ("quarantined", "rejected lines", b.number)):
        items.append((label, fmt(t[key])))
        if key in ("requests", "visitors", "bandwidth"):
            items.append(("  vs previous", b.change(c[key])))
    return b.pairs("Web traffic", items)


def series(title: str, rows: dict[str, dict[str, int]], label: str) -> Table:
    """Requests, visitors and bandwidth per day or hour, with a bar of visitors."""
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1),
                  header_style="bold")
    for name, justify in ((label, "left"), ("requests", "right"), ("visitors", "right"),
                          ("bandwidth", "right"), ("", "left")):
        table.add_column(name, justify=justify)
    top = max((r["visitors"] for r in rows.values()), default=0)
    for key, r in rows.items():
        width = round(b.BAR_WIDTH * r["visitors"] / top) if top else 0
        table.add_row(key, b.number(r["requests"]), b.number(r["visitors"]),
                      size(r["bandwidth"]), "█" * width)
    return table


def paths(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1),
                  header_style="bold")
    table.add_column("path", overflow="fold")
    for name in ("requests", "visitors", "bandwidth"):
        if not rows or name in rows[0]:
            table.add_column(name, justify="right")
    for r in rows:
        cells = [b.number(r["requests"]), b.number(r["visitors"])]
        if "bandwidth" in r:
            cells.append(size(r["bandwidth"]))
        table.add_row(r["path"], *cells)
    return table


PANELS = (("top_paths", "Requested pages"), ("top_static", "Static files"),
          ("not_found", "Not found (404)"))
DISTRIBUTIONS = (("status_codes", "Status codes"), ("referrers", "Referring sites"),
                 ("sources", "Traffic sources"), ("browsers", "Browsers"),
                 ("os", "Operating systems"), ("device_types", "Devices"),
                 ("countries", "Countries"), ("vhosts", "Virtual hosts"), ("bots", "Crawlers"))


def traffic_view(d: dict[str, Any]) -> list[RenderableType]:
    """Every panel with something to show (a log without virtual hosts has no such panel)."""
    return [
        overview(d),
        series("Visitors by day", d["by_day"], "day"),
        series("Hours", d["by_hour"], "hour"),
        *(paths(title, d[key]) for key, title in PANELS if d[key]),
        *(b.bars(title, d[key]) for key, title in DISTRIBUTIONS if d[key]),
    ]


def web_section(w: dict[str, Any]) -> list[RenderableType]:
    """The report's web-traffic section (query/report.py's ``web_traffic``)."""
    t, c = w["totals"], w["change"]
    return [
        b.pairs("Web traffic", [
            ("requests", b.number(t["requests"])), ("  vs previous", b.change(c["requests"])),
            ("visitors", b.number(t["visitors"])), ("  vs previous", b.change(c["visitors"])),
            ("bandwidth", size(t["bandwidth"])), ("not found (404)", b.number(t["not_found"])),
            ("crawler requests", b.number(t["bot_requests"])),
        ]),
        series("Visitors by day", w["by_day"], "day"),
        paths("Requested pages", w["top_paths"]),
        b.bars("Status codes", w["status_codes"]),
    ]
