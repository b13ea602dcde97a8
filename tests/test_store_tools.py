"""`playlog quarantine` (list, retry after a new format is registered), `playlog status`
and the event catalog, on stores ingested from real log files, in a local folder and
on an object store (a local S3 server, tests/s3server.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyarrow as pa
import pytest
from logs import line, read, run, session, write_log
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.parse import registry
from playlog.parse.formats.native import parse_lines
from playlog.parse.registry import Format, Parsed

PIPE = ["play|2026-11-20T10:00:00Z|p1|t7|u9|120000", "play|2026-11-20T10:05:00Z|p2|t8|u9|60000",
        "play|not a time|p3|t8|u9|1"]


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def answer(data, *args: str) -> dict:
    result = invoke(*args, "--data", str(data), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(params=["local", "s3"])
def where(request, tmp_path):
    """The data directory: a local folder, or a fresh prefix on the session's local S3 server
    (tests/conftest.py; its address in this test's environment)."""
    if request.param == "local":
        return tmp_path / "d"
    return request.getfixturevalue("s3").lake("tools")


@pytest.fixture
def data(tmp_path, where):
    log = write_log(tmp_path / "logs" / "mixed.jsonl", [
        *session("s1", 0, end=3), *PIPE, line(type="event", ts="2026-11-20T10:00:00Z", event_id="e1",
                                       event_type="hover"), "[1, 2]"])
    run(log, where)
    return where


def test_quarantine_lists_and_selects(data):
    found = answer(data, "quarantine")
    assert found["total"] == 5
    assert {r["reason"]: r["lines"] for r in found["reasons"]} == {
        "invalid JSON": 3, "unknown event_type": 1, "not a JSON object": 1}
    assert [r["line"] for r in found["lines"]] == [3, 4, 5, 6, 7]
    assert answer(data, "quarantine", "--reason", "INVALID json")["total"] == 3
    assert answer(data, "quarantine", "--file", "mixed", "--limit", "1")["total"] == 5
    day = found["lines"][0]["day"]
    assert answer(data, "quarantine", "--day", day)["total"] == 5
    assert answer(data, "quarantine", "--day", "2020-01-01")["total"] == 0
    csv = invoke("quarantine", "--data", str(data), "--format", "csv").stdout.splitlines()
    assert csv[0] == "day,rejected_at,source_file,line,format,reason,raw" and len(csv) == 6
    bad = invoke("quarantine", "--data", str(data), "--day", "yesterday")
    assert bad.exit_code == 2 and "--day" in bad.stderr


def _pipe_sniff(sample: Sequence[str]) -> int:
    return sum(1 for text in sample if text.startswith("play|"))


class _PipeParser:
    """play|ts|session|track|user|played_ms → a native play record."""

    def __init__(self, context, state=None) -> None:
        self.salt = context.salt

    def parse(self, con, lines: pa.Table) -> Parsed:
        out = []
        for text in lines.column("line").to_pylist():
            parts = text.split("|")
            out.append(json.dumps(dict(zip(
                ("type", "ts", "session_id", "track_id", "user_id"), parts[:5]),
                duration_played_ms=int(parts[5]))) if len(parts) == 6 else text)
        table = pa.table({"line_no": lines.column("line_no"), "line": pa.array(out, pa.string())})
        return Parsed(records=parse_lines(con, table, self.salt))

    def state(self) -> dict:
        return {}


@pytest.fixture
def pipe_format():
    fmt = registry.register(Format(name="pipe-test", summary="a test format", sample=PIPE[0],
                                   sniff=_pipe_sniff, open=_PipeParser))
    yield fmt
    registry._FORMATS.pop("pipe-test", None)


def test_retry_after_a_new_format_stores_what_now_passes(data, pipe_format):
    dry = answer(data, "quarantine", "retry", "--reason", "invalid JSON", "--dry-run")
    assert (dry["selected"], dry["retried"], dry["ingested"], dry["still_rejected"]) == (3, 3, 2, 1)
    assert answer(data, "quarantine")["total"] == 5  # a dry run changes nothing
    done = answer(data, "quarantine", "retry", "--reason", "invalid JSON")
    assert (done["ingested"], done["still_rejected"], done["sessions"]) == (2, 1, 2)
    assert done["formats"] == {next(iter(done["formats"])): "pipe-test"}
    left = answer(data, "quarantine")
    assert left["total"] == 3 and [r["line"] for r in left["lines"]] == [5, 6, 7]
    assert left["lines"][0]["reason"] == "invalid JSON"  # still failing: kept as it was
    sessions = read(data, "sessions").sort("session_id")
    assert sessions.filter(sessions["session_id"].is_in(["p1", "p2"]))["track_id"].to_list() == \
        ["t7", "t8"]
    top = answer(data, "top-tracks", "--from", "2026-11-20", "--to", "2026-11-21")
    assert {r["track_id"] for r in top["top_tracks"]} >= {"t7", "t8"}
    again = answer(data, "quarantine", "retry", "--reason", "invalid JSON")
    assert (again["retried"], again["ingested"]) == (1, 0)  # nothing stored twice


def test_retry_without_a_fix_changes_nothing(data):
    done = answer(data, "quarantine", "retry")
    assert (done["selected"], done["ingested"], done["still_rejected"]) == (5, 0, 5)
    assert answer(data, "quarantine")["total"] == 5


def test_status_figures(data, tmp_path):
    status = answer(data, "status")
    by_name = {d["dataset"]: d for d in status["datasets"]}
    assert by_name["sessions"]["rows"] == 1 and by_name["sessions"]["days"] == 1
    assert by_name["events"]["rows"] == 0 and by_name["quarantine"]["rows"] == 5
    assert by_name["sessions"]["first_day"] == "2026-11-20"
    assert by_name["rollup_plays"]["rows"] == 1
    assert status["rollups"]["raw_days_without_rollups"] == []
    (entry,) = status["files"]
    log = tmp_path / "logs" / "mixed.jsonl"
    assert entry["path"] == str(log) and entry["format"] == "native" and entry["lines"] == 7
    assert entry["offset"] == log.stat().st_size and entry["lag_bytes"] == 0
    with log.open("a") as fh:
        fh.write("x" * 99 + "\n")
    assert answer(data, "status")["files"][0]["lag_bytes"] == 100
    assert status["open_sessions"] == 0 and status["cleanup"]["known"] is True
    table = invoke("status", "--data", str(data), "--format", "table").stdout
    assert "sessions" in table and "mixed.jsonl" in table


def test_event_catalog_import_by_header(tmp_path, where):
    data = where
    csv = tmp_path / "events.csv"
    csv.write_text("event_id,title,date,venue,url,city\nev1,Jazz night,2026-12-01,Olympia,,Paris\n"
                   "ev2,Rock,2026-12-02,Zenith,,Paris\n")
    first = answer(data, "catalog", "import", str(csv))
    assert (first["added"], first["total"]) == (2, 2)
    csv.write_text("event_id,title\nev2,Rock night\nev3,Folk\n")
    second = answer(data, "catalog", "import", str(csv))
    assert (second["added"], second["changed"], second["total"]) == (1, 1, 3)
    shown = answer(data, "catalog", "show", "--kind", "events")
    assert shown["events"] == 3
    assert {r["event_id"]: r["title"] for r in shown["rows"]} == {
        "ev1": "Jazz night", "ev2": "Rock night", "ev3": "Folk"}
    both = tmp_path / "both.csv"
    both.write_text("event_id,track_id\n1,2\n")
    result = invoke("catalog", "import", str(both), "--data", str(data))
    assert result.exit_code != 0 and "--kind" in result.stderr
