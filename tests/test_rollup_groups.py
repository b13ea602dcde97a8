"""Roll-ups rebuilt in bounded groups of days are the roll-ups of one query over all days."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from logs import run, write_log
from test_retention import traffic

from playlog.schema import ROLLUP_DATASETS
from playlog.store import rollups
from playlog.store.rollups import day_groups


def test_day_groups_are_consecutive_and_bounded():
    days = [(date(2026, 11, d), rows) for d, rows in
            [(1, 300), (2, 300), (3, 500), (4, 2_000), (5, 100), (6, 0), (7, 950)]]
    groups = day_groups(days, 1_000)
    assert [[d.day for d in g] for g in groups] == [[1, 2], [3], [4], [5, 6], [7]]
    assert [d for g in groups for d in g] == [d for d, _ in days]
    assert day_groups([], 1_000) == []


def rollup_rows(data) -> dict[str, list[tuple]]:
    con = duckdb.connect()
    found = {}
    for name in ROLLUP_DATASETS:
        files = sorted(str(p) for p in (data / name).glob("date=*/*.parquet"))
        found[name] = (con.sql("SELECT * EXCLUDE (date) FROM read_parquet($f) ORDER BY ALL",
                               params={"f": files}).fetchall() if files else [])
    return found


@pytest.mark.parametrize("rows", [1, 700])
def test_rollups_of_groups_of_days_equal_those_of_all_days(tmp_path, monkeypatch, rows):
    log = write_log(tmp_path / "logs" / "all.jsonl", traffic(per_day=120))
    run(log, tmp_path / "whole")
    monkeypatch.setattr(rollups, "GROUP_ROWS", rows)  # a day, or a few days, per group
    run(log, tmp_path / "grouped")
    whole, grouped = rollup_rows(tmp_path / "whole"), rollup_rows(tmp_path / "grouped")
    assert whole["rollup_plays"] and whole["rollup_sketches"] and whole["rollup_events"]
    assert grouped == whole
    days = {p.parent.name for p in (tmp_path / "grouped" / "rollup_plays").glob("*/*.parquet")}
    assert len(days) == 10


def test_sketch_rows_are_those_of_each_scope_on_its_own(tmp_path):
    """The sketches hash each value once for all scopes; each scope alone, as defined in
    store/rollups.py, gives the same rows."""
    log = write_log(tmp_path / "logs" / "all.jsonl", traffic(per_day=60))
    data = tmp_path / "data"
    run(log, data)
    salt = (data / "state" / "salt").read_text().strip()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    quarter = rollups.QUARTER

    def scope(dataset, ts, name, key, value, where="TRUE"):
        reg, rho = rollups.register_sql(value)
        files = sorted(str(p) for p in (data / dataset).glob("date=*/*.parquet"))
        return con.sql(
            f"SELECT {quarter.format(ts=ts)}, '{name}', {key}, coalesce(is_bot, false), {reg}, "
            f"max({rho}) FROM read_parquet($f) WHERE {value} IS NOT NULL AND {where} "
            "GROUP BY ALL", params={"f": files}).fetchall()

    user = f"left(sha256('{salt}' || '|user|' || listener_key), 20)"
    visitor = "coalesce(user_id, session_id, anon_key)"
    expected = sorted(
        scope("sessions", "started_at", "listeners", "''", "listener_key")
        + scope("sessions", "started_at", "listeners", "track_id", "listener_key")
        + scope("sessions", "started_at", "user_tracks", user, "track_id",
                "listener_key IS NOT NULL")
        + scope("events", "ts", "visitors", "''", visitor, "event_type = 'view'")
        + scope("events", "ts", "visitors", "event_id", visitor, "event_type = 'view'"))
    stored = rollup_rows(data)["rollup_sketches"]
    assert {row[2] for row in stored} == {"listeners", "user_tracks", "visitors"}
    assert sorted(stored) == expected


def test_each_rollup_day_file_holds_its_day_in_hour_order(tmp_path):
    log = write_log(tmp_path / "logs" / "all.jsonl", traffic(per_day=120))
    run(log, tmp_path / "data")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    checked = 0
    for name in ROLLUP_DATASETS:
        for path in sorted((tmp_path / "data" / name).glob("date=*/*.parquet")):
            hours = [h for (h,) in con.sql("SELECT hour FROM read_parquet($f)",
                                           params={"f": str(path)}).fetchall()]
            day = date.fromisoformat(path.parent.name.removeprefix("date="))
            assert hours == sorted(hours), path
            assert {h.date() for h in hours} == {day}, path
            checked += len(set(hours)) > 1
    assert checked  # files of several hours were looked at
