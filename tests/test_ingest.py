"""Ingest: stored layout, sessions, idempotence, growing/rotated/truncated files."""

from __future__ import annotations

import gzip
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from logs import at, events, line, modified, read, run, session, sessions, write_log

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "logs"


def test_layout_is_hive_partitioned_parquet_with_utc_timestamps(tmp_path):
    log = write_log(tmp_path / "a.jsonl", session("s1", 0, end=3, played=180_000) + [
        dict(type="event", ts=at(1), event_id="ev1", event_type="view", time_on_page_ms=5000,
             metadata={"age_group": "25-34", "gender": "female"}),
    ])
    summary = run(log, tmp_path / "data")
    assert (summary.files, summary.records, summary.sessions, summary.events) == (1, 3, 1, 1)
    files = list((tmp_path / "data" / "sessions").glob("date=2026-11-20/part-*.parquet"))
    assert len(files) == 1
    schema = pq.read_schema(files[0])
    assert str(schema.field("started_at").type) == "timestamp[ms, tz=UTC]"
    assert "date" not in schema.names  # the partition column lives in the path
    row = sessions(tmp_path / "data").row(0, named=True)
    assert row["started_at"] == datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    assert row["last_update"] == datetime(2026, 11, 20, 12, 3, tzinfo=timezone.utc)
    assert row["ended"] is True and row["skip_reason"] is None
    assert row["completion_percentage"] == pytest.approx(90.0)
    assert row["listener_key"] == "u1"
    ev = events(tmp_path / "data").row(0, named=True)
    assert (ev["event_id"], ev["age_group"], ev["gender"]) == ("ev1", "25-34", "female")
    assert str(ev["date"]) == "2026-11-20"


def test_play_record_is_a_complete_session(tmp_path):
    log = write_log(tmp_path / "p.jsonl", [
        dict(type="play", ts=at(0), session_id="p1", track_id="t9", duration_played_ms=90_000,
             total_duration_ms=180_000, skip_reason="user_skip"),
    ])
    run(log, tmp_path / "d")
    row = sessions(tmp_path / "d").row(0, named=True)
    assert row["ended"] and row["skip_reason"] == "user_skip"
    assert row["last_update"] == datetime(2026, 11, 20, 12, 1, 30, tzinfo=timezone.utc)
    assert row["completion_percentage"] == pytest.approx(50.0)


def test_completion_is_unknown_when_no_record_reported_a_position(tmp_path):
    log = write_log(tmp_path / "p.jsonl", [
        dict(type="session_start", ts=at(0), session_id="quiet", track_id="t1",
             total_duration_ms=200_000),
        dict(type="session_end", ts=at(3), session_id="quiet"),
        dict(type="session_start", ts=at(0), session_id="heard", track_id="t1",
             total_duration_ms=200_000),
        dict(type="session_progress", ts=at(1), session_id="heard", duration_played_ms=30_000),
        dict(type="session_end", ts=at(3), session_id="heard", duration_played_ms=250_000),
    ])
    run(log, tmp_path / "d")
    rows = {r["session_id"]: r for r in sessions(tmp_path / "d").iter_rows(named=True)}
    assert rows["quiet"]["duration_played_ms"] is None
    assert rows["quiet"]["completion_percentage"] is None  # not 100: played is unknown
    assert rows["heard"]["completion_percentage"] == 100.0  # capped


def test_idle_sessions_time_out_by_event_time_and_late_records_update_them(tmp_path):
    data = tmp_path / "d"
    first = write_log(tmp_path / "1.jsonl", session("old", 0, progress=2) + session("new", 45, end=48))
    run(first, data)
    rows = {r["session_id"]: r for r in sessions(data).iter_rows(named=True)}
    assert rows["old"]["ended"] and rows["old"]["skip_reason"] == "timeout"
    assert rows["old"]["ended_at"] == rows["old"]["last_update"]
    # The real end arrives later: the session is updated, not duplicated.
    late = write_log(tmp_path / "2.jsonl", [
        dict(type="session_end", ts=at(2), session_id="old", duration_played_ms=70_000,
             skip_reason="user_skip")])
    run(late, data)
    stored = sessions(data)
    assert stored.height == 2
    old = stored.filter(pl.col("session_id") == "old").row(0, named=True)
    assert old["skip_reason"] == "user_skip" and old["duration_played_ms"] == 70_000


def test_open_sessions_are_kept_between_runs_and_closed_by_a_later_watermark(tmp_path):
    data = tmp_path / "d"
    run(write_log(tmp_path / "1.jsonl", session("a", 0, progress=1)), data)
    assert sessions(data).row(0, named=True)["ended"] is False
    run(write_log(tmp_path / "2.jsonl", session("b", 40, end=41)), data, timeout="30m")
    a = sessions(data).filter(pl.col("session_id") == "a").row(0, named=True)
    assert a["ended"] and a["skip_reason"] == "timeout"


def test_session_timeout_is_configurable(tmp_path):
    data = tmp_path / "d"
    recs = session("a", 0, progress=1) + session("b", 40, end=41)
    run(write_log(tmp_path / "1.jsonl", recs), data, timeout="2h")
    assert sessions(data).filter(pl.col("session_id") == "a")["ended"].item() is False


def test_reingesting_the_same_file_changes_nothing(tmp_path):
    data = tmp_path / "d"
    summary = run(SAMPLE, data)
    before = (sessions(data), events(data), read(data, "progress").height)
    again = run(SAMPLE, data)
    assert (again.records, again.sessions, again.events) == (0, 0, 0)
    copy = tmp_path / "copy"
    shutil.copytree(SAMPLE, copy)  # the same content under other names
    third = run(copy, data)
    assert third.records == 0
    assert sessions(data).equals(before[0]) and events(data).equals(before[1])
    assert read(data, "progress").height == before[2]
    assert summary.quarantined == 8


def test_a_growing_file_contributes_only_its_new_lines(tmp_path):
    data, log = tmp_path / "d", tmp_path / "live.jsonl"
    recs = session("s1", 0, end=2, progress=2) + session("s2", 1, end=5, progress=3)
    write_log(log, recs[:3])
    assert run(log, data).records == 3
    write_log(log, recs[3:], mode="a")
    assert run(log, data).records == len(recs) - 3
    one_shot = tmp_path / "one"
    run(write_log(tmp_path / "all.jsonl", recs), one_shot)
    assert sessions(data).equals(sessions(one_shot))


def test_a_partial_last_line_waits_for_the_next_run(tmp_path):
    data, log = tmp_path / "d", tmp_path / "live.jsonl"
    full = line(type="event", ts=at(0), event_id="e1", event_type="view")
    second = line(type="event", ts=at(1), event_id="e1", event_type="click")
    log.write_text(full + "\n" + second[:20])
    modified(log)  # just now: the writer may be mid-line
    assert run(log, data).records == 1
    with log.open("a") as fh:
        fh.write(second[20:] + "\n")
    summary = run(log, data)
    assert (summary.records, summary.quarantined) == (1, 0)
    assert sorted(events(data)["event_type"]) == ["click", "view"]


def test_rotated_and_compressed_copies_are_recognised(tmp_path):
    data, logs = tmp_path / "d", tmp_path / "logs"
    recs = [dict(type="event", ts=at(i), event_id="e1", event_type="view") for i in range(10)]
    write_log(logs / "app.log", recs[:6])
    run(logs, data)
    # the writer appends two more lines, then logrotate renames and compresses
    write_log(logs / "app.log", recs[6:8], mode="a")
    raw = (logs / "app.log").read_bytes()
    (logs / "app.log").unlink()
    (logs / "app.log.1.gz").write_bytes(gzip.compress(raw))
    write_log(logs / "app.log", recs[8:])
    summary = run(logs, data)
    assert summary.records == 4  # two from the rotated tail, two from the new file
    assert events(data).height == 10 and summary.duplicates == 0


def test_a_truncated_file_is_read_again_without_double_counting(tmp_path):
    data, log = tmp_path / "d", tmp_path / "app.jsonl"
    recs = [dict(type="event", ts=at(i), event_id="e1", event_type="view") for i in range(6)]
    write_log(log, recs)
    run(log, data)
    write_log(log, recs[:2])  # truncated and rewritten: same first line, shorter
    summary = run(log, data)
    assert summary.records == 2 and summary.duplicates == 2 and summary.events == 0
    write_log(log, recs[:2] + [dict(type="event", ts=at(30), event_id="e2", event_type="share")])
    summary = run(log, data)
    assert summary.events == 1
    assert events(data).height == 7


def test_duplicate_records_in_different_files_count_once(tmp_path):
    data = tmp_path / "d"
    rec = dict(type="event", ts=at(0), event_id="e1", event_type="view", user_id="u1")
    prog = dict(type="session_progress", ts=at(1), session_id="s", duration_played_ms=1, bytes_sent=9)
    write_log(tmp_path / "a.jsonl", [rec, prog, dict(rec, event_type="click")])
    write_log(tmp_path / "b.jsonl", [dict(type="event", ts=at(5), event_id="x", event_type="view"),
                                    rec, prog])
    summary = run([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], data)
    assert summary.events == 3 and summary.duplicates == 2
    assert read(data, "progress")["bytes_sent"].sum() == 9


def test_gzip_and_folder_discovery(tmp_path):
    logs = tmp_path / "logs"
    write_log(logs / "a.jsonl.gz", session("s1", 0, end=1), gz=True)
    write_log(logs / "sub" / "b.log.2.gz", session("s2", 0, end=1), gz=True)
    write_log(logs / "notes.txt", ["not a log"])
    write_log(logs / ".hidden.jsonl", session("s3", 0, end=1))
    summary = run(logs, tmp_path / "d")
    assert summary.files == 2 and summary.sessions == 2


def test_anonymous_listener_key_is_a_salted_hash(tmp_path):
    data = tmp_path / "d"
    run(write_log(tmp_path / "a.jsonl", session("s1", 0, end=1, user=None)), data, fixed_salt=False)
    key = sessions(data)["listener_key"].item()
    assert key.startswith("anon:") and "81.2.69.142" not in key
    salt = (data / "state" / "salt").read_text().strip()
    assert len(salt) == 64 and oct(os.stat(data / "state" / "salt").st_mode)[-3:] == "600"
    other = tmp_path / "other"
    run(write_log(tmp_path / "b.jsonl", session("s1", 0, end=1, user=None)), other, fixed_salt=False)
    assert sessions(other)["listener_key"].item() != key  # another salt, another key
