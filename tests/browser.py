"""Headless Chromium for the HTML page tests, driven by Playwright.

The browser is the system's (Debian's ``chromium``; Playwright never downloads
one) with a fresh profile, and the network is blocked: every host name fails to
resolve and every request that would leave the machine goes to a dead proxy.
Each opened page records its console messages, uncaught errors and every
request it attempts, so a test can assert that a page asked for nothing.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p
                 and Path(p).exists()), None)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # The network is blocked: no name resolves (but the loopback address used by
    # the live-page tests), and anything else would go through a proxy that is not there.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
]


def available() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if CHROMIUM is None:
        return "chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@dataclass
class Opened:
    """A page and what it did while loading and running."""

    page: Any
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"] + self.errors


class Browser:
    """One Chromium with a fresh profile under ``profile``; pages opened on demand."""

    def __init__(self, profile: Path) -> None:
        from playwright.sync_api import sync_playwright

        self._driver = sync_playwright().start()
        self.context = self._driver.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900}, color_scheme="light",
            service_workers="block",
        )

    def open(self, url: str, *, width: int = 1280, height: int = 900,
             scheme: str = "light", wait_ready: bool = True) -> Opened:
        page = self.context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.emulate_media(color_scheme=scheme)
        opened = Opened(page)
        page.on("console", lambda m: opened.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("requestfailed", lambda r: opened.failed.append(r.url))
        page.goto(url)
        if wait_ready:
            page.wait_for_selector("html[data-ready]", state="attached", timeout=10_000)
        return opened

    def close(self) -> None:
        self.context.close()
        self._driver.stop()


def distinct_colours(png: bytes) -> int:
    """How many colours a screenshot has (a blank page has one or two)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.thumbnail((640, 640))
    return len(image.getcolors(maxcolors=1 << 20) or [])
