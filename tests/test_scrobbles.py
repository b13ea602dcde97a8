"""Scrobble exports become ended play sessions: Last.fm, ListenBrainz, Maloja, Rockbox
(docs/formats.md), and the sample exports of one listener."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
from exports import SAMPLE, write_json
from logs import read, run


def _rows(data):
    return read(data, "sessions").sort("started_at")


def _catalog(data):
    return pl.read_parquet(data / "catalog" / "tracks.parquet")


LASTFM = """uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid
"1669812473","30 Nov 2022, 12:47","Brick & Mortar","","Concrete","","Scaffold",""
"1669812335","30 Nov 2022, 12:45","Delta Freight","b10bbbfc","Gulf Coast","","Slow River",""
"1669812100","30 Nov 2022, 12:41","Ellis & The Foxes","","","","Fox Run, Part 2",""
"0","01 Jan 1970, 00:00","Mara Quell","","","","Kept Time",""
"1669812000","30 Nov 2022, 12:40","","","","","Untitled",""
"1669811000","30 Nov 2022, "broken
"""


def test_lastfm_export_with_header(tmp_path):
    path = tmp_path / "scrobbles-alice-1669852800.csv"
    path.write_text(LASTFM)
    summary = run(path, tmp_path / "data", user="alice")
    assert summary.formats[str(path)] == "lastfm"
    assert summary.quarantine_reasons == {"timestamp 0 (no time)": 1, "no track": 1,
                                          "malformed CSV line": 1}
    rows = _rows(tmp_path / "data")
    assert rows.height == 3 and set(rows["user_id"]) == {"alice"}
    assert rows["started_at"].to_list()[-1] == datetime(2022, 11, 30, 12, 47, 53, tzinfo=UTC)
    assert rows["duration_played_ms"].null_count() == 3  # Last.fm keeps no durations
    assert rows["skip_reason"].null_count() == 3 and rows["ended"].all()
    titles = set(_catalog(tmp_path / "data")["title"])
    assert titles == {"Scaffold", "Slow River", "Fox Run, Part 2"}


def test_lastfm_api_dump_and_headerless_shapes_share_track_ids(tmp_path):
    dump = tmp_path / "lastfm_scrobbles.csv"
    dump.write_text(",artist,album,track,timestamp,datetime\n"
                    "0,Nirvana,In Utero,Rape Me,1602591111,2020-10-13 12:11:51\n"
                    '1,Mischief Brew,Bacchanal,"Fare Well, Good Fellows",1602585106,'
                    "2020-10-13 10:31:46\n")
    plain = tmp_path / "exported_tracks.csv"
    plain.write_text('NIRVANA,In Utero,rape me,"13 Oct 2019, 12:11"\n'
                     'Deftones,Ohms,Error,"01 Apr 2021, 10:21"\n')
    summary = run([dump, plain], tmp_path / "data")
    assert set(summary.formats.values()) == {"lastfm"} and summary.quarantined == 0
    rows = _rows(tmp_path / "data")
    assert rows.height == 4
    # the same artist and title in any case are one track
    assert rows["track_id"].n_unique() == 3
    assert rows["started_at"].to_list()[0] == datetime(2019, 10, 13, 12, 11, tzinfo=UTC)


def test_listenbrainz_lines_and_array(tmp_path):
    listens = [
        {"listened_at": 1704103200, "inserted_at": 1704103500,
         "track_metadata": {"artist_name": "Hana Mori", "track_name": "Neon Koi",
                            "release_name": "Neon Koi",
                            "additional_info": {"duration_ms": 241000,
                                                "submission_client": "Strawberry"},
                            "recording_msid": "4f1e5a", "mbid_mapping": None}},
        {"listened_at": 1704103500.0, "user_name": "hana_fan",
         "track_metadata": {"artist_name": "Hana Mori", "track_name": "Shibuya Rain",
                            "additional_info": {"duration": 198}}},
        {"listened_at": 1704104000, "track_metadata": {"artist_name": "Hana Mori",
                                                       "track_name": "Ramen at 3am"}},
    ]
    folder = tmp_path / "listens" / "2024"
    folder.mkdir(parents=True)
    lines = folder / "1.jsonl"
    lines.write_text("\n".join(json.dumps(x) for x in listens) + "\nnot json\n")
    array = write_json(tmp_path / "listens.json", listens)
    summary = run([lines], tmp_path / "a", user="alice")
    assert summary.formats[str(lines)] == "listenbrainz"
    assert summary.quarantine_reasons == {"not a JSON object": 1}
    rows = _rows(tmp_path / "a")
    assert rows["user_id"].to_list() == ["alice", "hana_fan", "alice"]
    # a listen's played duration is the track's length when it names one
    assert rows["duration_played_ms"].to_list() == [241000, 198000, None]
    assert rows["completion_percentage"].to_list()[:2] == [100.0, 100.0]
    summary = run([array], tmp_path / "b", user="alice")
    assert summary.formats[str(array)] == "listenbrainz_json"
    assert _rows(tmp_path / "b").equals(rows)  # the same listens, the same sessions


def test_maloja_export(tmp_path):
    export = {"maloja": {"export_time": 1709283600}, "scrobbles": [
        {"time": 1706781600, "track": {"artists": ["Juno Reyes", "Kofi Mensah Trio"],
                                       "title": "Mercado", "album": {"albumtitle": "Solstice"},
                                       "length": 233}, "duration": 120, "origin": "client:x"},
        {"time": 1706782000, "track": {"artists": ["Juno Reyes"], "title": "Agua",
                                       "album": None, "length": 201},
         "duration": None, "origin": "client:navidrome"},
        {"time": 1706783000, "track": {"artists": ["Juno Reyes"], "title": "Late Train",
                                       "length": None}, "duration": None},
    ]}
    path = write_json(tmp_path / "maloja_export_2024_03_01_09_00_00.json", export, indent=3)
    summary = run(path, tmp_path / "data")
    assert summary.formats[str(path)] == "maloja" and summary.quarantined == 0
    rows = _rows(tmp_path / "data")
    assert rows["duration_played_ms"].to_list() == [120000, 201000, None]
    assert rows["total_duration_ms"].to_list() == [233000, 201000, None]
    artists = set(_catalog(tmp_path / "data")["artist"])
    assert "Juno Reyes, Kofi Mensah Trio" in artists


def test_rockbox_scrobbler_log_in_local_time(tmp_path, monkeypatch):
    log = tmp_path / "player" / ".scrobbler.log"
    log.parent.mkdir()
    log.write_text("#AUDIOSCROBBLER/1.1\n#TZ/UNKNOWN\n#CLIENT/Rockbox ipod6g 3.15\n"
                   "Metallica\tMetallica\tEnter Sandman\t1\t365\tL\t1143374412\t62c2e20a\n"
                   "Portishead\tDummy\tCowboys\t2\t300\tS\t1143374777\t\n"
                   "# FAILED - Portishead\tDummy\n"
                   "Portishead\tDummy\tRoads\t3\t305\tX\t1143375077\t\n")
    monkeypatch.setenv("PLAYLOG_TZ", "Europe/Paris")
    summary = run(tmp_path / "player", tmp_path / "data")  # the hidden log is found
    assert summary.formats == {str(log): "rockbox"}
    assert summary.quarantine_reasons == {"entry marked FAILED by the player": 1,
                                          "rating is not L or S": 1}
    rows = _rows(tmp_path / "data")
    # 12:00:12 on the player's clock, in Paris (UTC+2 that day)
    assert rows["started_at"].to_list()[0] == datetime(2006, 3, 26, 10, 0, 12, tzinfo=UTC)
    assert rows["skip_reason"].to_list() == [None, "user_skip"]
    assert rows["duration_played_ms"].to_list() == [365000, None]


def test_scrobble_durations_come_from_the_catalog_in_any_order(tmp_path):
    """A scrobble without a played duration plays its track's length, wherever the run
    learns it (a catalog CSV, or another export of the same run); else it stays unknown."""
    lfm = tmp_path / "scrobbles.csv"
    lfm.write_text('uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n'
                   '"1700000000","14 Nov 2023, 22:13","Nils Frahm","","Spaces","","Says",""\n'
                   '"1700000600","14 Nov 2023, 22:23","Nils Frahm","","","","Ode",""\n')
    lb = tmp_path / "listens.jsonl"
    lb.write_text(json.dumps({"listened_at": 1600000000, "track_metadata": {
        "artist_name": "nils frahm", "track_name": "Says",
        "additional_info": {"duration_ms": 482000}}}) + "\n")
    run([lfm, lb], tmp_path / "data", user="al")
    rows = _rows(tmp_path / "data")
    played = dict(zip(rows["started_at"].dt.year(), rows["duration_played_ms"]))
    assert rows["duration_played_ms"].to_list() == [482000, 482000, None]
    assert played[2020] == 482000


def test_catalog_rows_are_filled_not_overwritten(tmp_path):
    from playlog.catalog import import_catalog

    data = tmp_path / "data"
    csv = tmp_path / "tracks.csv"
    csv.write_text("track_id,title,genre,duration_ms\n"
                   "spotify:track:4uLU6hMCjMI75M1A2tKUQC,Harbour Lights (Remaster),folk,212000\n")
    import_catalog(csv, data)
    from exports import stream

    path = write_json(tmp_path / "h.json", [stream("2023-05-14T18:04:05Z")])
    run(path, data)
    row = _catalog(data).row(0, named=True)
    assert row["title"] == "Harbour Lights (Remaster)" and row["genre"] == "folk"
    assert row["artist"] == "Nordic Tides" and row["album"] == "Low Sun"
    assert _rows(data)["completion_percentage"].to_list() == [100.0]


def test_the_sample_exports(tmp_path):
    data = tmp_path / "data"
    summary = run(SAMPLE, data, user="alice")
    assert set(summary.formats.values()) == {"lastfm", "listenbrainz", "maloja", "rockbox",
                                             "spotify", "spotify_account"}
    assert summary.quarantine_reasons == {"timestamp 0 (no time)": 1}
    rows = read(data, "sessions")
    assert summary.records == rows.height + summary.duplicates + summary.quarantined
    assert summary.duplicates > 0  # endsong_0.json overlaps the 2023 history
    assert set(rows["user_id"]) == {"alice"}
    again = run(SAMPLE, data, user="alice")
    assert again.records == 0 and read(data, "sessions").height == rows.height
