"""Routes from the config file turn requests into event-page records."""

from __future__ import annotations

import json

import pytest
from logs import events, run
from typer.testing import CliRunner
from weblogs import BOT, PHONE, UA, combined, write

from playlog.cli.app import app
from playlog.config import load_settings
from playlog.routes import RouteError, compile_path

ROUTES = """
site = "events.example.com"

[[routes]]
path = "/e/{event_id}"
event_type = "view"

[[routes]]
path = "/e/{event_id}/tickets"
event_type = "ticket_click"
status = ["2xx", "3xx"]

[[routes]]
path = "/audio/{track_id}.mp3"
track = true
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(ROUTES)
    monkeypatch.setenv("PLAYLOG_CONFIG", str(path))
    return path


def visit_log(tmp_path):
    return write(tmp_path / "access.log", [
        combined(request="GET /e/ev1 HTTP/1.1", referrer="https://www.google.com/", minutes=0),
        combined(request="GET /e/ev1/tickets HTTP/1.1", status=302, minutes=1,
                 referrer="https://events.example.com/e/ev1"),
        combined(request="GET /e/ev1?utm_source=newsletter HTTP/1.1", minutes=2, agent=PHONE,
                 ip="198.51.100.4"),
        combined(request="GET /e/ev2 HTTP/1.1", minutes=3, agent=BOT, ip="66.249.66.1"),
        combined(request="POST /e/ev2 HTTP/1.1", minutes=4),  # not a GET
        combined(request="GET /e/ev3 HTTP/1.1", status=404, minutes=5),  # not found
        combined(request="GET /e/ev1/photos HTTP/1.1", minutes=6),  # no route
        combined(request="GET /audio/t1.mp3 HTTP/1.1", status=206, minutes=7),  # a track route
    ])


def test_event_routes_make_event_records(tmp_path, config):
    data = tmp_path / "d"
    summary = run(visit_log(tmp_path), data, enricher="auto")
    assert summary.requests == 8 and summary.events == 4
    rows = events(data).sort("ts")
    assert rows.select("event_id", "event_type").rows() == [
        ("ev1", "view"), ("ev1", "ticket_click"), ("ev1", "view"), ("ev2", "view")]
    first = rows.row(0, named=True)
    assert first["session_id"] == first["anon_key"] and len(first["session_id"]) == 20
    assert first["page_url"] == "http://events.example.com/e/ev1"
    assert (first["source"], first["user_agent"], first["client_ip"]) == (
        "google", UA, "203.0.113.7")
    assert rows.row(1, named=True)["source"] == "direct"  # from the site's own page
    assert rows.row(2, named=True)["source"] == "newsletter"
    assert rows.row(3, named=True)["is_bot"] is True
    # the same visitor's view and ticket click share a session: one unique view
    again = run(visit_log(tmp_path), data)
    assert again.events == 0 and events(data).height == 4


def test_event_and_top_events_work_from_an_access_log(tmp_path, config):
    data = tmp_path / "d"
    run(visit_log(tmp_path), data, enricher="auto")
    result = CliRunner().invoke(app, ["event", "ev1", "--data", str(data), "--at",
                                      "2026-11-21T00:00Z", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["total_views"], report["total_unique_views"],
            report["total_ticket_clicks"]) == (2, 2, 1)
    top = CliRunner().invoke(app, ["top-events", "--data", str(data), "--until",
                                   "2026-11-21T00:00Z", "--format", "json"])
    assert [row["event_id"] for row in json.loads(top.stdout)["top_events"]] == ["ev1"]  # ev2: bot


def test_track_routes_are_kept_in_the_settings(tmp_path, config):
    routes = load_settings().routes
    assert [(r.path, r.track, r.event_type) for r in routes] == [
        ("/e/{event_id}", False, "view"), ("/e/{event_id}/tickets", False, "ticket_click"),
        ("/audio/{track_id}.mp3", True, None)]
    assert routes[1].statuses == ("2xx", "3xx") and routes[0].methods == ("GET",)


def test_path_patterns_match_whole_paths():
    import re

    regex = re.compile(compile_path("/e/{event_id}/tickets"))
    assert regex.match("/e/ev9/tickets").group("event_id") == "ev9"
    assert not regex.match("/e/ev9/tickets/more") and not regex.match("/e//tickets")
    assert re.match(compile_path("/media/*/{track_id}.mp3"), "/media/a/b/t1.mp3")


@pytest.mark.parametrize(("route", "message"), [
    ('path = "/e/{id}"\nevent_type = "view"', "routes[0].path: an event route needs {event_id}"),
    ('path = "/e/{event_id}"\nevent_type = "hover"', "routes[0].event_type: 'hover' is not"),
    ('path = "e/{event_id}"\nevent_type = "view"', "routes[0].path: a path pattern starting"),
    ('path = "/a/{track_id}"\ntrack = true\nevent_type = "view"', "not both"),
    ('path = "/e/{event_id}"\nevent_type = "view"\nstatus = "ok"', "routes[0].status: 'ok'"),
    ('path = "/e/{event_id}"\nevent_type = "view"\nweight = 2', "unknown key 'weight'"),
])
def test_bad_routes_are_one_clear_error_naming_the_file_and_key(tmp_path, monkeypatch, route,
                                                                  message):
    path = tmp_path / "config.toml"
    path.write_text("[[routes]]\n" + route + "\n")
    monkeypatch.setenv("PLAYLOG_CONFIG", str(path))
    with pytest.raises(RouteError, match=message.replace("{", r"\{").replace("}", r"\}")
                       .replace("[", r"\[").replace("]", r"\]")):
        load_settings()
    result = CliRunner().invoke(app, ["traffic", "--data", str(tmp_path / "d")])
    assert result.exit_code == 1 and str(path) in result.stderr and message in result.stderr
