"""serve's write API through a real process: what is written, what is refused, and
that a kill -9 in the middle of a load loses and duplicates nothing acknowledged."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from conftest import NOW
from servehelp import Server
from typer.testing import CliRunner

from playlog.cli.app import app

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def incoming_lines(data: Path) -> list[dict]:
    folder = data / "incoming"
    if not folder.is_dir():
        return []
    return [json.loads(line) for f in sorted(folder.glob("*.jsonl"))
            for line in f.read_text().splitlines()]


def cli_json(data, *args):
    result = CliRunner().invoke(app, [*map(str, args), "--data", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def server(tmp_path):
    with Server(tmp_path / "data", "--ingest-every", "0", "--no-cleanup",
                "--trusted-proxy", "127.0.0.1") as s:
        yield s


def test_a_session_and_an_event_become_native_lines(server):
    c = server.client
    start = c.post("/api/analytics/session/start", headers={"User-Agent": "okhttp/4.12.0",
                                                            "X-Forwarded-For": "81.2.69.142"},
                   json={"trackId": "t1", "totalDurationMs": 200000, "quality": "high",
                         "userId": "u1"})
    assert start.status_code == 201
    sid = start.json()["sessionId"]
    assert c.put(f"/api/analytics/session/{sid}/progress",
                 json={"position": 30000, "bufferHealth": 92.5, "bytesSent": 640000}
                 ).status_code == 204
    assert c.post(f"/api/analytics/session/{sid}/end",
                  json={"skipReason": "user_skip", "position": 75000}).status_code == 204
    assert c.put("/api/analytics/session/other-collector/progress",
                 json={"position": 1}).status_code == 204  # its start went elsewhere
    event = c.post("/api/events/e9/analytics/track", headers={"Referer": "https://www.google.com/"},
                   json={"event_type": "view", "session_id": "w1", "time_on_page_ms": 4000,
                         "metadata": {"age_group": "25-34"}})
    assert event.status_code == 200 and event.json() == {"success": True}
    lines = incoming_lines(server.data)
    assert [r["type"] for r in lines] == ["session_start", "session_progress", "session_end",
                                          "session_progress", "event"]
    first = lines[0]
    assert first["session_id"] == sid and first["track_id"] == "t1"
    assert first["client_ip"] == "81.2.69.142"  # the hop the trusted proxy added
    assert first["user_agent"] == "okhttp/4.12.0" and first["user_id"] == "u1"
    assert lines[1]["duration_played_ms"] == 30000 and lines[1]["bytes_sent"] == 640000
    assert lines[2]["skip_reason"] == "user_skip" and lines[2]["duration_played_ms"] == 75000
    assert lines[4]["referrer"] == "https://www.google.com/" and lines[4]["event_id"] == "e9"
    assert all(r["ts"] == NOW for r in lines)  # stamped by the (pinned) clock
    assert len({r["rid"] for r in lines}) == 5  # every line unique


BAD = [
    ("post", "/api/analytics/session/start", b'{"trackId": "t1"', "body", "invalid JSON"),
    ("post", "/api/analytics/session/start", b"[1]", "body", "the body must be a JSON object"),
    ("post", "/api/analytics/session/start", b"{}", "track_id", "missing required field"),
    ("post", "/api/analytics/session/start", b'{"trackId": ["t1"]}', "trackId", "must be a string"),
    ("post", "/api/analytics/session/start", b'{"trackId": "t1", "totalDurationMs": "long"}',
     "totalDurationMs", "must be a number"),
    ("post", "/api/analytics/session/start", b'{"trackId": "t1", "totalDurationMs": -3}',
     "totalDurationMs", "negative total_duration_ms"),
    ("put", "/api/analytics/session/s1/progress", b"{}", "position", "missing required field"),
    ("put", "/api/analytics/session/s1/progress", b'{"position": 5, "bufferHealth": 140}',
     "bufferHealth", "buffer_health not within 0-100"),
    ("post", "/api/analytics/session/s1/end", b'{"position": true}', "position",
     "must be a number"),
    ("post", "/api/events/e1/analytics/track", b'{"event_type": "hover"}', "event_type",
     "Invalid event type"),
    ("post", "/api/events/e1/analytics/track", b"{}", "event_type", "missing required field"),
    ("post", "/api/events/e1/analytics/track", b'{"event_type": "view", "metadata": [1]}',
     "metadata", "metadata must be an object"),
]


@pytest.mark.parametrize("method, path, body, field, message", BAD,
                         ids=[f"{b[1]} {b[2][:30]!r}" for b in BAD])
def test_invalid_input_is_400_naming_the_field_and_writes_nothing(server, method, path, body,
                                                                  field, message):
    answer = server.client.request(method, path, content=body,
                                   headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field
    assert message in answer.json()["error"]
    assert incoming_lines(server.data) == []


def test_bodies_over_the_limits_are_413(server):
    big = json.dumps({"trackId": "t1", "pad": "x" * 65536}).encode()
    assert server.client.post("/api/analytics/session/start", content=big).status_code == 413
    batch = json.dumps([{"pad": "x" * (4 * 1024 * 1024)}]).encode()
    assert server.client.post("/api/analytics/records", content=batch).status_code == 413
    assert incoming_lines(server.data) == []


def test_a_batch_is_202_with_its_rejects_and_writes_the_rest(server):
    records = [
        {"type": "play", "ts": "2026-11-20T18:00:00Z", "session_id": "b1", "track_id": "t1",
         "duration_played_ms": 180000},
        {"type": "event", "ts": 1763661845123, "eventId": "e1", "eventType": "click"},
        {"type": "event", "ts": "2026-11-20T18:00:00Z", "event_id": "e1", "event_type": "hover"},
        {"type": "session_progress", "ts": "2026-11-20", "session_id": "b1"},
        "not a record",
    ]
    answer = server.client.post("/api/analytics/records", json=records)
    assert answer.status_code == 202
    assert answer.json() == {"accepted": 2, "rejected": [
        {"index": 2, "reason": "unknown event_type: hover"},
        {"index": 3, "reason": "missing required field: duration_played_ms"},
        {"index": 4, "reason": "not a JSON object"},
    ]}
    lines = incoming_lines(server.data)
    assert lines[0] == records[0]  # native records are stored as given
    assert lines[1]["event_id"] == "e1"  # camelCase keys made snake_case
    assert server.client.post("/api/analytics/records", json={"a": 1}).status_code == 400


def test_cors_for_the_write_endpoints_comes_from_the_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[serve]\ncors_origins = ["https://player.example.com"]\n')
    with Server(tmp_path / "data", "--ingest-every", "0", "--no-cleanup",
                env={"PLAYLOG_CONFIG": str(config)}) as s:
        path = "/api/events/e1/analytics/track"
        ok = s.client.options(path, headers={"Origin": "https://player.example.com",
                                             "Access-Control-Request-Method": "POST"})
        assert ok.status_code == 204
        assert ok.headers["access-control-allow-origin"] == "https://player.example.com"
        other = s.client.options(path, headers={"Origin": "https://evil.example.net"})
        assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
        sent = s.client.post(path, json={"event_type": "view"},
                             headers={"Origin": "https://player.example.com"})
        assert sent.headers["access-control-allow-origin"] == "https://player.example.com"


def test_the_timer_ingests_incoming_like_the_cli(tmp_path):
    data = tmp_path / "data"
    with Server(data, "--ingest-every", "1s", "--no-cleanup") as s:
        s.client.headers["User-Agent"] = BROWSER  # httpx's own agent is a bot
        sid = s.client.post("/api/analytics/session/start", json={"trackId": "t1"}).json()
        s.client.post(f"/api/analytics/session/{sid['sessionId']}/end", json={"position": 9000})
        s.client.post("/api/events/e1/analytics/track", json={"event_type": "view"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            metrics = s.client.get("/metrics").text
            if "playlog_last_ingest_records 3" in metrics:
                break
            time.sleep(0.3)
        assert "playlog_last_ingest_records 3" in metrics
        track = s.client.get("/api/analytics/tracks/t1", params={"until": "2026-11-22"}).json()
        assert track["total_plays"] == 1 and track["total_duration_played_ms"] == 9000
        assert track == cli_json(data, "track", "t1", "--until", "2026-11-22")
        event = s.client.get("/api/events/e1/analytics", params={"at": "2026-11-22"}).json()
        assert event["total_views"] == 1


def _load(server: Server, acked: list[str], stop: threading.Event, batch: bool) -> None:
    """Post records with unique ids until stopped; keep the ids of the acknowledged ones."""
    n = 0
    with httpx.Client(base_url=server.url, timeout=5) as client:
        while not stop.is_set():
            n += 1
            tag = f"{threading.get_ident()}-{n}"
            try:
                if batch:
                    records = [{"type": "event", "ts": "2026-11-20T12:00:00Z", "event_id": "eb",
                                "event_type": "view", "session_id": f"{tag}-{i}"}
                               for i in range(50)]
                    answer = client.post("/api/analytics/records", json=records)
                    if answer.status_code == 202:
                        acked.extend(r["session_id"] for r in records)
                else:
                    answer = client.post("/api/events/ek/analytics/track",
                                         json={"event_type": "click", "session_id": tag})
                    if answer.status_code == 200:
                        acked.append(tag)
            except httpx.TransportError:
                return  # the server died: this answer never came


def test_kill_9_mid_load_loses_and_duplicates_nothing_acknowledged(tmp_path):
    data = tmp_path / "data"
    server = Server(data, "--ingest-every", "0", "--no-cleanup")
    acked: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_load, args=(server, acked, stop, i % 4 == 0))
               for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(2.5)
    server.kill()  # SIGKILL while eight clients are writing
    stop.set()
    for t in threads:
        t.join()
    server.client.close()
    assert len(acked) > 200
    # A new serve seals what the killed one left, then ingests on its timer.
    with Server(data, "--ingest-every", "1s", "--no-cleanup") as again:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "playlog_ingest_runs_total 0" not in again.client.get("/metrics").text:
                break
            time.sleep(0.3)
    con = duckdb.connect()
    stored = dict(con.execute(
        f"SELECT session_id, count(*) FROM read_parquet('{data}/events/*/*.parquet') GROUP BY 1"
    ).fetchall())
    missing = [tag for tag in acked if tag not in stored]
    assert missing == []
    assert max(stored.values()) == 1  # nothing stored twice, acknowledged or not
    quarantined = list((data / "quarantine").glob("*/*.parquet"))
    assert quarantined == []  # a line cut by the kill was sealed, not quarantined
    # Cron's ingest of the same folder finds nothing new.
    again = cli_json(data, "ingest", data / "incoming")
    assert again["events"] == 0 and again["duplicates"] == 0


def test_serve_runs_the_configured_cleanup(tmp_path):
    from sample import build_sample

    data = build_sample(tmp_path / "store")
    config = tmp_path / "config.toml"
    config.write_text('[cleanup]\nolder_than = "3d"\n')
    with Server(data, "--ingest-every", "0", env={"PLAYLOG_CONFIG": str(config)}) as s:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "playlog_last_cleanup_timestamp_seconds" in s.client.get("/metrics").text:
                break
            time.sleep(0.3)
        assert "playlog_last_cleanup_timestamp_seconds" in s.client.get("/metrics").text
    retention = json.loads((data / "state" / "retention.json").read_text())
    assert retention["raw_from"] == "2026-11-18"  # NOW - 3 days
    assert not (data / "sessions" / "date=2026-11-14").exists()
