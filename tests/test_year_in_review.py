"""`playlog user` and `playlog report` over an imported history: a year in review."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest
from exports import SAMPLE
from logs import read, run
from typer.testing import CliRunner

from playlog.cli.app import app

YEAR = ["--from", "2023-01-01", "--to", "2024-01-01"]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    data = tmp_path_factory.mktemp("alice") / "data"
    run(SAMPLE, data, user="alice")
    return data


def _json(*args):
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _year(data) -> pl.DataFrame:
    start, end = datetime(2023, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    rows = read(data, "sessions").filter(pl.col("started_at").is_between(start, end,
                                                                         closed="left"))
    catalog = pl.read_parquet(data / "catalog" / "tracks.parquet")
    return rows.join(catalog.select("track_id", "title", "artist"), on="track_id", how="left")


def test_user_year_in_review_equals_the_stored_plays(imported):
    got = _json("user", "alice", "--data", str(imported), *YEAR)
    rows = _year(imported)
    assert got["tracks_played"] == rows.height
    assert got["total_listening_time_ms"] == rows["duration_played_ms"].sum()
    assert got["plays_with_unknown_duration"] == rows["duration_played_ms"].null_count() > 0
    ended = rows.filter(pl.col("ended"))
    assert got["skip_rate"] == pytest.approx(
        ended.filter(pl.col("skip_reason") == "user_skip").height / ended.height, abs=1e-6)
    artists = (rows.filter(pl.col("artist").is_not_null()).group_by("artist")
               .agg(ms=pl.col("duration_played_ms").sum(), plays=pl.len())
               .sort(["ms", "plays", "artist"], descending=[True, True, False]).head(10))
    assert [a["artist"] for a in got["top_artists"]] == artists["artist"].to_list()
    assert [a["total_duration_played_ms"] for a in got["top_artists"]] == artists["ms"].to_list()
    tracks = (rows.group_by("track_id").agg(ms=pl.col("duration_played_ms").sum(),
                                            plays=pl.len())
              .sort(["ms", "plays", "track_id"], descending=[True, True, False]).head(10))
    assert [t["track_id"] for t in got["top_tracks"]] == tracks["track_id"].to_list()
    assert all(t["title"] for t in got["top_tracks"])  # the catalog names them
    assert sum(got["plays_by_weekday"].values()) == rows.height
    assert got["first_activity"].startswith("2023-01-01")
    assert got["discovery_rate"] == pytest.approx(rows["track_id"].n_unique() / rows.height,
                                                  abs=1e-6)
    assert len(got["most_active_hours"]) == 3


def test_report_over_the_year(imported):
    got = _json("report", "--data", str(imported), *YEAR)
    rows = _year(imported)
    totals = got["totals"]
    assert sum(got["plays_by_day"].values()) == rows.height
    assert len(got["plays_by_day"]) == 365
    assert got["top_users"][0]["user_id"] == "alice"
    assert any(v for v in totals.values())
    top = got["top_tracks"][0]
    assert top["title"] is not None and top["artist"] is not None
