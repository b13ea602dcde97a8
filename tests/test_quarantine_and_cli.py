"""Rejected lines keep file, line and reason; the ingest command's output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logs import at, line, read, run, write_log
from playlog.cli.app import app

OK = dict(type="event", ts=at(0), event_id="e1", event_type="view")

INVALID = [
    ('{"type": "event", "ts": ', "invalid JSON"),
    ("[1, 2]", "not a JSON object"),
    (line(ts=at(0), session_id="s"), "missing required field: type"),
    (line(type="rewind", ts=at(0), session_id="s"), "unknown type: rewind"),
    (line(type="session_end", session_id="s"), "missing required field: ts"),
    (line(type="session_end", ts="20/11/2026", session_id="s"), "invalid ts: 20/11/2026"),
    (line(type="session_end", ts=1_763_661_845, session_id="s"), "ts out of range: 1763661845"),
    (line(type="session_start", ts=at(0), session_id="s"), "missing required field: track_id"),
    (line(type="session_start", ts=at(0), track_id="t"), "missing required field: session_id"),
    (line(type="session_progress", ts=at(0), session_id="s"),
     "missing required field: duration_played_ms"),
    (line(type="play", ts=at(0), session_id="s", track_id="t"),
     "missing required field: duration_played_ms"),
    (line(type="event", ts=at(0), event_type="view"), "missing required field: event_id"),
    (line(type="event", ts=at(0), event_id="e"), "missing required field: event_type"),
    (line(type="event", ts=at(0), event_id="e", event_type="hover"), "unknown event_type: hover"),
    (line(type="session_progress", ts=at(0), session_id="s", duration_played_ms=-5),
     "negative duration_played_ms: -5"),
    (line(type="session_progress", ts=at(0), session_id="s", duration_played_ms="ten"),
     "invalid duration_played_ms: ten"),
    (line(type="session_start", ts=at(0), session_id="s", track_id="t", total_duration_ms=-1),
     "negative total_duration_ms: -1"),
    (line(type="session_progress", ts=at(0), session_id="s", duration_played_ms=1,
          buffer_health=140), "buffer_health not within 0-100: 140"),
    (line(type="session_progress", ts=at(0), session_id="s", duration_played_ms=1, bytes_sent=-3),
     "negative bytes_sent: -3"),
    (line(type="event", ts=at(0), event_id="e", event_type="view", time_on_page_ms=-1),
     "negative time_on_page_ms: -1"),
    (line(type="event", ts=at(0), event_id="e", event_type="view", metadata=[1]),
     "metadata is not an object"),
]


def test_every_invalid_kind_is_quarantined_with_file_line_and_reason(tmp_path):
    lines = [line(**OK), ""] + [bad for bad, _ in INVALID]  # a blank line is skipped, not rejected
    log = write_log(tmp_path / "bad.jsonl", lines)
    summary = run(log, tmp_path / "d")
    assert summary.quarantined == len(INVALID) and summary.events == 1
    q = read(tmp_path / "d", "quarantine").sort("line")
    assert q["line"].to_list() == list(range(3, 3 + len(INVALID)))
    assert q["reason"].to_list() == [reason for _, reason in INVALID]
    assert q["raw"].to_list() == [bad for bad, _ in INVALID]
    assert set(q["source_file"]) == {str(log)}


def test_accepted_variants_of_valid_records(tmp_path):
    recs = [
        line(type="session_start", ts=1_763_661_845_123, session_id="s", track_id=7),  # epoch ms
        line(type="session_end", ts="2026-11-20T14:04:05.123+02:00", session_id="s",
             duration_played_ms=1.4),
        line(type="event", ts=at(0), event_id="e", event_type="view", metadata=None) + "\r",
    ]
    summary = run(write_log(tmp_path / "ok.jsonl", recs), tmp_path / "d")
    assert summary.quarantined == 0 and summary.events == 1


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_ingest_json_summary_has_the_spec_keys(tmp_path):
    log = write_log(tmp_path / "a.jsonl", [OK, "garbage"])
    result = invoke("ingest", str(log), "--data", str(tmp_path / "d"), "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    for key in ("files", "records", "sessions", "events", "quarantined", "duplicates"):
        assert key in summary
    assert (summary["records"], summary["events"], summary["quarantined"]) == (2, 1, 1)


def test_strict_makes_a_rejected_line_an_error(tmp_path):
    log = write_log(tmp_path / "a.jsonl", [OK, "garbage"])
    result = invoke("ingest", str(log), "--data", str(tmp_path / "d"), "--strict")
    assert result.exit_code == 1
    assert "1 line(s) rejected" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_path_is_one_line_and_nonzero(tmp_path):
    result = invoke("ingest", str(tmp_path / "nope.jsonl"), "--data", str(tmp_path / "d"))
    assert result.exit_code == 4
    assert result.stderr.strip() == f"playlog: error: {tmp_path / 'nope.jsonl'}: no such file or directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file_is_an_error(tmp_path):
    log = write_log(tmp_path / "a.jsonl", [OK])
    log.chmod(0)
    result = invoke("ingest", str(log), "--data", str(tmp_path / "d"))
    assert result.exit_code == 4 and "permission denied" in result.stderr


def test_data_directory_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    log = write_log(tmp_path / "a.jsonl", [OK])
    result = invoke("ingest", str(log), "--data", str(blocker / "data"))
    assert result.exit_code == 5
    assert "cannot write the data directory" in result.stderr and "--data" in result.stderr


def test_data_directory_from_environment_and_config_file(tmp_path, monkeypatch):
    log = write_log(tmp_path / "a.jsonl", [OK])
    monkeypatch.setenv("PLAYLOG_DATA", str(tmp_path / "env"))
    assert invoke("ingest", str(log)).exit_code == 0
    assert (tmp_path / "env" / "events").is_dir()
    monkeypatch.delenv("PLAYLOG_DATA")
    config = tmp_path / "playlog.toml"
    config.write_text(f'data = "{tmp_path / "conf"}"\n')
    monkeypatch.setenv("PLAYLOG_CONFIG", str(config))
    assert invoke("ingest", str(log)).exit_code == 0
    assert (tmp_path / "conf" / "events").is_dir()


def test_installed_command_and_module_entry_point(tmp_path):
    log = write_log(tmp_path / "a.jsonl", [OK])
    out = subprocess.run(
        [sys.executable, "-m", "playlog", "ingest", str(log), "--data", str(tmp_path / "d"),
         "--format", "json"],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(out.stdout)["events"] == 1
    assert out.stderr == ""  # no progress bar when not on a terminal
    helptext = subprocess.run([sys.executable, "-m", "playlog", "--help"],
                              capture_output=True, text=True, check=True).stdout
    assert "ingest" in helptext


def test_every_command_help_has_examples():
    from playlog.cli.app import app as root

    import typer.main

    group = typer.main.get_command(root)
    for name, command in group.commands.items():
        commands = getattr(command, "commands", None) or {name: command}
        for sub in commands.values():
            assert "Example" in (sub.help or ""), f"{name} {sub.name} --help has no examples"


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from playlog.cli.app import app; "
            "print(sorted(m for m in ('duckdb', 'polars', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_source_path_is_kept_as_given(tmp_path):
    log = write_log(tmp_path / "a.jsonl", [OK, "garbage"])
    run(Path(log), tmp_path / "d")
    assert read(tmp_path / "d", "quarantine")["source_file"].item() == str(log)


def test_a_file_no_format_matches_is_named_not_quarantined_line_by_line(tmp_path):
    junk = write_log(tmp_path / "junk.log", ["garbage", "more garbage"])
    good = write_log(tmp_path / "good.jsonl", [OK])
    data = tmp_path / "d"
    summary = run([junk, good], data)
    assert summary.skipped == {str(junk): "no known log format matches its first 2 line(s)"}
    assert summary.formats == {str(good): "native"} and summary.quarantined == 0
    result = CliRunner().invoke(app, ["ingest", str(junk), "--data", str(data)])
    assert result.exit_code == 4 and "junk.log" in result.stderr
    forced = CliRunner().invoke(app, ["ingest", str(junk), "--data", str(data),
                                      "--log-format", "native", "--format", "json"])
    assert forced.exit_code == 0 and json.loads(forced.stdout)["quarantined"] == 2
    unknown = CliRunner().invoke(app, ["ingest", str(junk), "--log-format", "nope"])
    assert unknown.exit_code == 2 and "known formats: " in unknown.stderr
    assert "combined" in unknown.stderr and "native" in unknown.stderr
    assert "spotify" in unknown.stderr


def test_progress_bar_on_request_goes_to_stderr(tmp_path):
    log = write_log(tmp_path / "a.jsonl", [OK] * 50)
    result = CliRunner().invoke(app, ["ingest", str(log), "--data", str(tmp_path / "d"),
                                      "--progress", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["events"] == 1  # stdout stays pure data
    assert "ingest" in result.stderr and "━" in result.stderr and "━" not in result.stdout
