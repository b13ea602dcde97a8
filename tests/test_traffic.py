"""`playlog traffic` on a log whose answers are worked out by hand (docs/metrics.md#traffic)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from logs import run
from typer.testing import CliRunner
from weblogs import BOT, PHONE, UA, combined, write

from playlog.cli.app import app
from playlog.config import load_settings
from playlog.query import trafficsource
from playlog.query.traffic import traffic
from playlog.query.window import resolve_window
from playlog.render.jsonout import plain
from playlog.retention import cleanup
from playlog.store.reader import connect


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def line(day, hour, minute, ip, request, status, size, agent):
    return combined(ip=ip, request=request, status=status, size=size, agent=agent,
                    when=at(day, hour, minute))


A, B, C, BOT_IP, SCAN = "198.51.100.1", "2001:db8::2", "198.51.100.3", "66.249.66.1", "45.9.9.9"
LINES = [
    line(18, 12, 0, A, "GET / HTTP/1.1", 200, 700, UA),  # the previous window
    line(18, 12, 5, A, "GET /e/ev1 HTTP/1.1", 200, 300, UA),
    line(19, 10, 0, A, "GET / HTTP/1.1", 200, 1000, UA),
    line(19, 10, 1, A, "GET /static/app.css?v=2 HTTP/1.1", 200, 500, UA),
    line(19, 12, 0, B, "GET /missing HTTP/1.1", 404, 100, PHONE),
    line(19, 23, 30, A, "GET /e/ev1 HTTP/1.1", 200, 2000, UA),
    line(20, 9, 0, A, "GET /e/ev1 HTTP/1.1", 304, 0, UA),
    line(20, 12, 0, B, "GET /e/ev1 HTTP/1.1", 200, 2000, PHONE),
    line(20, 13, 0, C, "GET /admin HTTP/1.1", 403, 50, UA),
    line(20, 14, 0, BOT_IP, "GET /robots.txt HTTP/1.1", 200, 30, BOT),
    line(20, 14, 1, BOT_IP, "GET /e/ev1 HTTP/1.1", 200, 2000, BOT),
    line(20, 15, 0, SCAN, "-", 400, 0, "-"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("traffic")
    log = write(root / "access.log", LINES)
    run(log, root / "d", enricher="auto")
    return root / "d"


def report(store, include_bots=False, tz="UTC", **window):
    window = resolve_window(tz=tz, **(window or {"from_": "2026-11-19", "to": "2026-11-21"}))
    return plain(traffic(connect(store), window, include_bots=include_bots))


def test_totals_by_day_and_lists(store):
    r = report(store)
    assert r["totals"] == {"requests": 8, "visitors": 3, "bandwidth": 5650, "not_found": 1,
                           "static_requests": 1, "bot_requests": 2, "quarantined": 0}
    assert r["by_day"] == {
        "2026-11-19": {"requests": 4, "visitors": 1, "bandwidth": 3600},
        "2026-11-20": {"requests": 4, "visitors": 2, "bandwidth": 2050},
    }
    assert r["top_paths"] == [
        {"path": "/e/ev1", "requests": 3, "visitors": 3, "bandwidth": 4000},
        {"path": "-", "requests": 1, "visitors": 0, "bandwidth": 0},
        {"path": "/", "requests": 1, "visitors": 1, "bandwidth": 1000},
        {"path": "/admin", "requests": 1, "visitors": 0, "bandwidth": 50},
    ]
    assert r["top_static"] == [
        {"path": "/static/app.css", "requests": 1, "visitors": 1, "bandwidth": 500}]
    assert r["not_found"] == [{"path": "/missing", "requests": 1, "visitors": 1}]
    assert r["status_codes"] == {"200": 4, "304": 1, "400": 1, "403": 1, "404": 1}
    assert r["bots"] == {"Googlebot": 2}
    assert r["browsers"] == {"Firefox": 5, "Mobile Safari": 2, "unknown": 1}
    assert r["device_types"]["mobile"] == 2


def test_hours_and_the_previous_window(store):
    r = report(store)
    assert r["by_hour"]["10"] == {"requests": 2, "visitors": 1, "bandwidth": 1500}
    assert r["by_hour"]["12"] == {"requests": 2, "visitors": 1, "bandwidth": 2100}
    assert sum(h["requests"] for h in r["by_hour"].values()) == 8
    assert r["previous_window"] == {"from": "2026-11-17T00:00:00Z", "to": "2026-11-19T00:00:00Z",
                                    "tz": "UTC"}
    assert r["previous_totals"]["requests"] == 2 and r["previous_totals"]["visitors"] == 1
    assert r["change"]["requests"] == 3.0 and r["change"]["not_found"] is None


def test_bots_count_with_include_bots(store):
    r = report(store, include_bots=True)
    assert (r["totals"]["requests"], r["totals"]["visitors"], r["totals"]["bandwidth"],
            r["totals"]["static_requests"], r["totals"]["bot_requests"]) == (10, 4, 7680, 2, 2)
    assert r["by_day"]["2026-11-20"] == {"requests": 6, "visitors": 3, "bandwidth": 4080}


def test_days_and_hours_follow_the_report_zone(store):
    r = report(store, tz="Europe/Paris", from_="2026-11-19T01:00:00+01:00",
               to="2026-11-21T01:00:00+01:00")
    # 23:30 UTC on the 19th is 00:30 on the 20th in Paris
    assert r["by_day"]["2026-11-19"] == {"requests": 3, "visitors": 1, "bandwidth": 1600}
    assert r["by_day"]["2026-11-20"] == {"requests": 5, "visitors": 2, "bandwidth": 4050}
    assert r["by_hour"]["0"]["requests"] == 1 and r["by_hour"]["11"]["requests"] == 2


def test_a_window_that_is_not_whole_hours_reads_its_edges_from_raw_rows(store):
    exact = report(store, from_="2026-11-19T10:00:30Z", to="2026-11-20T13:30:00Z")
    assert exact["totals"]["requests"] == 6  # without 10:00:00 and from 13:30 on
    assert exact["by_day"]["2026-11-20"]["requests"] == 3


@pytest.mark.parametrize("window", [
    {"from_": "2026-11-19", "to": "2026-11-21"},
    {"from_": "2026-11-18T12:03:00Z", "to": "2026-11-20T14:00:30Z"},
])
def test_roll_up_hours_with_raw_edges_answer_as_the_raw_rows(store, window, monkeypatch):
    mixed = report(store, include_bots=True, **window)
    monkeypatch.setattr(trafficsource, "plan", lambda con, w, filters=None: "raw")
    raw = report(store, include_bots=True, **window)
    for key in mixed:
        if key in ("top_paths", "top_static", "not_found"):  # visitors: UTC days vs local days
            assert [r["requests"] for r in mixed[key]] == [r["requests"] for r in raw[key]]
        else:
            assert mixed[key] == raw[key], key


def test_traffic_over_deleted_days_answers_from_the_roll_up(tmp_path):
    data = tmp_path / "d"
    run(write(tmp_path / "access.log", LINES), data, enricher="auto")
    before = report(data, from_="2026-11-18", to="2026-11-21")
    result = cleanup(load_settings(data=data), older_than=timedelta(days=1.5))
    assert any(a.dataset == "requests" and a.day == "2026-11-18" for a in result.actions)
    after = report(data, from_="2026-11-18", to="2026-11-21")
    assert after["totals"] == before["totals"] and after["by_day"] == before["by_day"]
    assert after["status_codes"] == before["status_codes"]
    assert after["top_paths"][0] == {"path": "/e/ev1", "requests": 4, "visitors": 4,
                                     "bandwidth": 4300}


def test_the_command_in_three_formats(store):
    args = ["traffic", "--data", str(store), "--from", "2026-11-19", "--to", "2026-11-21"]
    as_json = CliRunner().invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert list(data) == ["window", "previous_window", "filters", "totals", "previous_totals",
                          "change", "by_day", "by_hour", "top_paths", "top_static", "not_found",
                          "status_codes", "referrers", "sources", "browsers", "os",
                          "device_types", "countries", "vhosts", "bots", "notes"]
    table = CliRunner().invoke(app, [*args, "--format", "table"])
    for title in ("Web traffic", "Visitors by day", "Requested pages", "Static files",
                  "Not found (404)", "Status codes", "Crawlers"):
        assert title in table.stdout
    csv = CliRunner().invoke(app, [*args, "--format", "csv"])
    assert "totals.visitors,3\n" in csv.stdout and "by_day.2026-11-20.requests,4\n" in csv.stdout


def test_the_command_writes_an_html_page_of_its_json(store, tmp_path):
    from playlog.render.html import read_page_data

    args = ["traffic", "--data", str(store), "--from", "2026-11-19", "--to", "2026-11-21"]
    page = tmp_path / "traffic.html"
    result = CliRunner().invoke(app, [*args, "-o", str(page)])
    assert result.exit_code == 0 and result.stdout == "", result.output
    data, meta = read_page_data(page.read_text())
    as_json = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).stdout)
    assert data == as_json and meta["kind"] == "traffic"


def test_an_empty_window_says_so(store):
    result = CliRunner().invoke(app, ["traffic", "--data", str(store), "--from", "2026-10-01",
                                      "--to", "2026-10-02", "--format", "table"])
    assert result.exit_code == 0
    assert result.stdout.startswith("no web requests between 2026-10-01T00:00:00Z")


def test_report_gains_a_web_traffic_section(store, tmp_path):
    args = ["report", "--from", "2026-11-19", "--to", "2026-11-21", "--format", "json"]
    with_web = json.loads(CliRunner().invoke(app, [*args, "--data", str(store)]).stdout)
    assert with_web["web_traffic"]["totals"]["visitors"] == 3
    assert list(with_web["web_traffic"]) == ["totals", "previous_totals", "change", "by_day",
                                             "top_paths", "status_codes", "sources"]
    (tmp_path / "e" / "state").mkdir(parents=True)  # a store with nothing in it yet
    empty = json.loads(CliRunner().invoke(app, [*args, "--data", str(tmp_path / "e")]).stdout)
    assert "web_traffic" not in empty
    table = CliRunner().invoke(app, [*args[:-2], "--format", "table", "--data", str(store)])
    assert "Web traffic" in table.stdout


def test_serve_answers_api_traffic_with_the_cli_json(store):
    from servehelp import Server

    params = {"from": "2026-11-19", "to": "2026-11-21", "include_bots": "true", "limit": "2"}
    args = ["traffic", "--data", str(store), "--from", "2026-11-19", "--to", "2026-11-21",
            "--include-bots", "--limit", "2", "--format", "json"]
    with Server(store, "--ingest-every", "0", "--no-cleanup") as server:
        answer = server.client.get("/api/traffic", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.json() == json.loads(CliRunner().invoke(app, args).stdout)
    assert len(answer.json()["top_paths"]) == 2
