"""Spotify streaming histories become ended play sessions (docs/formats.md#spotify)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import polars as pl
from exports import stream, write_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logs import modified, read, run


def _sessions(data):
    return read(data, "sessions").sort("started_at")


def test_extended_history_fields_map_to_sessions(tmp_path):
    records = [
        stream("2023-05-14T18:04:05Z", ms=212_000),
        stream("2023-05-14T18:05:05Z", "spotify:track:6rqhFgbbKwnb9MLmUQDhG6", ms=15_500,
               end="fwdbtn", skipped=True, platform="iOS 16.5 (iPhone14,2)"),
        stream("2023-05-14T18:06:05Z", "spotify:track:0VjIjW4GlUZAMYd2vXMi3b", ms=0,
               end="fwdbtn", skipped=None, platform="web_player windows 10;chrome 120;desktop"),
        stream("2023-05-14T18:10:00Z", "spotify:track:2takcwOaAZWiXQijPHIx7B", ms=200_000,
               end="endplay", platform="Partner sonos_ppc Sonos;Play:5"),
        stream("2023-05-14T18:12:00Z", "spotify:track:3n3Ppam7vgaVa1iaRUc9Lp", ms=90_000,
               end="backbtn", platform="Windows 10 (10.0.19045; x64; AppX)"),
        stream("2023-05-14T18:20:00Z", None, ms=120_000, title="Demo (home recording)",
               artist="Me", album=None),
        stream("2023-05-14T18:25:00Z", None, ms=1_000, title=None, artist=None, album=None),
    ]
    path = write_json(tmp_path / "Streaming_History_Audio_2023_5.json", records)
    summary = run(path, tmp_path / "data", user="alice")
    assert summary.formats == {str(path): "spotify"}
    assert summary.records == 7 and summary.quarantined == 1
    assert summary.quarantine_reasons == {"no track": 1}
    rows = _sessions(tmp_path / "data")
    assert rows.height == 6
    first = rows.row(0, named=True)
    # ts is the END of the stream: it started ms_played before
    assert first["started_at"] == datetime(2023, 5, 14, 18, 0, 33, tzinfo=UTC)
    assert first["last_update"] == datetime(2023, 5, 14, 18, 4, 5, tzinfo=UTC)
    assert first["duration_played_ms"] == 212_000 and first["ended"]
    assert first["track_id"] == "spotify:track:4uLU6hMCjMI75M1A2tKUQC"
    assert first["user_id"] == "alice" and first["country"] == "SE"
    assert first["client_ip"] == "81.227.14.43" and first["skip_reason"] is None
    assert rows["platform"].to_list() == ["mobile", "mobile", "web", "embedded", "desktop",
                                          "mobile"]
    assert rows["skip_reason"].to_list() == [None, "user_skip", "user_skip", "other",
                                             "user_skip", None]
    assert rows["skip_detail"].to_list()[3] == "endplay"
    assert rows["duration_played_ms"].to_list()[2] == 0  # 0 ms played is still a session
    local = rows.row(5, named=True)
    assert local["track_id"].startswith("name:")  # no URI: derived from the names
    catalog = pl.read_parquet(tmp_path / "data" / "catalog" / "tracks.parquet")
    names = dict(zip(catalog["track_id"], catalog["title"]))
    assert names[local["track_id"]] == "Demo (home recording)"
    assert names["spotify:track:4uLU6hMCjMI75M1A2tKUQC"] == "Harbour Lights"


def test_episodes_and_the_username_of_older_exports(tmp_path):
    episode = stream("2022-12-02T07:40:00Z", None, ms=1_800_000, title=None, artist=None,
                     album=None, username="spotifyuser1", episode_name="Ep. 41: Why we skip",
                     episode_show_name="The Listening Hour",
                     spotify_episode_uri="spotify:episode:5Xt5DXGzch68nYYamXrNxZ")
    path = write_json(tmp_path / "endsong_0.json", [episode])
    run(path, tmp_path / "data", user="alice")  # the export's own user wins
    row = _sessions(tmp_path / "data").row(0, named=True)
    assert row["track_id"] == "spotify:episode:5Xt5DXGzch68nYYamXrNxZ"
    assert row["user_id"] == "spotifyuser1"
    catalog = pl.read_parquet(tmp_path / "data" / "catalog" / "tracks.parquet")
    assert catalog.row(0, named=True)["artist"] == "The Listening Hour"


def test_account_data_history(tmp_path):
    records = [
        {"endTime": "2024-03-01 08:12", "artistName": "Lina Sol", "trackName": "Tidal",
         "msPlayed": 184_000},
        {"endTime": "2024-03-01 08:13", "artistName": "Lina Sol", "trackName": "Coral",
         "msPlayed": 4_000},
        {"endTime": "not a time", "artistName": "Lina Sol", "trackName": "Coral",
         "msPlayed": 4_000},
    ]
    path = write_json(tmp_path / "StreamingHistory_music_0.json", records)
    summary = run(path, tmp_path / "data")
    assert summary.formats[str(path)] == "spotify_account"
    assert summary.quarantine_reasons == {"invalid time": 1}
    rows = _sessions(tmp_path / "data")
    assert rows["started_at"].to_list()[0] == datetime(2024, 3, 1, 8, 8, 56, tzinfo=UTC)
    assert rows["user_id"].to_list() == [None, None]  # no --user: no user
    assert rows["track_id"].n_unique() == 2


def test_reimport_renamed_copies_and_overlapping_exports_count_each_play_once(tmp_path):
    year = [stream(f"2023-01-{d:02d}T20:00:00Z", f"spotify:track:{d:022d}") for d in range(1, 29)]
    old = [dict(r, username="alice", ip_addr_decrypted=r.pop("ip_addr"),
                user_agent_decrypted="unknown") for r in json.loads(json.dumps(year[:10]))]
    data = tmp_path / "data"
    first = write_json(tmp_path / "a" / "Streaming_History_Audio_2023_0.json", year)
    run(first, data, user="alice")
    before = _sessions(data)
    assert before.height == 28
    again = run(first, data, user="alice")
    assert again.records == 0 and again.bytes == 0  # the ledger knows its content
    copy = write_json(tmp_path / "b" / "copy.json", year)
    assert run(copy, data, user="alice").records == 0
    # endsong_0.json names the user; its ten streams are the same plays
    overlap = write_json(tmp_path / "c" / "endsong_0.json", old)
    assert run(overlap, data, user="alice").records == 10
    later = stream("2023-01-30T09:00:00Z", "spotify:track:0VjIjW4GlUZAMYd2vXMi3b")
    grown = write_json(first, year + [later])
    assert run(grown, data, user="alice").records == 29  # changed: read whole again
    after = _sessions(data)
    assert after.height == 29
    assert after.filter(pl.col("started_at") < datetime(2023, 1, 29, tzinfo=UTC)).equals(before)
    both = tmp_path / "d"
    write_json(both / "x.json", year)
    write_json(both / "endsong_0.json", old)
    summary = run(both, tmp_path / "data2", user="alice")
    assert summary.duplicates == 10 and _sessions(tmp_path / "data2").height == 28


def test_a_document_still_being_written_waits_then_is_quarantined_when_idle(tmp_path):
    path = tmp_path / "Streaming_History_Audio_2023_0.json"
    text = json.dumps([stream("2023-01-01T20:00:00Z")], indent=2)
    path.write_text(text[:-40])
    modified(path)  # just written, by playlog's clock
    data = tmp_path / "data"
    summary = run(path, data)
    assert "incomplete JSON document" in summary.skipped[str(path)]
    assert summary.records == 0 and not (data / "sessions").exists()
    modified(path, 3600)
    summary = run(path, data)
    assert summary.quarantined == 1
    assert summary.quarantine_reasons == {"invalid JSON": 1}
    quarantine = read(data, "quarantine").row(0, named=True)
    assert quarantine["line"] == 1 and "Malformed JSON" in quarantine["reason"]
    path.write_text(text)  # completed: another content, read whole
    assert run(path, data).records == 1


def test_one_line_documents_and_gzip(tmp_path):
    small = write_json(tmp_path / "one.json", [stream("2023-01-01T20:00:00Z")], indent=None)
    assert b"\n" not in small.read_bytes()
    many = [stream(f"2023-02-01T{h:02d}:{m:02d}:00Z", f"spotify:track:{h}{m}")
            for h in range(24) for m in range(60)]
    big = write_json(tmp_path / "big.json", many, indent=None)
    assert big.stat().st_size > 256 * 1024 and b"\n" not in big.read_bytes()
    packed = tmp_path / "packed.json.gz"
    packed.write_bytes(gzip.compress(json.dumps([stream("2023-03-01T20:00:00Z")]).encode()))
    summary = run([small, big, packed], tmp_path / "data")
    assert set(summary.formats.values()) == {"spotify"}
    assert summary.records == 1 + 24 * 60 + 1
    assert _sessions(tmp_path / "data").height == 1 + 24 * 60 + 1


ENDS = ["trackdone", "fwdbtn", "backbtn", "endplay", "logout", "unexpected-exit", None]
streams = st.lists(
    st.tuples(st.integers(0, 365 * 24 * 3600), st.integers(0, 20), st.integers(0, 600_000),
              st.sampled_from(ENDS), st.sampled_from([True, False, None])),
    min_size=1, max_size=40,
    unique_by=lambda s: (s[0], s[1]),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(streams)
def test_property_plays_listening_time_and_skips_equal_the_records(tmp_path_factory, items):
    """Stored plays = records, listening ms = sum of ms_played, skips = records with
    skipped true or a fwdbtn/backbtn end; a second import adds nothing."""
    folder = tmp_path_factory.mktemp("spotify")
    base = datetime(2023, 1, 1, tzinfo=UTC)
    records = [stream((base + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      f"spotify:track:{t:022d}", ms=ms, end=end, skipped=skipped)
               for s, t, ms, end, skipped in items]
    path = write_json(folder / "Streaming_History_Audio_2023_0.json", records)
    run(path, folder / "data", user="u")
    rows = read(folder / "data", "sessions")
    assert rows.height == len(records)
    assert rows["duration_played_ms"].sum() == sum(r["ms_played"] for r in records)
    skips = sum(1 for r in records if r["skipped"] or r["reason_end"] in ("fwdbtn", "backbtn"))
    assert rows.filter(pl.col("skip_reason") == "user_skip").height == skips
    assert run(path, folder / "data", user="u").records == 0
    assert read(folder / "data", "sessions").sort("session_id").equals(rows.sort("session_id"))


def test_a_document_from_standard_input_is_read_whole(tmp_path):
    records = [stream(f"2023-04-01T10:{m:02d}:00Z", f"spotify:track:{m:022d}") for m in range(30)]
    text = json.dumps(records).encode()  # one line, no newline at its end
    data = tmp_path / "d"
    cmd = [sys.executable, "-m", "playlog", "ingest", "-", "--data", str(data), "--format",
           "json", "--user", "alice", "--no-enrich"]
    out = subprocess.run(cmd, input=gzip.compress(text), capture_output=True, check=True)
    summary = json.loads(out.stdout)
    assert (summary["records"], summary["sessions"]) == (30, 30)
    assert summary["formats"] == {"<stdin>": "spotify"}
    assert set(_sessions(data)["user_id"]) == {"alice"}


def test_a_cut_short_gzip_document_is_not_read_until_complete(tmp_path):
    records = [stream(f"2023-04-01T{h:02d}:{m:02d}:00Z", f"spotify:track:{h}{m}")
               for h in range(24) for m in range(60)]
    packed = gzip.compress(json.dumps(records, indent=2).encode())
    path = tmp_path / "Streaming_History_Audio_2023_0.json.gz"
    path.write_bytes(packed[: len(packed) // 2])
    data = tmp_path / "d"
    summary = run(path, data)
    assert "cut short" in summary.damaged[str(path)] and summary.records == 0
    assert summary.quarantined == 0 and not (data / "sessions").exists()
    path.write_bytes(packed)
    summary = run(path, data)
    assert (summary.records, summary.damaged) == (24 * 60, {})
