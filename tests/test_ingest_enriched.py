"""Ingest with the enrichment stage: stored columns, IP anonymisation, the catalog."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from logs import at, events, run, session, sessions, write_log
from playlog.cli.app import app

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")


def records() -> list[dict]:
    recs = session("s1", 0, end=2, user=None)  # okhttp from 81.2.69.142 (GB)
    recs += [dict(type="play", ts=at(5), session_id="s2", track_id="t2", duration_played_ms=1,
                  user_agent="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                  client_ip="8.8.8.8"),
             dict(type="play", ts=at(6), session_id="s3", track_id="t2", duration_played_ms=1,
                  platform="Embedded", user_agent="VLC/3.0.21 LibVLC/3.0.21")]
    recs.append(dict(type="event", ts=at(1), event_id="e1", event_type="view", user_agent=IPHONE,
                     client_ip="2001:4860:4860::8888", referrer="https://t.co/abc",
                     page_url="https://events.example.com/e/e1?utm_source=Newsletter&utm_medium=email"))
    return recs


def test_stored_rows_carry_the_enrichment_columns(tmp_path):
    data = tmp_path / "d"
    run(write_log(tmp_path / "a.jsonl", records()), data, enricher="auto")
    rows = {r["session_id"]: r for r in sessions(data).iter_rows(named=True)}
    assert (rows["s1"]["platform"], rows["s1"]["country"], rows["s1"]["is_bot"]) == ("mobile", "GB", False)
    assert rows["s2"]["is_bot"] is True and rows["s2"]["device_type"] == "bot"
    assert rows["s3"]["platform"] == "embedded"  # the record's own platform wins
    ev = events(data).row(0, named=True)
    assert (ev["platform"], ev["device_type"], ev["source"], ev["utm_medium"]) == (
        "web", "mobile", "newsletter", "email")
    assert ev["country"] == "US"


def test_anonymize_ip_keeps_prefixes_after_the_geo_lookup(tmp_path):
    data = tmp_path / "d"
    run(write_log(tmp_path / "a.jsonl", records()), data, enricher="auto", anonymize_ip=True)
    s1 = sessions(data).filter(pl.col("session_id") == "s1").row(0, named=True)
    assert s1["client_ip"] == "81.2.69.0" and s1["country"] == "GB"
    ev = events(data).row(0, named=True)
    assert ev["client_ip"] == "2001:4860:4860::" and ev["country"] == "US"
    plain = tmp_path / "plain"
    run(write_log(tmp_path / "a.jsonl", records()), plain, enricher="auto")
    # the anonymous listener key was computed from the full address, before anonymising
    assert s1["listener_key"] == sessions(plain).filter(pl.col("session_id") == "s1")["listener_key"].item()


def test_catalog_fills_missing_durations(tmp_path):
    data = tmp_path / "d"
    log = write_log(tmp_path / "a.jsonl", session("s1", 0, end=2, track="t0001", total=None, played=60_000))
    catalog = tmp_path / "tracks.csv"
    catalog.write_text("track_id,title,artist,duration_ms\nt0001,Night River,Echo Band,120000\n")
    result = CliRunner().invoke(app, ["ingest", str(log), "--data", str(data), "--catalog",
                                      str(catalog), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sessions"] == 1
    row = sessions(data).row(0, named=True)
    assert row["total_duration_ms"] == 120_000 and row["completion_percentage"] == 50.0


def test_sample_data_enriches_realistically(tmp_path):
    data = tmp_path / "d"
    run(SAMPLE / "logs", data, enricher="auto")
    stored = sessions(data)
    platforms = set(stored["platform"])
    assert {"web", "mobile", "desktop", "embedded"} <= platforms
    assert stored["is_bot"].sum() > 0 and stored["country"].null_count() < stored.height / 2
    assert set(events(data)["source"]) >= {"direct", "google", "facebook", "twitter"}
