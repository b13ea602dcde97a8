"""Track routes: media requests of a plain web server become play sessions
(docs/formats.md#media-requests)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from logs import read, run
from weblogs import PHONE, T0, UA, combined, write

from playlog.catalog import import_catalog

CONFIG = """
[[routes]]
path = "/audio/{track_id}.mp3"
track = true

[[routes]]
path = "/audio/{event_id}.mp3"
event_type = "view"
"""


@pytest.fixture
def routes(tmp_path, monkeypatch):
    path = tmp_path / "playlog.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("PLAYLOG_CONFIG", str(path))


def fetch(minutes: float, size: int, *, track: str = "t0001", ip: str = "203.0.113.7",
          agent: str = UA, status: int = 206) -> str:
    return combined(ip, f"GET /audio/{track}.mp3 HTTP/1.1", status, size,
                    "https://player.example.com/", agent, minutes=minutes)


def sessions(data):
    rows = read(data, "sessions")
    return rows.sort("started_at", "session_id") if rows.height else rows


def _catalog(tmp_path, data):
    csv = tmp_path / "tracks.csv"
    csv.write_text("track_id,title,artist,duration_ms,file_size\n"
                   "t0001,Harbour Lights,Nordic Tides,200000,4000000\n")
    import_catalog(csv, data)


def test_range_requests_of_one_visitor_and_track_make_one_session(tmp_path, routes):
    data = tmp_path / "data"
    _catalog(tmp_path, data)
    log = write(tmp_path / "access.log", [
        fetch(0, 1_000_000), fetch(0.5, 1_000_000),  # one session: 2 MB of 4 MB
        fetch(90, 500_000),  # after the 30-minute timeout: another session
        fetch(1, 3_000_000, track="t0002", ip="203.0.113.8", agent=PHONE, status=200),
        combined("203.0.113.7", "GET /index.html HTTP/1.1", minutes=1),
        fetch(2, 0, status=404),  # not a media request: not 2xx
    ])
    run(log, data)
    rows = sessions(data)
    assert rows["track_id"].to_list() == ["t0001", "t0002", "t0001"]
    # bytes served / file size × length, when the catalog has both; else unknown
    assert rows["duration_played_ms"].to_list() == [100_000, None, 25_000]
    assert rows["completion_percentage"].to_list() == [50.0, None, 12.5]
    assert rows["ended"].all() and rows["started_at"].to_list()[0] == T0
    assert read(data, "events").height == 0  # the track route came first
    assert read(data, "progress")["bytes_sent"].sum() == 5_500_000


def test_a_session_goes_on_across_runs_and_reimport_adds_nothing(tmp_path, routes):
    data = tmp_path / "data"
    _catalog(tmp_path, data)
    run(write(tmp_path / "a.log", [fetch(0, 1_000_000), fetch(0.5, 1_000_000)]), data)
    assert sessions(data)["duration_played_ms"].to_list() == [100_000]
    later = write(tmp_path / "b.log", [fetch(20, 1_000_000)])
    run(later, data)
    rows = sessions(data)
    assert rows.height == 1 and rows["duration_played_ms"].to_list() == [150_000]
    assert rows["last_update"].to_list()[0] >= T0 + timedelta(minutes=20)
    assert run([tmp_path / "a.log", later], data).records == 0
    assert sessions(data).equals(rows)


def test_played_time_is_at_most_the_track_length(tmp_path, routes):
    data = tmp_path / "data"
    _catalog(tmp_path, data)
    run(write(tmp_path / "a.log", [fetch(m, 4_000_000) for m in (0, 1, 2)]), data)
    assert sessions(data)["duration_played_ms"].to_list() == [200_000]
