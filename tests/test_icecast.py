"""Icecast and SHOUTcast logs become listening sessions, split by the playlist
(docs/formats.md#icecast)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logs import iso, read, run, write_log
from weblogs import UA, clf_time, requests, write

VLC = "VLC/3.0.21 LibVLC/3.0.21"
T0 = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def icecast(ip: str, path: str, end: datetime, seconds: int, *, method: str = "GET",
            status: int = 200, size: int = 0, agent: str = VLC, user: str = "-") -> str:
    """An access.log line as Icecast writes it when the client disconnects."""
    return (f'{ip} - {user} [{clf_time(end, 1)}] "{method} {path} HTTP/1.1" {status} {size} '
            f'"-" "{agent}" {seconds}')


def entry(at: datetime, mount: str, title: str, listeners: int = 5) -> str:
    return f"{clf_time(at, 1)}|{mount}|{listeners}|{title}"


def sessions(data) -> pl.DataFrame:
    rows = read(data, "sessions")
    return rows.sort("started_at", "session_id") if rows.height else rows


SERVER_DAY = [
    icecast("198.51.100.23", "/live", T0 + timedelta(minutes=20), 900, size=14_400_000),
    icecast("198.51.100.24", "/live.mp3", T0 + timedelta(minutes=25), 60, size=960_000,
            agent="iTunes/12.13 (Windows; Microsoft Windows 10 x64) AppleWebKit/7619.1.26"),
    icecast("198.51.100.25", "/live", T0 + timedelta(minutes=26), 0, size=0, user="alice"),
    icecast("203.0.113.9", "/live", T0 + timedelta(hours=2), 7200, method="SOURCE",
            agent="butt/0.1.40"),
    icecast("203.0.113.9", "/live", T0 + timedelta(hours=2), 7200, method="PUT",
            agent="liquidsoap/2.2.5"),
    icecast("203.0.113.9", "/admin/metadata?mount=/live&mode=updinfo&song=X", T0, 0,
            agent="curl/8.5.0", user="admin"),
    icecast("192.0.2.4", "/", T0 + timedelta(minutes=1), 0, size=3000, agent=UA),
    icecast("192.0.2.4", "/status.xsl", T0 + timedelta(minutes=1), 0, size=4321, agent=UA),
    icecast("192.0.2.4", "/status-json.xsl", T0 + timedelta(minutes=1), 0, agent=UA),
    icecast("192.0.2.4", "/live.m3u", T0 + timedelta(minutes=2), 0, size=40, agent=UA),
    icecast("192.0.2.4", "/live.xspf", T0 + timedelta(minutes=2), 0, size=40, agent=UA),
    icecast("192.0.2.4", "/style.css", T0 + timedelta(minutes=2), 0, size=900, agent=UA),
    icecast("192.0.2.5", "/live", T0 + timedelta(minutes=3), 2, status=404, agent=UA),
    icecast("192.0.2.6", "/live", T0 + timedelta(minutes=4), 0, status=403, agent=VLC),
]


def test_listener_lines_become_sessions_the_rest_stays_web_traffic(tmp_path):
    log = write(tmp_path / "icecast2" / "access.log", SERVER_DAY)
    summary = run(tmp_path / "icecast2", tmp_path / "data")
    assert summary.formats == {str(log): "icecast"} and summary.quarantined == 0
    assert requests(tmp_path / "data").height == len(SERVER_DAY)
    rows = sessions(tmp_path / "data")
    assert rows.height == 3
    first = rows.row(0, named=True)
    # written at disconnect: the session started `seconds` before
    assert first["started_at"] == T0 + timedelta(minutes=5)
    assert first["last_update"] == T0 + timedelta(minutes=20)
    assert first["duration_played_ms"] == 900_000 and first["ended"]
    assert first["track_id"] == "/live" and first["skip_reason"] is None
    assert rows["track_id"].to_list() == ["/live", "/live.mp3", "/live"]
    assert rows["user_id"].to_list() == [None, None, "alice"]
    assert rows["duration_played_ms"].to_list() == [900_000, 60_000, 0]
    progress = read(tmp_path / "data", "progress")
    assert progress["bytes_sent"].sum() == 14_400_000 + 960_000  # bytes, at the disconnect
    again = run(tmp_path / "icecast2", tmp_path / "data")
    assert again.records == 0 and sessions(tmp_path / "data").equals(rows)


PLAYLIST = [
    entry(T0, "/live", "Nordic Tides - Harbour Lights"),
    entry(T0 + timedelta(minutes=9), "/live", "Mara Quell - Glass Lungs"),
    entry(T0 + timedelta(minutes=13), "/live", "Station ID"),
    entry(T0 + timedelta(minutes=14), "/live", "Lina Sol - Coral"),
    entry(T0 + timedelta(minutes=2), "/other", "Somebody - Else"),
]


def _split(data) -> pl.DataFrame:
    catalog = pl.read_parquet(data / "catalog" / "tracks.parquet")
    return sessions(data).join(catalog.select("track_id", "title"), on="track_id", how="left")


def test_a_playlist_splits_listening_in_any_order_of_files_and_runs(tmp_path):
    access = write(tmp_path / "logs" / "access.log", SERVER_DAY[:1])
    playlist = write(tmp_path / "logs" / "playlist.log", PLAYLIST)
    orders = {"one run": [[access, playlist]], "access first": [[access], [playlist]],
              "playlist first": [[playlist], [access]]}
    found = {}
    for name, runs in orders.items():
        data = tmp_path / name
        for paths in runs:
            run(paths, data)
        assert run([access, playlist], data).records == 0
        found[name] = _split(data).drop("session_id", "first_seen", "given_platform")
    rows = found["one run"]
    assert rows["title"].to_list() == ["Harbour Lights", "Glass Lungs", "Station ID", "Coral"]
    assert rows["duration_played_ms"].to_list() == [240_000, 240_000, 60_000, 360_000]
    assert rows["duration_played_ms"].sum() == 900_000  # the pieces add up to the interval
    assert rows["started_at"].to_list()[1] == T0 + timedelta(minutes=9)
    assert rows["last_update"].to_list()[-1] == T0 + timedelta(minutes=20)
    assert found["access first"].equals(rows) and found["playlist first"].equals(rows)


def test_listening_before_any_title_keeps_the_mount(tmp_path):
    late = [entry(T0 + timedelta(minutes=10), "/live", "Lina Sol - Coral")]
    paths = [write(tmp_path / "access.log", SERVER_DAY[:1]),
             write(tmp_path / "playlist.log", late)]
    run(paths, tmp_path / "data")
    rows = _split(tmp_path / "data")
    assert rows["track_id"].to_list()[0] == "/live"
    assert rows["duration_played_ms"].to_list() == [300_000, 600_000]


def test_shoutcast_w3c_log(tmp_path):
    end = T0 + timedelta(minutes=20)
    log = write(tmp_path / "sc_w3c.log", [
        "#Software: SHOUTcast DNAS/posix(linux x64) v2.6.1.777",
        "#Version: 1.0",
        "#Date: 2026-11-20 00:00:00",
        ("#Fields: c-ip c-dns date time cs-uri-stem c-status cs(User-Agent) sc-bytes "
         "x-duration avgbandwidth"),
        (f"198.51.100.23 198.51.100.23 {end:%Y-%m-%d %H:%M:%S} /stream?title=Harbour%20Lights "
         "200 WinampMPEG%2F5.66 14745600 921 16010"),
        f"198.51.100.24 198.51.100.24 {end:%Y-%m-%d %H:%M:%S} /stream 404 VLC%2F3.0.21 0 0 0",
    ])
    summary = run(log, tmp_path / "data")
    assert summary.formats[str(log)] == "shoutcast"
    rows = sessions(tmp_path / "data")
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert row["track_id"] == "/stream" and row["duration_played_ms"] == 921_000
    assert row["started_at"] == end - timedelta(seconds=921)
    assert row["user_agent"] == "WinampMPEG/5.66"
    assert requests(tmp_path / "data").height == 2


intervals = st.lists(st.tuples(st.integers(0, 6 * 3600), st.integers(0, 3 * 3600)),
                     min_size=1, max_size=12)
changes = st.lists(st.integers(0, 9 * 3600), min_size=0, max_size=25, unique=True)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(intervals, changes)
def test_property_listening_time_is_the_listener_seconds_split_or_not(tmp_path_factory,
                                                                      listens, titles):
    """Listening ms = the sum of the listener lines' seconds, whatever the playlist; each
    interval's pieces add up to it and lie within it."""
    folder = tmp_path_factory.mktemp("radio")
    lines = [icecast(f"10.0.{i // 250}.{i % 250}", "/live",
                     T0 + timedelta(seconds=start + length), length, size=length * 16_000)
             for i, (start, length) in enumerate(listens)]
    entries = [entry(T0 + timedelta(seconds=t), "/live", f"Artist {t % 7} - Song {t}")
               for t in sorted(titles)]
    paths = [write(folder / "access.log", lines)]
    if entries:
        paths.append(write(folder / "playlist.log", entries))
    run(paths, folder / "data")
    rows = read(folder / "data", "sessions")
    assert rows["duration_played_ms"].sum() == sum(length for _, length in listens) * 1000
    groups = rows.with_columns(group=pl.col("session_id").str.replace(r":[^:]*$", ""))
    spans = groups.group_by("group").agg(
        start=pl.col("started_at").min(), end=pl.col("last_update").max(),
        played=pl.col("duration_played_ms").sum())
    assert spans.height == len(listens)
    lengths = spans.select((pl.col("end") - pl.col("start")).dt.total_milliseconds())
    assert lengths.to_series().to_list() == spans["played"].to_list()
    assert read(folder / "data", "progress")["bytes_sent"].sum() == sum(
        length * 16_000 for _, length in listens)
    # re-imported, as the same files and as a rotated, compressed copy: nothing is added
    copy = write(folder / "old" / "access.log.1.gz", lines, gz=True)
    assert run([*paths, copy], folder / "data").records == 0
    assert read(folder / "data", "sessions").sort("session_id").equals(rows.sort("session_id"))
    assert read(folder / "data", "progress")["bytes_sent"].sum() == sum(
        length * 16_000 for _, length in listens)


def test_a_title_the_catalog_knows_is_its_track(tmp_path):
    from playlog.catalog import import_catalog

    csv = tmp_path / "tracks.csv"
    csv.write_text("track_id,title,artist,duration_ms\nt0042,harbour lights,NORDIC TIDES,540000\n")
    import_catalog(csv, tmp_path / "data")
    paths = [write(tmp_path / "access.log", SERVER_DAY[:1]),
             write(tmp_path / "playlist.log", PLAYLIST)]
    run(paths, tmp_path / "data")
    rows = sessions(tmp_path / "data")
    assert rows["track_id"].to_list()[0] == "t0042"  # radio airplay and on-demand: one track
    assert rows["track_id"].to_list()[1].startswith("name:")


def _many_days() -> tuple[list[str], list[str]]:
    """Listeners over 12 days, some across midnight, and a title every 7 minutes."""
    lines, days = [], 12
    for day in range(days):
        for k, (hour, seconds) in enumerate([(1, 600), (9, 5400), (17, 240), (23.9, 1800)]):
            end = T0.replace(hour=0) + timedelta(days=day, hours=hour)
            if hour > 23:
                end += timedelta(hours=0.3)  # started the evening before, ended after midnight
            lines.append(icecast(f"10.1.{day}.{k}", "/live" if k % 2 else "/jazz", end, seconds,
                                 size=seconds * 16_000))
    entries = [entry(T0.replace(hour=0) + timedelta(minutes=7 * n), mount,
                     f"Artist {n % 5} - Song {n % 40}")
               for n in range(days * 24 * 60 // 7) for mount in ("/live", "/jazz")]
    return lines, entries


def test_a_split_in_pieces_is_the_split_in_one_piece(tmp_path, monkeypatch):
    """The intervals are split a bounded number at a time (memory stays bounded): pieces
    of one interval each give the sessions of one piece for everything, in one run or in
    two (a later playlist file splits again what the first run stored, whose files hold
    sessions of many pieces, each piece rewriting files the one before staged), and time
    out the open sessions the same."""
    from playlog.listening import radio

    lines, entries = _many_days()
    access = write(tmp_path / "logs" / "access.log", lines)
    playlist = write(tmp_path / "logs" / "playlist.log", entries)
    later = write(tmp_path / "logs" / "playlist.log.1", [
        entry(T0.replace(hour=23, minute=50) + timedelta(days=day), "/live", "Late - Addition")
        for day in range(12)])
    native = write_log(tmp_path / "logs" / "app.jsonl", [{
        "type": "session_start", "ts": iso(T0 - timedelta(days=1)), "session_id": "open-1",
        "track_id": "t1", "user_agent": VLC}])
    found = {}
    for size in (10_000, 1):
        for name, runs in {"one run": [[access, playlist, later]],
                           "two runs": [[access, playlist], [later]],
                           "after an open session": [[native], [access, playlist, later]]}.items():
            data = tmp_path / f"{name}-{size}"
            for n, paths in enumerate(runs):  # the first run's day files hold every interval
                monkeypatch.setattr(radio, "PIECE_SESSIONS", size if n == len(runs) - 1
                                    else 10_000)
                run(paths, data)
            assert run([access, playlist, later], data).records == 0
            found[size, name] = sessions(data).drop("first_seen")
    whole = found[10_000, "one run"]
    across = whole.group_by(pl.col("session_id").str.replace(r":[^:]*$", "")).agg(
        days=pl.col("started_at").dt.date().n_unique())
    assert (across["days"] == 2).sum() >= 10  # intervals whose sessions are on two days
    assert whole["duration_played_ms"].sum() == sum(
        s for _, s in [(1, 600), (9, 5400), (17, 240), (23.9, 1800)]) * 12 * 1000
    assert found[1, "one run"].equals(whole)
    assert found[1, "two runs"].equals(whole)
    after = found[1, "after an open session"]
    assert after.equals(found[10_000, "after an open session"])
    assert after.filter(pl.col("session_id") != "open-1").equals(whole)
    assert whole.filter(pl.col("started_at").dt.hour() == 23)["track_id"].n_unique() > 1
    timed_out = after.filter(pl.col("session_id") == "open-1")  # the watermark moved
    assert timed_out["ended"].to_list() == [True]
    assert timed_out["skip_reason"].to_list() == ["timeout"]
