"""Every HTML page in headless Chromium with the network blocked: no console
error, no request, a screenshot that is not blank, charts drawn, and the page's
key figures equal to the report's JSON. Then dark, print, phone, sorting, and
the live page refreshing itself from an HTTP server. Skipped when Chromium or
Playwright is missing (.ci/run installs both)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from browser import Browser, available, distinct_colours
from conftest import NOW
from htmlpages import COMMANDS, cli_output, write_pages
from sample import build_sample

from playlog.render.html import KINDS, render_page

pytestmark = pytest.mark.skipif(available() is not None, reason=available() or "")


def figures(kind, d):
    """The page's data-figure name → the JSON value it must show."""
    if kind == "report":
        return {"total_plays": d["totals"]["total_plays"],
                "unique_listeners": d["totals"]["unique_listeners"],
                "total_duration_played_ms": d["totals"]["total_duration_played_ms"],
                "events.total_views": d["events"]["total_views"]}
    if kind == "track":
        return {"plays": d["total_plays"], "listeners": d["unique_listeners"],
                "peak_concurrent": d["peak_concurrent_listeners"]}
    if kind == "user":
        return {"plays": d["tracks_played"], "listening_time_ms": d["total_listening_time_ms"],
                "unique_tracks": d["unique_tracks"], "skip_rate": d["skip_rate"]}
    if kind == "event":
        return {"views": d["total_views"], "unique_views": d["total_unique_views"],
                "ticket_clicks": d["total_ticket_clicks"]}
    if kind == "event-periods":
        return {"views": sum(r["total_views"] for r in d["periods"]),
                "periods": len(d["periods"])}
    if kind == "realtime":
        return {"current_listeners": d["current_listeners"],
                "streams_started_last_hour": d["streams_started_last_hour"]}
    if kind == "traffic":
        return {"traffic.requests": d["totals"]["requests"],
                "traffic.visitors": d["totals"]["visitors"]}
    return {}


def first_rows(kind, d):
    """table id → (key of its first row, a text that row shows)."""
    if kind == "report":
        top = d["top_tracks"][0]
        return {"table-top-tracks": (top["track_id"], top["title"]),
                "table-top-users": (d["top_users"][0]["user_id"], d["top_users"][0]["user_id"]),
                "table-top-events": (d["top_events"][0]["event_id"],
                                     d["top_events"][0]["event_id"])}
    if kind == "user":
        return {"table-user-tracks": (d["top_tracks"][0]["track_id"], d["top_tracks"][0]["title"]),
                "table-user-artists": (d["top_artists"][0]["artist"],
                                       d["top_artists"][0]["artist"])}
    if kind == "top-tracks":
        top = d["top_tracks"][0]
        return {"table-top-tracks": (top["track_id"], top["title"])}
    if kind == "top-events":
        top = d["top_events"][0]
        return {"table-top-events": (top["event_id"], top["event_id"])}
    if kind == "event-periods":
        first = d["periods"][0]
        return {"table-periods": (first["period"], first["period"])}
    if kind == "realtime":
        top = d["top_tracks_now"][0]
        return {"table-top-tracks-now": (top["track_id"], top["title"])}
    if kind == "traffic":
        return {"table-top-paths": (d["top_paths"][0]["path"], d["top_paths"][0]["path"])}
    return {}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    store = build_sample(tmp_path_factory.mktemp("sample"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLAYLOG_NOW", NOW)
        return write_pages(store, tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Browser(tmp_path_factory.mktemp("profile"))
    yield chromium
    chromium.close()


@pytest.mark.parametrize("kind", KINDS)
def test_page_draws_its_json_offline(browser, pages, kind):
    path, data = pages[kind]
    opened = browser.open(path.as_uri())
    page = opened.page
    assert opened.console_errors() == []
    assert opened.requests == [path.as_uri()] and opened.failed == []
    assert distinct_colours(page.screenshot(full_page=True)) > 40
    blank = page.evaluate("""() => [...document.querySelectorAll('canvas')].filter((c) => {
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i]) return false;
        return true; }).length""")
    assert page.locator("canvas").count() > 0 and blank == 0
    for name, value in figures(kind, data).items():
        assert page.get_attribute(f'[data-figure="{name}"]', "data-value") == str(value), name
    for table, (key, text) in first_rows(kind, data).items():
        row = page.locator(f"#{table} tbody tr").first
        assert row.get_attribute("data-key") == key
        assert text in row.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than it
    for _ in range(50):  # the charts resize themselves a moment later
        if page.evaluate("document.documentElement.scrollWidth") <= 390:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()


EMPTY = {
    "report": ["report", "--days", "7", "--until", "2020-01-08"],
    "top-tracks": ["top-tracks", "--days", "7", "--until", "2020-01-08"],
    "event-periods": ["event", "e1", "--period", "day", "--days", "7", "--at", "2020-01-08"],
    "track": ["track", "t1", "--until", "2020-01-08"],
}


@pytest.mark.parametrize("kind", list(EMPTY))
def test_a_window_without_data_is_a_page_that_says_so(browser, tmp_path, kind):
    store = build_sample(tmp_path / "sample")
    path = tmp_path / "empty.html"
    path.write_text(cli_output(store, EMPTY[kind], "html"), encoding="utf-8")
    opened = browser.open(path.as_uri())
    assert opened.console_errors() == [] and opened.requests == [path.as_uri()]
    assert opened.page.locator(".empty").count() > 0
    opened.page.close()


def test_a_request_to_another_host_would_be_seen(browser, tmp_path):
    page = render_page("user", {"user_id": "u1"})
    path = tmp_path / "leaky.html"
    path.write_text(page.replace("</body>", '<img src="https://example.com/p.png"></body>'))
    opened = browser.open(path.as_uri())
    assert "https://example.com/p.png" in opened.requests + opened.failed
    assert any("Content Security Policy" in e for e in opened.console_errors())
    opened.page.close()


def test_a_script_slipped_into_a_page_does_not_run(browser, tmp_path):
    page = render_page("user", {"user_id": "u1"})
    path = tmp_path / "injected.html"
    path.write_text(page.replace("</body>", "<script>document.title = 'owned'</script></body>"))
    opened = browser.open(path.as_uri())
    assert opened.page.title() == "Listener u1 · playlog"
    assert any("Content Security Policy" in e for e in opened.console_errors())
    opened.page.close()


def test_report_sorts_goes_dark_and_prints_light(browser, pages):
    path, data = pages["report"]
    page = browser.open(path.as_uri(), scheme="dark").page
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)" and background.startswith("rgb(")
    header = "#table-top-tracks th:has-text('Listeners') button"
    cells = "#table-top-tracks tbody td[data-col-key=unique_listeners]"
    read = f"() => [...document.querySelectorAll('{cells}')].map((c) => +c.dataset.value)"
    page.click(header)
    assert page.evaluate(read) == sorted((r["unique_listeners"] for r in data["top_tracks"]),
                                         reverse=True)
    page.click(header)
    assert page.evaluate(read) == sorted(r["unique_listeners"] for r in data["top_tracks"])
    assert page.get_attribute("#table-top-tracks th:has-text('Listeners')",
                              "aria-sort") == "ascending"
    page.emulate_media(media="print", color_scheme="dark")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.pdf()[:4] == b"%PDF"
    page.close()


class Api(BaseHTTPRequestHandler):
    """The dashboard at / and a read endpoint that wants a bearer token."""

    page: ClassVar[bytes] = b""
    answer: ClassVar[bytes] = b"{}"
    token: ClassVar[str] = "s3cret"
    seen: ClassVar[list[str]] = []

    def do_GET(self):
        type(self).seen.append(f"{self.path} {self.headers.get('Authorization')}")
        if self.path.split("?")[0] == "/":
            self.reply(200, "text/html", type(self).page)
        elif self.headers.get("Authorization") != f"Bearer {type(self).token}":
            self.reply(401, "application/json", b'{"error": "a read token is needed"}')
        else:
            self.reply(200, "application/json", type(self).answer)

    def reply(self, status, kind, body):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Api.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory):
    store = build_sample(tmp_path_factory.mktemp("sample"))
    week = json.loads(cli_output(store, COMMANDS["report"], "json"))
    day = json.loads(cli_output(store, ["report", "--days", "1", "--until", NOW], "json"))
    assert week["totals"]["total_plays"] != day["totals"]["total_plays"]
    return week, day


@pytest.mark.parametrize("token", ["s3cret", "wrong"])
def test_live_page_refreshes_from_the_api(browser, api, two_reports, token):
    week, day = two_reports
    Api.page = render_page("report", week, refresh_url="/api/analytics/report?days=7",
                           refresh_seconds=2, token=token).encode()
    Api.answer = json.dumps(day).encode()
    opened = browser.open(api + "/?tz=UTC")
    page = opened.page
    plays = '[data-figure="total_plays"]'
    assert page.get_attribute(plays, "data-value") == str(week["totals"]["total_plays"])
    assert page.is_visible("#live")
    if token == "s3cret":
        page.wait_for_selector(f'{plays}[data-value="{day["totals"]["total_plays"]}"]',
                               timeout=5000)
        assert "updated" in page.inner_text("#live-status")
        assert "/api/analytics/report?days=7&tz=UTC Bearer s3cret" in Api.seen
        assert opened.console_errors() == []
        page.select_option("#live-days", "30")
        wanted = "/api/analytics/report?days=30&tz=UTC Bearer s3cret"
        for _ in range(100):  # the refresh the menu starts, as the server sees it
            if wanted in Api.seen:
                break
            page.wait_for_timeout(50)
        assert wanted in Api.seen
        assert page.url == api + "/?tz=UTC&days=30"  # a reload keeps the window
    else:
        page.wait_for_selector("#live-status.failed", timeout=5000)
        assert "HTTP 401" in page.inner_text("#live-status")
        assert page.get_attribute(plays, "data-value") == str(week["totals"]["total_plays"])
    assert all(url.startswith(api) for url in opened.requests)
    page.close()
