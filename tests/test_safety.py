"""Concurrent runs and runs that die midway leave a consistent store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from logs import at, events, read, run, session, sessions, write_log

from playlog.errors import LockedError
from playlog.store import transaction
from playlog.store.layout import Layout
from playlog.store.lock import exclusive


def big_log(path, sessions_count: int = 3000):
    recs = []
    for n in range(sessions_count):
        recs += session(f"s{n}", n * 0.05, end=n * 0.05 + 3, progress=2, user=f"u{n % 50}")
        recs.append(dict(type="event", ts=at(n * 0.05), event_id=f"e{n % 7}", event_type="view",
                         session_id=f"w{n}"))
    return write_log(path, recs)


def test_a_second_run_waits_or_fails_clearly(tmp_path):
    data = tmp_path / "d"
    log = write_log(tmp_path / "a.jsonl", session("s1", 0, end=1))
    with exclusive(Layout(data).lock):
        with pytest.raises(LockedError, match="another playlog run"):
            run(log, data)
        out = subprocess.run(
            [sys.executable, "-m", "playlog", "ingest", str(log), "--data", str(data)],
            capture_output=True, text=True,
        )
        assert out.returncode == 3 and "--wait" in out.stderr
    assert run(log, data, wait=1.0).sessions == 1


def test_concurrent_processes_count_every_record_once(tmp_path):
    data = tmp_path / "d"
    log = big_log(tmp_path / "a.jsonl", 1500)
    cmd = [sys.executable, "-m", "playlog", "ingest", str(log), "--data", str(data),
           "--wait", "60", "--format", "json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [json.loads(p.communicate()[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(o["records"] for o in outs)[-1] == 1500 * 5 and sum(o["events"] for o in outs) == 1500
    assert sessions(data).height == 1500 and events(data).height == 1500


def test_a_run_killed_before_commit_leaves_no_trace(tmp_path, monkeypatch):
    data = tmp_path / "d"
    run(write_log(tmp_path / "a.jsonl", session("s1", 0, end=1)), data)
    before = sessions(data)
    ledger = (data / "state" / "ledger.json").read_text()

    def die(self, ledger):
        raise KeyboardInterrupt  # as if killed after writing the files, before the journal

    monkeypatch.setattr(transaction.Transaction, "commit", die)
    log2 = write_log(tmp_path / "b.jsonl", session("s2", 5, end=6))
    with pytest.raises(KeyboardInterrupt):
        run(log2, data)
    monkeypatch.undo()
    assert not list(data.rglob("*.tmp"))
    assert (data / "state" / "ledger.json").read_text() == ledger
    assert sessions(data).equals(before)
    assert run(log2, data).sessions == 1 and sessions(data).height == 2


def test_a_run_killed_while_applying_is_completed_by_the_next(tmp_path, monkeypatch):
    data = tmp_path / "d"
    log = write_log(tmp_path / "a.jsonl", session("s1", 0, end=1) + session("s2", 1, end=2))
    original = transaction.apply_journal

    def half_apply(layout, journal):
        tmp, final = journal["add"][0]
        os.replace(tmp, final)
        raise KeyboardInterrupt  # died after the first rename

    monkeypatch.setattr(transaction, "apply_journal", half_apply)
    with pytest.raises(KeyboardInterrupt):
        run(log, data)
    monkeypatch.setattr(transaction, "apply_journal", original)
    assert (data / "state" / "journal.json").exists()
    summary = run(log, data)  # recovers first, then finds nothing new
    assert summary.records == 0
    assert sessions(data).height == 2 and not (data / "state" / "journal.json").exists()


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5])
def test_sigkill_at_any_moment_then_rerun_equals_a_clean_run(tmp_path, delay):
    log = big_log(tmp_path / "a.jsonl", 4000)
    data = tmp_path / "killed"
    (data / "state").mkdir(parents=True)
    (data / "state" / "salt").write_text("test-salt-for-the-suite\n")  # the salt `run` gives the clean store
    proc = subprocess.Popen(
        [sys.executable, "-m", "playlog", "ingest", str(log), "--data", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run(log, data, enricher="auto")
    clean = tmp_path / "clean"
    run(log, clean, enricher="auto")
    assert not list(data.rglob("*.tmp"))
    assert sessions(data).equals(sessions(clean))
    assert events(data).equals(events(clean))
    assert read(data, "progress").height == read(clean, "progress").height
