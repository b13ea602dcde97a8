"""Cleanup, archive, IP anonymisation and compaction; roll-ups that outlive raw rows."""

from __future__ import annotations

import hashlib
import json
import os
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest
from logs import T0, events, iso, read, run, sessions, write_log
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.config import load_settings
from playlog.retention import cleanup, compact
from playlog.store import rollups, transaction
from playlog.store.reader import connect

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=timezone.utc)
DAYS = 10


def traffic(seed: int = 7, per_day: int = 400) -> list[dict]:
    """Ten days of sessions and event-page records ending at T0's day."""
    rng = random.Random(seed)
    recs = []
    for d in range(DAYS):
        day = T0 - timedelta(days=DAYS - 1 - d)
        for n in range(per_day):
            start = day + timedelta(minutes=rng.randrange(0, 600))
            sid = f"s{d}-{n}"
            user = f"u{rng.randrange(3000)}" if rng.random() < 0.8 else None
            first = dict(type="session_start", ts=iso(start), session_id=sid,
                         track_id=f"t{rng.randrange(30)}", total_duration_ms=200_000,
                         client_ip=f"81.2.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                         user_agent="okhttp/4.12.0", quality=rng.choice(["high", "low"]))
            if user:
                first["user_id"] = user
            recs.append(first)
            recs.append(dict(type="session_end", ts=iso(start + timedelta(minutes=3)),
                             session_id=sid, duration_played_ms=rng.randrange(1000, 200_000),
                             skip_reason=rng.choice([None, "user_skip", "network_error"])))
            recs.append(dict(type="event", ts=iso(start), event_id=f"ev{rng.randrange(5)}",
                             event_type=rng.choice(["view", "view", "click"]),
                             session_id=f"w{rng.randrange(5000)}",
                             client_ip=f"2.4.{rng.randrange(256)}.9"))
    return [{k: v for k, v in r.items() if v is not None} for r in recs]


@pytest.fixture
def store(tmp_path):
    data = tmp_path / "data"
    run(write_log(tmp_path / "logs" / "all.jsonl", traffic()), data, enricher="auto")
    return data


def totals(data) -> dict:
    """Per-day totals from the roll-ups (what reports fall back on)."""
    con = connect(data)
    plays = con.sql("SELECT CAST(hour AS DATE) AS day, sum(plays) AS plays, sum(listening_ms) AS ms, "
                    "sum(skipped) AS skipped, sum(errored) AS errored FROM rollup_plays "
                    "GROUP BY 1 ORDER BY 1").pl()
    ev = con.sql("SELECT CAST(hour AS DATE) AS day, event_type, sum(records) AS n FROM rollup_events "
                 "GROUP BY ALL ORDER BY ALL").pl()
    listeners = con.sql(rollups.estimate_sql(
        "SELECT key, reg, rho FROM rollup_sketches WHERE scope = 'listeners' AND key = ''"
    )).fetchall()[0][1]
    visitors = con.sql(rollups.estimate_sql(
        "SELECT key, reg, rho FROM rollup_sketches WHERE scope = 'visitors' AND key = ''"
    )).fetchall()[0][1]
    return {"plays": plays, "events": ev, "listeners": listeners, "visitors": visitors}


def test_rollups_match_the_raw_rows(store):
    s, e = sessions(store), events(store)
    t = totals(store)
    assert t["plays"]["plays"].sum() == s.height
    assert t["plays"]["ms"].sum() == s["duration_played_ms"].sum()
    assert t["plays"]["skipped"].sum() == (s["skip_reason"] == "user_skip").sum()
    assert t["events"]["n"].sum() == e.height
    exact_listeners = s["listener_key"].n_unique()
    assert abs(t["listeners"] - exact_listeners) / exact_listeners < 0.02
    views = e.filter(pl.col("event_type") == "view")
    exact_visitors = views.select(pl.coalesce("user_id", "session_id", "anon_key")).n_unique()
    assert abs(t["visitors"] - exact_visitors) / exact_visitors < 0.02


def test_rollups_hold_no_raw_user_id_or_ip(store):
    text = "".join(
        str(read(store, name).to_dicts()) for name in
        ("rollup_plays", "rollup_users", "rollup_events", "rollup_sketches")
    )
    assert "u1" not in text.replace("user_key", "") and "81.2." not in text and "2.4." not in text


def test_cleanup_keeps_totals_and_unique_counts(store):
    before = totals(store)
    result = cleanup(load_settings(data=store), older_than=timedelta(days=4), now=NOW)
    assert result.raw_from == "2026-11-17"
    assert sessions(store)["date"].min().isoformat() == "2026-11-17"
    after = totals(store)
    assert after["plays"].equals(before["plays"]) and after["events"].equals(before["events"])
    assert after["listeners"] == before["listeners"] and after["visitors"] == before["visitors"]


def _snapshot(data) -> dict:
    """Every file and its modification time, but the lock file (taken by every run)."""
    return {p: p.stat().st_mtime_ns for p in data.rglob("*") if p.name != ".lock"}


def test_dry_run_changes_nothing(store):
    snapshot = _snapshot(store)
    result = cleanup(load_settings(data=store), older_than=timedelta(days=4),
                     anonymize_ip_after=timedelta(days=2), dry_run=True, now=NOW)
    assert result.bytes_freed > 0 and {a.action for a in result.actions} >= {"delete", "anonymize"}
    assert _snapshot(store) == snapshot


def test_anonymised_days_hold_no_full_ip_and_late_records_follow(store, tmp_path):
    cleanup(load_settings(data=store), anonymize_ip_after=timedelta(days=3),
            drop_user_agents=True, now=NOW)
    old = sessions(store).filter(pl.col("date") < datetime(2026, 11, 18).date())
    assert old.height and old["client_ip"].str.ends_with(".0").all()
    assert old["user_agent"].is_null().all()
    assert old["country"].drop_nulls().len() > 0  # the place found before anonymising stays
    recent = sessions(store).filter(pl.col("date") >= datetime(2026, 11, 18).date())
    assert not recent["client_ip"].str.ends_with(".0").all()
    late = write_log(tmp_path / "late.jsonl", [dict(type="event", ts="2026-11-13T10:00:00Z",
                                                    event_id="ev1", event_type="view",
                                                    client_ip="90.12.33.44",
                                                    user_agent="Mozilla/5.0 late")])
    run(late, store)
    stored = events(store).filter(pl.col("client_ip").str.starts_with("90.12.33."))
    assert stored["client_ip"].to_list() == ["90.12.33.0"]
    assert stored["user_agent"].to_list() == [None]


def test_archive_moves_days_and_reingest_is_not_double_counted(store, tmp_path):
    archive = tmp_path / "archive"
    before = totals(store)
    cleanup(load_settings(data=store), older_than=timedelta(days=4), archive=archive, now=NOW)
    moved = read(archive, "sessions")
    assert moved.height == 6 * 400 and moved["date"].max().isoformat() == "2026-11-16"
    # the same logs read again (ledger forgotten): old records are not counted twice
    (store / "state" / "ledger.json").unlink()
    summary = run(tmp_path / "logs", store)
    assert summary.quarantined == 6 * 400 * 3
    assert totals(store)["plays"].equals(before["plays"])
    reasons = set(read(store, "quarantine")["reason"])
    assert reasons == {"before the retained period (raw data kept from 2026-11-17)"}


def test_cleanup_twice_is_harmless(store):
    settings = load_settings(data=store)
    cleanup(settings, older_than=timedelta(days=4), anonymize_ip_after=timedelta(days=2), now=NOW)
    first = (sessions(store), events(store), totals(store)["plays"])
    second = cleanup(settings, older_than=timedelta(days=4), anonymize_ip_after=timedelta(days=2),
                     now=NOW)
    assert second.actions == []
    assert sessions(store).equals(first[0]) and events(store).equals(first[1])


def test_compaction_merges_files_and_changes_no_answer(tmp_path):
    data = tmp_path / "d"
    recs = traffic(per_day=30)
    for n in range(0, len(recs), 40):  # many small runs, as cron does
        run(write_log(tmp_path / f"part{n}.jsonl", recs[n:n + 40]), data)
    assert len(list((data / "events").glob("date=2026-11-20/*.parquet"))) > 1
    before = (sessions(data), events(data), read(data, "progress").height, totals(data))
    result = compact(load_settings(data=data))
    assert {a.action for a in result.actions} == {"compact"}
    for dataset in ("sessions", "events"):
        for day in (data / dataset).glob("date=*"):
            assert len(list(day.glob("*.parquet"))) == 1
    assert sessions(data).equals(before[0]) and events(data).equals(before[1])
    assert totals(data)["plays"].equals(before[3]["plays"])


def test_compact_speaks_of_compacting(tmp_path):
    data = tmp_path / "d"
    recs = traffic(per_day=30)
    for n in range(0, 120, 40):
        run(write_log(tmp_path / f"part{n}.jsonl", recs[n:n + 40]), data)
    args = ["compact", "--data", str(data)]
    dry = CliRunner().invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0 and "compact: " in dry.stdout and "would merge" in dry.stdout
    done = CliRunner().invoke(app, args)
    again = CliRunner().invoke(app, args)
    assert "compact: merged" in done.stdout
    assert again.stdout.strip() == "compact: nothing to do (no day has more than one file)"
    assert "cleanup" not in dry.stdout + done.stdout + again.stdout


def test_a_killed_cleanup_leaves_every_day_old_or_new(store, monkeypatch):
    before = sessions(store)

    def die(layout, journal):
        for tmp, final in journal["add"][:1]:
            os.replace(tmp, final)
        for path in journal["remove"][:3]:
            Path(path).unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(transaction, "apply_journal", die)
    with pytest.raises(KeyboardInterrupt):
        cleanup(load_settings(data=store), older_than=timedelta(days=4), now=NOW)
    monkeypatch.undo()
    run([], store)  # the next run under the lock finishes the cleanup
    assert not (store / "state" / "journal.json").exists()
    after = sessions(store)
    kept = before.filter(pl.col("date") >= datetime(2026, 11, 17).date())
    assert after.equals(kept)


def test_cleanup_command_reads_defaults_from_the_config_file(store, tmp_path, monkeypatch):
    config = tmp_path / "playlog.toml"
    config.write_text(f'data = "{store}"\n[cleanup]\nolder_than = "3650d"\n'
                      'anonymize_ip_after = "1d"\n')
    monkeypatch.setenv("PLAYLOG_CONFIG", str(config))
    result = CliRunner().invoke(app, ["cleanup", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["raw_from"] < "2017-01-01" and out["anonymized_before"] == "2026-11-20"
    bad = CliRunner().invoke(app, ["cleanup", "--older-than", "soon"])
    assert bad.exit_code == 2 and "--older-than" in bad.stderr


def test_sketch_estimates_stay_within_two_percent_at_scale():
    con = duckdb.connect()
    reg, rho = rollups.register_sql("v")
    for n in (1_000, 50_000, 165_000, 180_000, 400_000):
        est = con.sql(rollups.estimate_sql(
            f"SELECT 'k' AS key, {reg} AS reg, {rho} AS rho "
            f"FROM (SELECT 'listener-' || range AS v FROM range({n}))")).fetchall()[0][1]
        assert abs(est - n) / n < 0.02, (n, est)


def test_register_hash_is_stable():
    # md5-based (bytes 8-15 of the digest, little-endian), not an engine-specific hash
    con = duckdb.connect()
    reg, rho = rollups.register_sql("'u42'")
    got = con.sql(f"SELECT {reg}, {rho}").fetchall()[0]
    value = int.from_bytes(hashlib.md5(b"u42").digest()[8:], "little")
    rest = value & ((1 << 48) - 1)
    assert got == (value >> 48, 48 - rest.bit_length() + 1)


def report_json(data, *args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--data", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.02 * max(a, b)


WINDOW = ("--from", "2026-11-11", "--to", "2026-11-21")


def test_reports_over_deleted_days_answer_from_rollups(store):
    before = {
        "report": report_json(store, "report", *WINDOW),
        "tracks": report_json(store, "top-tracks", *WINDOW, "--limit", "5"),
        "events": report_json(store, "top-events", *WINDOW, "--limit", "5"),
        "track": report_json(store, "track", "t3", *WINDOW),
    }
    cleanup(load_settings(data=store), older_than=timedelta(days=4), now=NOW)
    after = {
        "report": report_json(store, "report", *WINDOW),
        "tracks": report_json(store, "top-tracks", *WINDOW, "--limit", "5"),
        "events": report_json(store, "top-events", *WINDOW, "--limit", "5"),
        "track": report_json(store, "track", "t3", *WINDOW),
    }
    b, a = before["report"], after["report"]
    for key in ("total_plays", "total_duration_played_ms", "skip_rate", "error_rate"):
        assert a["totals"][key] == b["totals"][key], key
    assert a["totals"]["average_completion_rate"] == pytest.approx(b["totals"]["average_completion_rate"])
    assert close(a["totals"]["unique_listeners"], b["totals"]["unique_listeners"])
    for key in ("plays_by_day", "listening_time_by_day", "plays_by_hour", "plays_by_weekday_hour",
                "platform_distribution",
                "quality_distribution", "geographic_distribution", "traffic_sources", "device_types"):
        assert a[key] == b[key], key
    for key, value in b["events"].items():
        if key == "total_unique_views":
            assert close(a["events"][key], value)
        else:
            assert a["events"][key] == value
    strip = lambda rows, skip: [{k: v for k, v in r.items() if k not in skip} for r in rows]  # noqa: E731
    tracks_a, tracks_b = after["tracks"]["top_tracks"], before["tracks"]["top_tracks"]
    assert strip(tracks_a, {"unique_listeners"}) == strip(tracks_b, {"unique_listeners"})
    assert all(close(x["unique_listeners"], y["unique_listeners"])
               for x, y in zip(tracks_a, tracks_b))
    events_a, events_b = after["events"]["top_events"], before["events"]["top_events"]
    # visit metrics (bounce rate, the funnel) count the raw records that remain
    visits = {"total_unique_views", "bounce_rate", "view_to_click_rate", "click_to_ticket_rate",
              "view_to_ticket_rate", "avg_time_on_page_seconds"}
    assert strip(events_a, visits) == strip(events_b, visits)
    assert all(x["avg_time_on_page_seconds"] == pytest.approx(y["avg_time_on_page_seconds"])
               for x, y in zip(events_a, events_b))
    t_b, t_a = before["track"], after["track"]
    for key in ("total_plays", "total_duration_played_ms", "plays_by_day", "plays_by_hour", "skip_rate",
                "quality_distribution", "platform_distribution", "peak_listening_hour"):
        assert t_a[key] == t_b[key], key
    assert close(t_a["unique_listeners"], t_b["unique_listeners"])
    # top users are known by a pseudonymous key once raw rows are gone
    assert all(u["user_id"].startswith("key:") for u in a["top_users"])
    assert ([u["total_listening_time_ms"] for u in a["top_users"]]
            == [u["total_listening_time_ms"] for u in b["top_users"]])


def test_windows_within_the_raw_days_stay_exact(store):
    window = ("--from", "2026-11-18", "--to", "2026-11-21")
    before = report_json(store, "report", *window)
    cleanup(load_settings(data=store), older_than=timedelta(days=4), now=NOW)
    after = report_json(store, "report", "--from", "2026-11-18", "--to", "2026-11-21")
    assert after["totals"] == before["totals"]  # exact distinct counts: the raw rows are there


def test_event_page_report_over_deleted_days(store):
    before = report_json(store, "event", "ev2", "--until", "2026-11-21")
    cleanup(load_settings(data=store), older_than=timedelta(days=4), now=NOW)
    after = report_json(store, "event", "ev2", "--until", "2026-11-21")
    for key in ("total_views", "total_clicks", "total_shares", "total_favorites", "views_24h",
                "views_7d", "views_30d", "clicks_24h", "peak_hour", "peak_day", "traffic_sources",
                "device_types"):
        assert after[key] == before[key], key
    for key in ("total_unique_views", "unique_views_7d", "unique_views_30d"):
        assert close(after[key], before[key]), key
    assert after["avg_time_on_page_seconds"] == pytest.approx(before["avg_time_on_page_seconds"])
    assert after["first_view_at"][:13] == before["first_view_at"][:13]  # to the hour
    assert after["last_view_at"] == before["last_view_at"]


def test_user_report_over_deleted_days(store):
    user = sessions(store).filter(pl.col("user_id").is_not_null())["user_id"].mode()[0]
    before = report_json(store, "user", user, "--until", "2026-11-21")
    cleanup(load_settings(data=store), older_than=timedelta(days=4), now=NOW)
    after = report_json(store, "user", user, "--until", "2026-11-21")
    for key in ("total_listening_time_ms", "tracks_played", "average_session_duration_ms",
                "device_preferences", "quality_preference", "most_active_hours", "last_activity"):
        assert after[key] == before[key], key
    assert after["unique_tracks"] == before["unique_tracks"]  # a handful: the sketch is exact
    for key in ("average_skip_time_ms", "completion_rate", "peak_listening_hour",
                "weekend_vs_weekday_ratio"):
        assert after["listening_patterns"][key] == pytest.approx(before["listening_patterns"][key])


def test_cleanup_builds_missing_rollups_once(store):
    import shutil

    before = totals(store)
    for name in ("rollup_plays", "rollup_users", "rollup_events", "rollup_sketches"):
        shutil.rmtree(store / name)  # a store from before roll-ups existed
    cleanup(load_settings(data=store), older_than=timedelta(days=4), now=NOW)
    after = totals(store)
    old = lambda t: t.filter(pl.col("day") < datetime(2026, 11, 17).date())  # noqa: E731
    assert old(after["plays"]).equals(old(before["plays"]))
    assert old(after["events"]).equals(old(before["events"]))


def test_readers_see_an_interrupted_commit_as_it_will_be(tmp_path, monkeypatch):
    data = tmp_path / "d"
    recs = traffic(per_day=20)
    for n in range(0, len(recs), 60):
        run(write_log(tmp_path / f"p{n}.jsonl", recs[n:n + 60]), data)
    exact = connect(data).sql("SELECT count(*) FROM events").fetchall()[0][0]

    def renames_only(layout, journal):
        for tmp, final in journal["add"]:
            os.replace(tmp, final)
        raise KeyboardInterrupt  # killed before the old files were removed

    monkeypatch.setattr(transaction, "apply_journal", renames_only)
    with pytest.raises(KeyboardInterrupt):
        compact(load_settings(data=data))
    assert (data / "state" / "journal.json").exists()
    assert connect(data).sql("SELECT count(*) FROM events").fetchall()[0][0] == exact


def test_late_record_after_agents_were_dropped_keeps_what_they_said(tmp_path):
    data = tmp_path / "d"
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    recs = [dict(type="session_start", ts="2026-11-12T10:00:00Z", session_id="b", track_id="t1",
                 user_agent=bot, client_ip="81.2.69.142"),
            dict(type="session_start", ts="2026-11-12T10:00:00Z", session_id="m", track_id="t1",
                 user_agent="okhttp/4.12.0", client_ip="81.2.69.142")]
    run(write_log(tmp_path / "a.jsonl", recs), data, enricher="auto")
    cleanup(load_settings(data=data), anonymize_ip_after=timedelta(days=3),
            drop_user_agents=True, now=NOW)
    late = [dict(type="session_end", ts="2026-11-12T10:05:00Z", session_id=sid,
                 duration_played_ms=1000) for sid in ("b", "m")]
    run(write_log(tmp_path / "late.jsonl", late), data, enricher="auto")
    rows = {r["session_id"]: r for r in sessions(data).iter_rows(named=True)}
    assert rows["b"]["is_bot"] is True and rows["b"]["device_type"] == "bot"
    assert (rows["m"]["platform"], rows["m"]["country"]) == ("mobile", "GB")
    assert rows["m"]["user_agent"] is None and rows["m"]["ended"] is True


def test_event_periods_over_deleted_days(store):
    args = ("event", "ev1", "--period", "day", "--from", "2026-11-11", "--to", "2026-11-21")
    before = report_json(store, *args)["periods"]
    cleanup(load_settings(data=store), older_than=timedelta(days=4), now=NOW)
    after = report_json(store, *args)["periods"]
    assert [r["period"] for r in after] == [r["period"] for r in before]
    for a, b in zip(after, before):
        for key in ("views", "clicks", "shares", "favorites", "ticket_clicks", "external_clicks"):
            assert a[f"total_{key}"] == b[f"total_{key}"], (a["period"], key)
        assert close(a["total_unique_views"], b["total_unique_views"])
        assert a["avg_time_on_page_seconds"] == pytest.approx(b["avg_time_on_page_seconds"])
