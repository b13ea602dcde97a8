"""Plays without a known played duration (scrobbles of tracks of unknown length) are
counted as plays, left out of listening times, and every report says how many there are
(docs/metrics.md#unknown-durations)."""

from __future__ import annotations

import json

from exports import stream, write_json
from logs import run
from typer.testing import CliRunner

from playlog.cli.app import app

LASTFM = """uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid
"1685959200","05 Jun 2023, 10:00","Nordic Tides","","Low Sun","","Harbour Lights",""
"1685959500","05 Jun 2023, 10:05","Delta Freight","","Gulf Coast","","Slow River",""
"1685959800","05 Jun 2023, 10:10","Delta Freight","","Gulf Coast","","Slow River",""
"""
WINDOW = ["--from", "2023-06-01", "--to", "2023-07-01"]


def _store(tmp_path, *, scrobbles: bool = True):
    data = tmp_path / "data"
    paths = [write_json(tmp_path / "Streaming_History_Audio_2023_0.json", [
        stream("2023-06-05T09:00:00Z", ms=200_000), stream("2023-06-05T09:05:00Z", ms=100_000)])]
    if scrobbles:
        (tmp_path / "scrobbles.csv").write_text(LASTFM)
        paths.append(tmp_path / "scrobbles.csv")
    run(paths, data, user="alice")
    return data


def _json(data, *args):
    result = CliRunner().invoke(app, [*args, *WINDOW, "--data", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


NOTE = "3 of the 5 plays have no known played duration"


def test_every_report_says_how_many_plays_have_no_known_duration(tmp_path):
    data = _store(tmp_path)
    user = _json(data, "user", "alice")
    assert (user["tracks_played"], user["total_listening_time_ms"]) == (5, 300_000)
    assert user["plays_with_unknown_duration"] == 3
    report = _json(data, "report")
    assert report["totals"]["total_plays"] == 5
    assert report["totals"]["total_duration_played_ms"] == 300_000
    top = _json(data, "top-tracks")
    artists = _json(data, "top-artists")
    for answer in (user, report, top, artists):
        assert any(note.startswith(NOTE) for note in answer["notes"]), answer["notes"]
    river = next(t for t in top["top_tracks"] if t["title"] == "Slow River")
    track = _json(data, "track", river["track_id"])
    assert (track["total_plays"], track["total_duration_played_ms"]) == (2, 0)
    assert track["notes"][0].startswith("2 of the 2 plays have no known played duration")
    table = CliRunner().invoke(app, ["report", *WINDOW, "--data", str(data), "--format", "table"]).stdout
    assert f"Note: {NOTE}" in " ".join(table.split())


def test_no_note_when_every_duration_is_known(tmp_path):
    data = _store(tmp_path, scrobbles=False)
    for args in (["user", "alice"], ["report"], ["top-tracks"], ["top-artists"]):
        assert _json(data, *args)["notes"] == [], args
