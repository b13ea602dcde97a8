"""Regenerate the screenshots of docs/img/ from the shipped sample data.

    python scripts/screenshots.py

Ingests sample_data/ into a temporary data directory with the real `playlog`
command, writes the HTML report of the sample week (as README's first command
does) and photographs it in headless Chromium (tests/browser.py: the system's
chromium, network blocked) in light and dark, and on a phone; then the live
dashboard, served with its read endpoint over HTTP, refreshing from it. "Now"
is pinned (PLAYLOG_NOW) so the pages, and so the images, only change when the
page or the data does. Images are reduced to a 256-colour palette.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser, available
from PIL import Image

UNTIL = "2026-11-21"
NOW = "2026-11-21T00:00:00Z"
WIDTH = 1280


def playlog(*args: str, data: Path) -> str:
    env = {**os.environ, "PLAYLOG_NOW": NOW, "TZ": "UTC", "NO_COLOR": "1"}
    done = subprocess.run(["playlog", *args, "--data", str(data)], env=env, check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return done.stdout


class Dashboard(BaseHTTPRequestHandler):
    """`/` → the live page; `/api/analytics/report?days=N` → `playlog report --days N`."""

    def __init__(self, *args, data: Path, **kwargs):
        self.data = data
        super().__init__(*args, **kwargs)

    def do_GET(self):
        from urllib.parse import parse_qs, urlsplit

        from playlog.render.html import render_page

        url = urlsplit(self.path)
        days = parse_qs(url.query).get("days", ["3"])[0]
        report = playlog("report", "--days", days, "--until", UNTIL, "--format", "json",
                         data=self.data)
        if url.path == "/":
            import json

            body = render_page("report", json.loads(report),
                               refresh_url=f"/api/analytics/report?days={days}",
                               refresh_seconds=30).encode()
            kind = "text/html; charset=utf-8"
        else:
            body, kind = report.encode(), "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def save(png: bytes, name: str) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path = OUT / name
    image.save(path, optimize=True)
    print(f"{path.stat().st_size:>9,}  {path.relative_to(ROOT)}")


def shoot(browser: Browser, url: str, name: str, *, scheme: str = "light", width: int = WIDTH,
          height: int = 900, full: bool = True) -> None:
    opened = browser.open(url, width=width, height=height, scheme=scheme)
    if opened.console_errors():
        raise SystemExit(f"screenshots: {url}: {opened.console_errors()}")
    save(opened.page.screenshot(full_page=full), name)
    opened.page.close()


def main() -> int:
    why = available()
    if why:
        raise SystemExit(f"screenshots: {why}")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        playlog("ingest", "sample_data/logs", "--catalog", "sample_data/tracks.csv", data=data)
        report = Path(tmp) / "report.html"
        playlog("report", "--days", "7", "--until", UNTIL, "-o", str(report), data=data)
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Dashboard, data=data))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        dashboard = f"http://127.0.0.1:{server.server_address[1]}/"
        browser = Browser(Path(tmp) / "profile")
        try:
            shoot(browser, report.as_uri(), "report-light.png")
            shoot(browser, report.as_uri(), "report-dark.png", scheme="dark")
            shoot(browser, report.as_uri(), "report-phone.png", width=390, height=1400,
                  full=False)
            shoot(browser, dashboard, "dashboard-light.png", height=1500, full=False)
            shoot(browser, dashboard, "dashboard-dark.png", scheme="dark", height=1500,
                  full=False)
        finally:
            browser.close()
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
