"""serve's read API through a real process: the JSON of the CLI, and every refusal."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sample import T, build_sample
from servehelp import Server
from typer.testing import CliRunner
from websockets.sync.client import connect as ws_connect

from playlog.cli.app import app
from playlog.render.html import read_page_data

WINDOW = {"until": T}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def server(store):
    with Server(store, "--ingest-every", "0", "--no-cleanup", "--push-every", "0.5s") as s:
        yield s


def cli_json(store, *args):
    result = CliRunner().invoke(app, [*map(str, args), "--data", str(store), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


CASES = [
    ("/api/analytics/tracks/t1", {}, ["track", "t1"]),
    ("/api/analytics/tracks/t2", {"days": "3", "until": T, "tz": "Europe/Paris"},
     ["track", "t2", "--days", "3", "--until", T, "--tz", "Europe/Paris"]),
    ("/api/analytics/users/u1", {"from": "2026-11-15", "to": "2026-11-19"},
     ["user", "u1", "--from", "2026-11-15", "--to", "2026-11-19"]),
    ("/api/analytics/realtime", {"at": T}, ["realtime", "--at", T]),
    ("/api/analytics/realtime", {"at": T, "include_bots": "true"},
     ["realtime", "--at", T, "--include-bots"]),
    ("/api/analytics/report", {"days": "7", "until": T}, ["report", "--days", "7", "--until", T]),
    ("/api/analytics/report", {"days": "7"}, ["report", "--days", "7"]),
    ("/api/analytics/top-tracks", {"by": "listeners", "limit": "3", **WINDOW},
     ["top-tracks", "--by", "listeners", "--limit", "3", "--until", T]),
    ("/api/events/top", {"by": "unique", "days": "30"},
     ["top-events", "--by", "unique", "--days", "30"]),
    ("/api/events/e1/analytics", {"at": T}, ["event", "e1", "--at", T]),
    ("/api/events/e2/analytics/periods",
     {"period_type": "day", "start_date": "2026-11-14", "end_date": "2026-11-21"},
     ["event", "e2", "--period", "day", "--from", "2026-11-14", "--to", "2026-11-21"]),
    # filters: repeatable, every operator; the new reports
    ("/api/analytics/top-tracks", [("filter", "country=FR|DE"), ("filter", "platform!=web"),
                                   ("until", T)],
     ["top-tracks", "--filter", "country=FR|DE", "--filter", "platform!=web", "--until", T]),
    ("/api/analytics/report", [("filter", "source~goo"), ("until", T)],
     ["report", "--filter", "source~goo", "--until", T]),
    ("/api/events/e1/analytics", [("filter", "device!~mob"), ("at", T)],
     ["event", "e1", "--filter", "device!~mob", "--at", T]),
    ("/api/analytics/top-artists", {"by": "time", **WINDOW},
     ["top-artists", "--by", "time", "--until", T]),
    ("/api/analytics/top-albums", WINDOW, ["top-albums", "--until", T]),
    ("/api/analytics/top-genres", {"period": "week", "days": "14", **WINDOW},
     ["top-genres", "--period", "week", "--days", "14", "--until", T]),
    ("/api/analytics/recent", {"limit": "3", **WINDOW}, ["recent", "--limit", "3", "--until", T]),
    ("/api/analytics/recent", WINDOW, ["recent", "--until", T]),
    ("/api/breakdown/country", WINDOW, ["breakdown", "country", "--until", T]),
    ("/api/breakdown/source", {"of": "events", "by": "bounce", **WINDOW},
     ["breakdown", "source", "--of", "events", "--by", "bounce", "--until", T]),
]


@pytest.mark.parametrize("path, params, args", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_every_read_equals_the_cli_json(server, store, path, params, args):
    answer = server.client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == cli_json(store, *args)


def test_the_same_query_twice_is_answered_from_the_cache_equal(server, store):
    first = server.client.get("/api/analytics/report", params={"days": 7})
    second = server.client.get("/api/analytics/report", params={"days": 7})
    assert first.content == second.content


@pytest.mark.parametrize("path", ["/api/analytics/tracks/t404", "/api/analytics/users/nobody",
                                  "/api/events/e404/analytics"])
def test_unknown_ids_are_404_naming_the_id(server, path):
    answer = server.client.get(path)
    assert answer.status_code == 404
    body = answer.json()
    assert body["field"] == "id" and body["error"].startswith("no ")


@pytest.mark.parametrize("params, field", [
    ({"days": "0"}, "days"), ({"days": "seven"}, "days"), ({"tz": "Mars/Olympus"}, "tz"),
    ({"by": "fame"}, "by"), ({"limit": "0"}, "limit"), ({"day": "7"}, "day"),
    ({"from": "2026-02-30"}, "from"), ({"days": "3", "from": "2026-11-01"}, "days"),
])
def test_bad_options_are_400_naming_the_parameter(server, params, field):
    answer = server.client.get("/api/analytics/top-tracks", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field


@pytest.mark.parametrize("path, params, field, words", [
    ("/api/analytics/top-tracks", {"filter": "colour=red"}, "filter", "dimensions: track"),
    ("/api/analytics/top-tracks", {"filter": "country"}, "filter", "is not DIMENSION=VALUE"),
    ("/api/analytics/top-tracks", {"filter": "status=404"}, "filter", "no dimension status"),
    ("/api/breakdown/colour", {}, "dimension", "unknown dimension 'colour'"),
    ("/api/breakdown/status", {"of": "sessions"}, "dimension", "no dimension status"),
    ("/api/breakdown/country", {"by": "fame"}, "by", "'fame' is not one of plays"),
])
def test_bad_filters_and_dimensions_are_400_naming_the_field(server, path, params, field, words):
    answer = server.client.get(path, params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field and words in answer.json()["error"]


def test_health_metrics_openapi(server):
    assert server.client.get("/healthz").json() == {"status": "ok"}
    metrics = server.client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "# TYPE playlog_write_seconds histogram" in metrics.text
    spec = server.client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/analytics/session/start", "/api/analytics/records", "/api/events/top",
            "/api/analytics/realtime/ws"} <= set(spec["paths"])
    start = spec["paths"]["/api/analytics/session/start"]["post"]
    assert start["requestBody"]["content"]["application/json"]["schema"]["required"] == ["track_id"]


def test_dashboard_is_the_live_report_page(server):
    page = server.client.get("/", params={"until": T, "days": "3"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    data, meta = read_page_data(page.text)
    report = server.client.get("/api/analytics/report", params={"until": T, "days": "3"})
    assert data == report.json()
    assert meta["kind"] == "report" and meta["live"]["url"] == "/api/analytics/report"


def test_websocket_sends_at_once_then_every_push(server, store):
    expected = cli_json(store, "realtime", "--at", T)
    url = server.url.replace("http", "ws") + f"/api/analytics/realtime/ws?at={T}"
    with ws_connect(url) as ws:
        first = json.loads(ws.recv(timeout=10))
        started = time.monotonic()
        second = json.loads(ws.recv(timeout=10))
        between = time.monotonic() - started
    assert first == expected and second == expected
    assert 0.3 < between  # pushed on its interval, not flooded (recv times out after 10 s)


def test_read_token_guards_reads_dashboard_and_websocket(store):
    with Server(store, "--ingest-every", "0", "--no-cleanup",
                env={"PLAYLOG_READ_TOKEN": "s3cret"}) as s:
        refused = s.client.get("/api/analytics/report")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.json()["field"] == "authorization"
        assert s.client.get("/", params={"until": T}).status_code == 401
        wrong = s.client.get("/api/analytics/report", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        good = s.client.get("/api/analytics/report", headers={"Authorization": "Bearer s3cret"})
        assert good.status_code == 200
        assert s.client.get("/", params={"access_token": "s3cret", "until": T}).status_code == 200
        ws_url = s.url.replace("http", "ws") + "/api/analytics/realtime/ws"
        with pytest.raises(Exception, match="403"):
            with ws_connect(ws_url) as ws:
                ws.recv(timeout=5)
        with ws_connect(ws_url + "?access_token=s3cret") as ws:
            assert "current_listeners" in json.loads(ws.recv(timeout=10))
        # Writes and liveness need no token.
        assert s.client.get("/healthz").status_code == 200
        made = s.client.post("/api/events/e1/analytics/track", json={"event_type": "view"})
        assert made.status_code == 200


def test_binding_beyond_loopback_without_a_token_is_refused(store):
    run = subprocess.run([sys.executable, "-m", "playlog", "serve", "--data", str(store),
                          "--host", "0.0.0.0", "--port", "0"],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("playlog: error: --host: refusing to serve reports on 0.0.0.0")


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_serve_starts_and_answers_on_each_server(store, server):
    """Its start-up time is measured by benchmarks/serve_bench.py, not here."""
    with Server(store, "--ingest-every", "0", "--no-cleanup", "--server", server) as s:
        assert s.banner.startswith(f"playlog: serving {s.url} ")
        assert httpx.get(s.url + "/healthz").status_code == 200
        made = s.client.post("/api/events/e1/analytics/track", json={"event_type": "view"})
        assert made.status_code == 200
        assert s.client.get("/api/analytics/tracks/t1", params={"until": T}).status_code == 200


def test_reads_while_ingest_commits_never_fail(tmp_path):
    """Sessions ended in the next run make every ingest rewrite the day's session files
    under the readers' feet; every read still answers 200."""
    data, logs = tmp_path / "data", tmp_path / "logs"
    logs.mkdir()
    agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"

    def log(n: int) -> Path:
        lines = []
        for i in range(40):
            lines.append({"type": "session_start", "ts": f"2026-11-20T10:{n:02d}:{i:02d}Z",
                          "session_id": f"s{n}-{i}", "track_id": f"t{i % 5}",
                          "user_agent": agent, "client_ip": "81.2.69.142"})
            if n:
                lines.append({"type": "session_end", "ts": f"2026-11-20T11:{n:02d}:{i:02d}Z",
                              "session_id": f"s{n - 1}-{i}", "duration_played_ms": 1000 * i})
        path = logs / f"part-{n:03d}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in lines))
        return path

    def ingest(n: int) -> None:
        result = CliRunner().invoke(app, ["ingest", str(log(n)), "--data", str(data),
                                          "--wait", "30"])
        assert result.exit_code == 0, result.output

    ingest(0)
    with Server(data, "--ingest-every", "0", "--no-cleanup") as s:
        failures: list[str] = []
        done = threading.Event()

        def read() -> None:
            n = 0
            while not done.is_set():
                n += 1
                for path in ("/api/analytics/tracks/t1", "/api/analytics/top-tracks"):
                    answer = s.client.get(path, params={"until": "2026-11-21",
                                                        "limit": 1 + n % 7})
                    if answer.status_code != 200:
                        failures.append(answer.text)

        readers = [threading.Thread(target=read) for _ in range(3)]
        for t in readers:
            t.start()
        for n in range(1, 12):
            ingest(n)
        done.set()
        for t in readers:
            t.join()
        assert failures == []
        final = s.client.get("/api/analytics/top-tracks", params={"until": "2026-11-21"})
        assert final.json() == cli_json(data, "top-tracks", "--until", "2026-11-21")


def test_answers_asked_for_are_recomputed_when_cron_commits(tmp_path):
    data, log = tmp_path / "data", tmp_path / "a.jsonl"
    agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"

    def play(n: int) -> None:
        with log.open("a") as fh:
            fh.write(json.dumps({"type": "play", "ts": f"2026-11-20T10:{n:02d}:00Z",
                                 "session_id": f"p{n}", "track_id": "t1", "user_agent": agent,
                                 "duration_played_ms": 60000}) + "\n")
        assert CliRunner().invoke(app, ["ingest", str(log), "--data", str(data)]).exit_code == 0

    def computed(s: Server) -> int:
        text = s.client.get("/metrics").text
        found = re.search(r"^playlog_report_computations_total (\d+)$", text, re.M)
        return int(found.group(1))

    play(1)
    with Server(data, "--ingest-every", "0", "--no-cleanup") as s:
        assert s.client.get("/api/analytics/tracks/t1").json()["total_plays"] == 1
        play(2)  # cron's ingest commits while serve runs
        deadline = time.monotonic() + 30
        while computed(s) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        before = computed(s)
        assert before == 2  # recomputed in the background, not on request
        assert s.client.get("/api/analytics/tracks/t1").json()["total_plays"] == 2
        assert computed(s) == before
