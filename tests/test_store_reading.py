"""Reading the store: reports beside commits, paths with glob characters, damaged or foreign
files, data directories that hold no store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from logs import at, run, session, write_log
from typer.testing import CliRunner

from playlog.cli.app import app

UNTIL = "2026-11-21T00:00:00Z"


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def report(data) -> dict:
    result = invoke("report", "--data", data, "--days", "7", "--until", UNTIL, "--format", "json")
    assert result.exit_code == 0, result.stderr or result.exception
    return json.loads(result.stdout)


# -- reports beside commits -------------------------------------------------------------------

INGESTER = textwrap.dedent('''
    """Many small ingests, each adding SIZE open sessions (which the next one rewrites)."""
    import json, sys
    from pathlib import Path
    from logs import at
    from playlog.config import load_settings
    from playlog.pipeline import ingest

    data, folder, batches, tag, size = sys.argv[1:6]
    settings = load_settings(data=data)
    for b in range(int(batches)):
        recs = []
        for i in range(int(size)):
            sid = f"{tag}-{b}-{i}"
            recs.append(dict(type="session_start", ts=at(b * 0.1), session_id=sid,
                             track_id=f"t{i % 3}", user_id=f"u{i}"))
            recs.append(dict(type="session_progress", ts=at(b * 0.1 + 0.05), session_id=sid,
                             duration_played_ms=1000))
            recs.append(dict(type="event", ts=at(b * 0.1), event_id="e1", event_type="view",
                             session_id=sid))
        log = Path(folder) / f"{tag}-{b}.jsonl"
        log.write_text("".join(json.dumps(r) + "\\n" for r in recs))
        ingest([log], settings, enricher=None, wait=120)
''')


def test_reports_never_fail_or_mix_states_beside_running_ingests(tmp_path):
    data, logs, size = tmp_path / "d", tmp_path / "logs", 7
    logs.mkdir()
    run(write_log(logs / "first.jsonl", session("s0", 0, end=1)), data)  # the suite's salt
    script = tmp_path / "ingester.py"
    script.write_text(INGESTER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}  # for `logs`
    procs = [subprocess.Popen([sys.executable, str(script), str(data), str(logs), "12", tag,
                               str(size)], env=env)
             for tag in ("a", "b")]
    seen = []
    try:
        while any(p.poll() is None for p in procs):
            totals = report(data)["totals"]
            seen.append(totals["total_plays"])
    finally:
        for p in procs:
            p.wait(timeout=300)
    assert [p.returncode for p in procs] == [0, 0]
    assert len(seen) >= 10  # reports really ran beside the commits
    # every snapshot is the store between two commits: 1 + size x the batches committed
    assert all((plays - 1) % size == 0 for plays in seen), seen
    assert seen == sorted(seen)
    assert report(data)["totals"]["total_plays"] == 1 + 2 * 12 * size


# -- paths are paths --------------------------------------------------------------------------

def test_glob_characters_in_the_data_directory_are_literal(tmp_path):
    log = write_log(tmp_path / "a.jsonl", session("s1", 0, end=1) + session("s2", 2, end=3))
    other = write_log(tmp_path / "b.jsonl", session("x1", 0, end=1))
    bracket, star = tmp_path / "st[1]", tmp_path / "s*"
    run(log, bracket)
    run(log, star)
    for sibling in ("st1", "sa", "sb"):  # what the patterns would match
        run(other, tmp_path / sibling)
    assert report(bracket)["totals"]["total_plays"] == 2
    assert report(star)["totals"]["total_plays"] == 2
    more = write_log(tmp_path / "c.jsonl", session("s3", 5, end=6))
    run(more, star)  # a second run merges with the stored sessions of this store only
    assert report(star)["totals"]["total_plays"] == 3
    compact = invoke("compact", "--data", star, "--format", "json")
    assert compact.exit_code == 0, compact.stderr
    assert report(star)["totals"]["total_plays"] == 3


# -- damaged and foreign files ----------------------------------------------------------------

def _store(tmp_path):
    data = tmp_path / "d"
    run(write_log(tmp_path / "a.jsonl", session("s1", 0, end=1)), data)
    return data, data / "sessions" / "date=2026-11-20"


def test_a_corrupt_store_file_is_one_line_naming_it(tmp_path):
    data, day = _store(tmp_path)
    bad = day / "part-zzzz-0001.parquet"
    bad.write_bytes(b"not parquet at all" * 100)
    result = invoke("report", "--data", data, "--days", "7", "--until", UNTIL)
    assert result.exit_code == 5
    assert result.stderr.startswith(f"playlog: error: {bad}: not a readable Parquet file")
    assert len(result.stderr.strip().splitlines()) == 1
    doctor = invoke("doctor", "--data", data, "--format", "json")
    assert doctor.exit_code == 1
    problems = json.loads(doctor.stdout)["store"]["problems"]
    assert [p["path"] for p in problems] == [str(bad)]


def test_doctor_names_foreign_and_damaged_files(tmp_path):
    data, day = _store(tmp_path)
    foreign = day / "part-foreign-0001.parquet"
    pq.write_table(pa.table({"what": ["a spreadsheet export"]}), foreign)
    good = next(p for p in day.glob("part-*.parquet") if p != foreign)
    damaged = day / "part-damaged-0001.parquet"
    raw = bytearray(good.read_bytes())
    raw[8:-64] = bytes(len(raw) - 72)  # the footer is intact, the pages are not
    damaged.write_bytes(bytes(raw))
    result = invoke("doctor", "--data", data, "--format", "json")
    assert result.exit_code == 1
    found = {p["path"]: p["why"] for p in json.loads(result.stdout)["store"]["problems"]}
    assert found[str(foreign)] == "not a file of the sessions dataset (no session_id column)"
    assert found[str(damaged)].startswith("not a readable Parquet file")
    assert str(good) not in found
    assert result.stderr.startswith("playlog: error: ")
    rep = invoke("report", "--data", data, "--days", "7", "--until", UNTIL)
    assert rep.exit_code == 5 and "Traceback" not in rep.stderr
    assert len(rep.stderr.strip().splitlines()) == 1


# -- no store ---------------------------------------------------------------------------------

def test_a_data_directory_without_a_store_is_an_error(tmp_path):
    plain = tmp_path / "file"
    plain.write_text("x")
    empty = tmp_path / "empty"
    empty.mkdir()
    for where, why in ((tmp_path / "nonexistent-dir", "no such directory"),
                       (plain, "not a directory"), (empty, "no playlog store here")):
        for command in (["report"], ["top-tracks"], ["track", "t1"], ["realtime"]):
            result = invoke(*command, "--data", where)
            assert result.exit_code == 5, (command, where, result.stdout)
            assert result.stderr == (f"playlog: error: {where}: cannot read the data directory: "
                                     f"{why}"
                                     + (" (no state, dataset, catalog or incoming folder)"
                                        if where == empty else "")
                                     + " (ingest logs into it first, or choose another with "
                                     "--data DIR)\n")
    # commands that create a store still do
    log = write_log(tmp_path / "a.jsonl", [dict(type="event", ts=at(0), event_id="e",
                                                event_type="view")])
    assert invoke("ingest", log, "--data", tmp_path / "new").exit_code == 0
    assert report(tmp_path / "new")["totals"]["total_plays"] == 0


def test_files_of_an_older_release_read_their_missing_columns_as_null(tmp_path):
    """A store written before a column existed (quarantine files without `format`
    and `raw_bytes`, from before the access-log formats) still answers every report."""
    data = tmp_path / "d"
    run(write_log(tmp_path / "a.jsonl", [*session("s1", 0, end=1), "{not json"]), data)
    [part] = (data / "quarantine").glob("date=*/*.parquet")
    old = pq.read_table(part).drop_columns(["format", "raw_bytes"])
    pq.write_table(old, part)
    result = invoke("traffic", "--data", data, "--days", "7", "--until", UNTIL, "--format", "json")
    assert result.exit_code == 0, result.stderr or result.exception
    assert json.loads(result.stdout)["totals"]["quarantined"] == 0
    assert report(data)["totals"]["total_plays"] == 1
