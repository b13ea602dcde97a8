"""Reading log files as they are in the wild: short appends, damaged gzip, last lines without
a newline, byte-order marks, files removed mid-run, empty folders, standard input."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
import zlib

from logs import at, events, line, modified, read, run, write_log
from typer.testing import CliRunner

from playlog.cli.app import app


def event(n: int, kind: str = "view") -> dict:
    return dict(type="event", ts=at(n % 600), event_id=f"e{n % 7}", event_type=kind,
                session_id=f"w{n}", page_url=f"/e/{n}?r={random.Random(n).random()}")


def make_idle(path, seconds: float = 120) -> None:
    modified(path, seconds)


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


# -- the ledger after short reads -----------------------------------------------------------

def test_short_appends_read_only_what_is_new(tmp_path):
    data, log = tmp_path / "d", tmp_path / "app.log"
    write_log(log, [event(n) for n in range(40)])
    assert run(log, data).records == 40
    for n in (40, 41, 42):  # one short line each time: fewer bytes than the ledger checks
        write_log(log, [dict(type="event", ts=at(1), event_id="e", event_type="view",
                             session_id=f"s{n}")], mode="a")
        summary = run(log, data)
        assert (summary.records, summary.duplicates, summary.events) == (1, 0, 1)
    # logrotate after such a run: the renamed file keeps its entry, the new one is new
    write_log(log, [dict(type="event", ts=at(2), event_id="e", event_type="click")], mode="a")
    log.rename(tmp_path / "app.log.1")
    write_log(log, [event(100)])
    summary = run([tmp_path / "app.log.1", log], data)
    assert (summary.records, summary.duplicates) == (2, 0)
    assert events(data).height == 45


def test_a_short_append_then_compressed_rotation(tmp_path):
    data, logs = tmp_path / "d", tmp_path / "logs"
    write_log(logs / "app.log", [event(n) for n in range(10)])
    run(logs, data)
    write_log(logs / "app.log", [event(10)], mode="a")
    assert run(logs, data).records == 1
    write_log(logs / "app.log", [event(11)], mode="a")
    raw = (logs / "app.log").read_bytes()
    (logs / "app.log").unlink()
    (logs / "app.log.1.gz").write_bytes(gzip.compress(raw))
    summary = run(logs, data)
    assert (summary.records, summary.duplicates) == (1, 0)


# -- damaged gzip ---------------------------------------------------------------------------

def big_gzip(path, count: int = 3000) -> bytes:
    text = "".join(line(**event(n)) + "\n" for n in range(count)).encode()
    path.write_bytes(gzip.compress(text))
    return text


def test_a_truncated_gzip_keeps_its_complete_lines_and_resumes_once_complete(tmp_path):
    data, whole = tmp_path / "d", tmp_path / "x.jsonl.gz"
    text = big_gzip(whole)
    cut = tmp_path / "t.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[:20000])
    # what can be decompressed from the first 20,000 bytes, up to its last newline
    available = zlib.decompressobj(31).decompress(cut.read_bytes())
    complete = available.count(b"\n")
    assert 0 < complete < 3000
    summary = run(cut, data)
    assert (summary.records, summary.events, summary.quarantined) == (complete, complete, 0)
    assert summary.damaged[str(cut)].startswith("gzip data cut short at compressed byte 20,000")
    assert f"read up to line {complete:,}" in summary.damaged[str(cut)]
    again = run(cut, data)  # still damaged: said again, nothing read twice
    assert again.records == 0 and str(cut) in again.damaged
    cut.write_bytes(whole.read_bytes())  # the copy completes
    summary = run(cut, data)
    assert (summary.records, summary.duplicates, summary.damaged) == (3000 - complete, 0, {})
    assert events(data).height == 3000 == text.count(b"\n")


def test_corrupt_gzip_keeps_the_lines_before_the_damage(tmp_path):
    data, path = tmp_path / "d", tmp_path / "c.jsonl.gz"
    big_gzip(path, 2000)
    first = path.read_bytes()
    # a second member (as `cat a.gz b.gz` makes) whose deflate data is corrupt at once
    second = bytearray(gzip.compress(b"more\n"))
    second[10:] = b"\xff" * (len(second) - 10)
    path.write_bytes(first + bytes(second))
    summary = run(path, data)
    assert (summary.records, summary.quarantined) == (2000, 0)
    why = summary.damaged[str(path)]
    assert why.startswith(f"corrupt gzip data near compressed byte {len(first):,}")
    assert "read up to line 2,000" in why


def test_a_garbage_gzip_is_an_error_naming_it(tmp_path):
    bad = tmp_path / "bad.log.gz"
    bad.write_bytes(b"\x1f\x8b" + os.urandom(500))
    result = invoke("ingest", str(bad), "--data", str(tmp_path / "d"))
    assert result.exit_code == 4
    assert f"playlog: warning: {bad}: corrupt gzip data near compressed byte" in result.stderr
    assert "nothing could be read" in result.stderr
    good = write_log(tmp_path / "good.jsonl", [event(1)])
    result = invoke("ingest", str(bad), str(good), "--data", str(tmp_path / "d"))
    assert result.exit_code == 0 and "bad.log.gz" in result.stderr


# -- a last line without its newline --------------------------------------------------------

def test_a_last_line_is_read_once_the_file_is_idle_and_never_twice(tmp_path):
    data, log = tmp_path / "d", tmp_path / "export.jsonl"
    log.write_text(line(**event(1)) + "\n" + line(**event(2)))
    modified(log)
    assert run(log, data).records == 1  # just written: the writer may be mid-line
    make_idle(log)
    assert run(log, data).records == 1  # unchanged for two minutes: the line is complete
    assert run(log, data).records == 0
    with log.open("a") as fh:  # the writer comes back: a newline, a bad line, a good one
        fh.write("\nnot json\n" + line(**event(3)) + "\n")
    modified(log)
    summary = run(log, data)
    assert (summary.records, summary.quarantined, summary.duplicates) == (2, 1, 0)
    assert read(data, "quarantine")["line"].to_list() == [3]
    assert events(data).height == 3


def test_a_single_unterminated_line_keeps_its_ledger_entry(tmp_path):
    data, log = tmp_path / "d", tmp_path / "one.jsonl"
    log.write_text(line(**event(1)))
    make_idle(log)
    assert run(log, data).records == 1
    with log.open("a") as fh:
        fh.write("\n" + line(**event(2)) + "\n")
    summary = run(log, data)
    assert (summary.records, summary.duplicates) == (1, 0)


def test_idle_after_is_an_option_and_a_setting(tmp_path, monkeypatch):
    log = tmp_path / "a.jsonl"
    log.write_text(line(**event(1)) + "\n" + line(**event(2)))
    result = invoke("ingest", str(log), "--data", str(tmp_path / "d"), "--idle-after", "0s",
                    "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["records"] == 2
    config = tmp_path / "playlog.toml"
    config.write_text('idle_after = "2h"\n')
    monkeypatch.setenv("PLAYLOG_CONFIG", str(config))
    make_idle(log, 600)
    log2 = tmp_path / "b.jsonl"
    log2.write_text(line(**event(3)) + "\n" + line(**event(4)))
    make_idle(log2, 600)
    result = invoke("ingest", str(log2), "--data", str(tmp_path / "d"), "--format", "json")
    assert json.loads(result.stdout)["records"] == 1  # ten minutes is not two hours
    bad = invoke("ingest", str(log2), "--data", str(tmp_path / "d"), "--idle-after", "soon")
    assert bad.exit_code == 2 and "--idle-after" in bad.stderr


def test_a_compressed_file_is_read_whole(tmp_path):
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(gzip.compress((line(**event(1)) + "\n" + line(**event(2))).encode()))
    summary = run(path, tmp_path / "d")
    assert (summary.records, summary.events, summary.damaged) == (2, 2, {})


# -- byte-order mark ------------------------------------------------------------------------

def test_a_byte_order_mark_is_not_content(tmp_path):
    log = tmp_path / "bom.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + (line(**event(1)) + "\n").encode())
    summary = run(log, tmp_path / "d")  # the format is detected from that one line
    assert (summary.records, summary.events, summary.quarantined) == (1, 1, 0)
    gz = tmp_path / "bom.jsonl.gz"
    gz.write_bytes(gzip.compress(b"\xef\xbb\xbf" + (line(**event(2)) + "\r\n").encode()))
    assert run(gz, tmp_path / "d").events == 1


# -- files that go away, folders with nothing -----------------------------------------------

def test_a_log_removed_during_the_run_is_skipped_and_the_rest_commits(tmp_path):
    data, logs = tmp_path / "d", tmp_path / "logs"
    write_log(logs / "a.log", [event(n) for n in range(5)])
    write_log(logs / "b.log.3", [event(n) for n in range(5, 10)])  # logrotate's oldest
    write_log(logs / "c.log", [event(n) for n in range(10, 15)])

    def rotate(done, total):  # logrotate runs while a.log is read
        (logs / "b.log.3").unlink(missing_ok=True)

    summary = run(logs, data, on_progress=rotate)
    assert summary.skipped == {str(logs / "b.log.3"): "removed before it could be read"}
    assert (summary.records, events(data).height) == (10, 10)
    assert run(logs, data).records == 0


def test_a_log_removed_while_it_is_read_is_read_whole(tmp_path):
    data, log = tmp_path / "d", tmp_path / "a.log"
    write_log(log, [event(n) for n in range(5)])
    summary = run(log, data, on_progress=lambda done, total: log.unlink(missing_ok=True))
    assert (summary.records, summary.skipped) == (5, {})


def test_an_empty_folder_is_said_and_is_an_error_alone(tmp_path):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("not a log")
    result = invoke("ingest", str(empty), "--data", str(tmp_path / "d"))
    assert result.exit_code == 4
    assert f"playlog: warning: {empty}: no log files in this folder" in result.stderr
    good = write_log(tmp_path / "good.jsonl", [event(1)])
    result = invoke("ingest", str(empty), str(good), "--data", str(tmp_path / "d"))
    assert result.exit_code == 0 and "no log files in this folder" in result.stderr
    # a folder the store read from before, emptied since (as serve empties incoming/)
    write_log(empty / "a.jsonl", [event(2)])
    assert invoke("ingest", str(empty), "--data", str(tmp_path / "d")).exit_code == 0
    (empty / "a.jsonl").unlink()
    result = invoke("ingest", str(empty), "--data", str(tmp_path / "d"))
    assert (result.exit_code, result.stderr) == (0, "")


# -- standard input -------------------------------------------------------------------------

def test_standard_input_is_one_more_source(tmp_path):
    data = tmp_path / "d"
    text = "".join(line(**event(n)) + "\n" for n in range(4)) + "garbage\n" + line(**event(9))
    cmd = [sys.executable, "-m", "playlog", "ingest", "-", "--data", str(data), "--format", "json"]
    out = subprocess.run(cmd, input=text.encode(), capture_output=True, check=True)
    summary = json.loads(out.stdout)
    assert (summary["records"], summary["events"], summary["quarantined"]) == (6, 5, 1)
    assert summary["formats"] == {"<stdin>": "native"}
    assert read(data, "quarantine")["source_file"].to_list() == ["<stdin>"]
    again = subprocess.run(cmd, input=gzip.compress(text.encode()), capture_output=True, check=True)
    summary = json.loads(again.stdout)  # no ledger for stdin: read again, stored once
    assert (summary["records"], summary["events"], summary["duplicates"]) == (6, 0, 5)


def test_truncated_bzip2_and_zstd_keep_their_complete_lines(tmp_path):
    import bz2

    import zstandard

    text = "".join(line(**event(n)) + "\n" for n in range(3000)).encode()
    for name, packed in (("b.jsonl.bz2", bz2.compress(text, 1)),  # 100 kB blocks
                         ("z.jsonl.zst", zstandard.ZstdCompressor().compress(text))):
        path = tmp_path / name
        path.write_bytes(packed[: len(packed) // 2])
        summary = run(path, tmp_path / ("d-" + name))
        assert 0 < summary.records < 3000 and summary.quarantined == 0, name
        assert "cut short at compressed byte" in summary.damaged[str(path)], name
        path.write_bytes(packed)  # completed: the rest is read, nothing twice
        again = run(path, tmp_path / ("d-" + name))
        assert again.records == 3000 - summary.records and again.duplicates == 0, name
