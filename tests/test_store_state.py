"""The store's own files: the salt, what a killed run leaves, a full or read-only disk, who
may read the store, and what retention keeps of IPs (archive, quarantine)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from logs import at, line, read, run, session, write_log
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.config import load_settings
from playlog.retention import cleanup

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(result, status: int, text: str) -> None:
    assert result.exit_code == status, (result.stdout, result.stderr, result.exception)
    assert result.stderr.startswith("playlog: error: ") and text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# -- the salt ---------------------------------------------------------------------------------

def test_an_empty_or_malformed_salt_is_refused(tmp_path):
    log = write_log(tmp_path / "a.jsonl", session("s1", 0, end=1, user=None))
    data = tmp_path / "d"
    (data / "state").mkdir(parents=True)
    for bad, why in ((b"", "the salt is empty"), (b"\n\n", "the salt is empty"),
                     (b"short\n", "the salt is malformed"),
                     (b"two words here and more\n", "the salt is malformed")):
        (data / "state" / "salt").write_bytes(bad)
        one_line_error(invoke("ingest", log, "--data", data), 5, why)
        assert not (data / "sessions").exists()  # nothing was stored with a bad salt
    (data / "state" / "salt").unlink()
    assert invoke("ingest", log, "--data", data).exit_code == 0
    salt = (data / "state" / "salt").read_text()
    assert len(salt.strip()) == 64 and stat.S_IMODE(os.stat(data / "state" / "salt").st_mode) == 0o600
    (data / "state" / "salt").write_text("")  # a report refuses it too
    one_line_error(invoke("report", "--data", data, "--days", "7"), 5, "the salt is empty")


def test_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path):
    data = tmp_path / "d"
    run(write_log(tmp_path / "a.jsonl", session("s1", 0, end=1)), data)
    left = [data / "state" / name for name in (".ledger.json.99999.tmp",
                                               ".retention.json.99999.tmp",
                                               ".journal.json.99999.tmp", ".salt.99999.tmp",
                                               ".probe-99999")]
    for path in left:
        path.write_text("{half")
    run(write_log(tmp_path / "b.jsonl", session("s2", 5, end=6)), data)
    assert [p for p in left if p.exists()] == []
    for path in left[:2]:
        path.write_text("{half")
    cleanup(load_settings(data=data), now=NOW)
    assert [p for p in left if p.exists()] == []


# -- a full disk, a read-only one -------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs of our own (needs root; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def noisy_log(path, count: int):
    """Event records that do not compress much."""
    recs = [dict(type="event", ts=at(n % 600), event_id=f"e{n}", event_type="view",
                 session_id=os.urandom(12).hex(), page_url="/" + os.urandom(40).hex())
            for n in range(count)]
    return write_log(path, recs)


def test_a_full_disk_is_one_line_and_commits_nothing(tmp_path, small_disk):
    data = small_disk / "d"
    run(write_log(tmp_path / "a.jsonl", session("s1", 0, end=1)), data)
    before = sorted(str(p) for p in data.rglob("*") if p.is_file())
    ledger = (data / "state" / "ledger.json").read_text()
    filler = small_disk / "filler"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * max(0, free - 150_000))
    big = noisy_log(tmp_path / "big.jsonl", 20_000)
    one_line_error(invoke("ingest", big, "--data", data), 5,
                   "cannot write the data directory: No space left on device")
    assert sorted(str(p) for p in data.rglob("*") if p.is_file()) == before  # no temporary file
    assert (data / "state" / "ledger.json").read_text() == ledger
    filler.unlink()
    result = invoke("ingest", big, "--data", data, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["events"] == 20_000


def test_a_fresh_store_on_a_full_disk_leaves_no_empty_salt(tmp_path, small_disk):
    filler = small_disk / "filler"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * free)
    data = small_disk / "d"
    log = write_log(tmp_path / "a.jsonl", session("s1", 0, end=1, user=None))
    result = invoke("ingest", log, "--data", data)
    assert result.exit_code == 5 and "No space left on device" in result.stderr
    assert not (data / "state" / "salt").exists()
    filler.unlink()
    assert invoke("ingest", log, "--data", data).exit_code == 0
    assert len((data / "state" / "salt").read_text().strip()) == 64


def test_a_read_only_store_can_be_read_but_not_cleaned(tmp_path, small_disk):
    data = small_disk / "d"
    run(write_log(tmp_path / "a.jsonl", session("s1", 0, end=1) + session("s2", 5, end=6)),
        data)
    run(write_log(tmp_path / "b.jsonl", session("s3", 9, end=10)), data)  # two files a day
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for command in (["cleanup", "--older-than", "90d"], ["compact"]):
        one_line_error(invoke(*command, "--data", data), 5, "Read-only file system")
    one_line_error(invoke("ingest", tmp_path / "a.jsonl", "--data", data), 5,
                   "cannot write the data directory")
    result = invoke("report", "--data", data, "--days", "7", "--until", "2026-11-21T00:00:00Z",
                    "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["totals"]["total_plays"] == 3


# -- who may read the store -------------------------------------------------------------------

def modes_under(root) -> set[tuple[str, int]]:
    kinds = set()
    for path in [root, *root.rglob("*")]:
        kind = "dir" if path.is_dir() else "file"
        kinds.add((kind, stat.S_IMODE(os.stat(path).st_mode)))
    return kinds


def test_the_store_is_private_unless_the_config_says_group(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "umask", os.umask)  # (restored by monkeypatch)
    old = os.umask(0o002)  # a permissive umask: the modes are set all the same
    try:
        log = write_log(tmp_path / "a.jsonl", session("s1", 0, end=1) + ["garbage"])
        data = tmp_path / "private"
        assert invoke("ingest", log, "--data", data).exit_code == 0
        assert invoke("cleanup", "--data", data, "--older-than", "0d", "--archive",
                      tmp_path / "archive").exit_code == 0
        assert modes_under(data) == {("dir", 0o700), ("file", 0o600)}
        assert modes_under(tmp_path / "archive") == {("dir", 0o700), ("file", 0o600)}
        config = tmp_path / "playlog.toml"
        config.write_text('store_mode = "group"\n')
        monkeypatch.setenv("PLAYLOG_CONFIG", str(config))
        group = tmp_path / "group"
        assert invoke("ingest", log, "--data", group).exit_code == 0
        assert modes_under(group) == {("dir", 0o750), ("file", 0o640)}
        config.write_text('store_mode = "everyone"\n')
        one_line_error(invoke("ingest", log, "--data", group), 2, "store_mode")
    finally:
        os.umask(old)


def test_doctor_warns_about_a_store_others_can_read(tmp_path):
    data = tmp_path / "d"
    run(write_log(tmp_path / "a.jsonl", session("s1", 0, end=1)), data, fixed_salt=False)
    assert "can be read by other users" not in invoke("doctor", "--data", data).stderr
    os.chmod(data, 0o755)
    report = json.loads(invoke("doctor", "--data", data, "--format", "json").stdout)
    assert report["store"]["readable_by_others"] == 1
    assert any("can be read by other users" in w for w in report["warnings"])
    assert "can be read by other users" in invoke("doctor", "--data", data, "-f", "table").stderr


# -- what retention keeps of IPs --------------------------------------------------------------

def ip_traffic(tmp_path):
    recs = []
    for day in range(10):
        ts = f"2026-11-{11 + day:02d}T10:00:00Z"
        recs += [
            dict(type="session_start", ts=ts, session_id=f"s{day}", track_id="t1",
                 client_ip="81.2.69.142", user_agent="okhttp/4.12.0"),
            dict(type="session_end", ts=ts.replace("10:00", "10:03"), session_id=f"s{day}",
                 duration_played_ms=1000),
            dict(type="event", ts=ts, event_id="e1", event_type="view",
                 client_ip="2001:db8:1:2::5", user_agent="Mozilla/5.0"),
        ]
    return write_log(tmp_path / "ip.jsonl", recs)


def test_an_archive_past_the_anonymisation_delay_holds_no_full_ip(tmp_path):
    data, archive = tmp_path / "d", tmp_path / "archive"
    run(ip_traffic(tmp_path), data)
    cleanup(load_settings(data=data), older_than=timedelta(days=6),
            anonymize_ip_after=timedelta(days=3), drop_user_agents=True, archive=archive, now=NOW)
    moved = read(archive, "sessions")
    assert moved.height == 4 and set(moved["client_ip"]) == {"81.2.69.0"}
    assert moved["user_agent"].is_null().all()
    assert set(read(archive, "events")["client_ip"]) == {"2001:db8:1::"}
    assert read(archive, "progress").height == 0
    kept = read(data, "sessions")  # days past the delay but kept: anonymised in place
    old = kept.filter(pl.col("date") < datetime(2026, 11, 18).date())
    assert set(old["client_ip"]) == {"81.2.69.0"}


def test_an_archive_within_the_delay_is_copied_as_is(tmp_path):
    data, archive = tmp_path / "d", tmp_path / "archive"
    run(ip_traffic(tmp_path), data)
    cleanup(load_settings(data=data), older_than=timedelta(days=6), archive=archive, now=NOW)
    assert set(read(archive, "sessions")["client_ip"]) == {"81.2.69.142"}


def test_quarantined_lines_are_anonymised_after_the_delay(tmp_path):
    data = tmp_path / "d"
    bad = [line(type="event", ts=at(0), event_id="e", event_type="hover",
                client_ip="81.2.69.142", note="from 2001:db8:1:2::5 at 10:00:00"),
           "203.0.113.57 - - [20/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5"]
    run(write_log(tmp_path / "q.jsonl", bad), data, log_format="native")
    assert "81.2.69.142" in read(data, "quarantine")["raw"].str.join("").item()
    later = datetime(2026, 12, 5, tzinfo=UTC)
    result = cleanup(load_settings(data=data), anonymize_ip_after=timedelta(days=7), now=later)
    assert [a.dataset for a in result.actions if a.action == "anonymize"] == ["quarantine"]
    raw = sorted(read(data, "quarantine")["raw"])
    assert raw == [
        "203.0.113.0 - - [20/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5",
        line(type="event", ts=at(0), event_id="e", event_type="hover", client_ip="81.2.69.0",
             note="from 2001:db8:1:: at 10:00:00"),
    ]
    again = cleanup(load_settings(data=data), anonymize_ip_after=timedelta(days=7), now=later)
    assert not [a for a in again.actions if a.action == "anonymize"]


def test_lines_that_are_not_text_are_anonymised_byte_for_byte(tmp_path):
    data = tmp_path / "d"
    log = tmp_path / "bin.log"
    log.write_bytes(b'{"type":"event","client_ip":"81.2.69.142","x":"\xff\xfe"}\n')
    run(log, data, log_format="native")
    later = datetime(2026, 12, 5, tzinfo=UTC)
    cleanup(load_settings(data=data), anonymize_ip_after=timedelta(days=7), now=later)
    row = read(data, "quarantine").row(0, named=True)
    assert row["raw_bytes"] == b'{"type":"event","client_ip":"81.2.69.0","x":"\xff\xfe"}'
    assert "81.2.69.142" not in row["raw"]
    run(log, tmp_path / "e", log_format="native", anonymize_ip=True)
    assert b"81.2.69.0" in read(tmp_path / "e", "quarantine")["raw_bytes"].item()


def test_ingest_anonymize_ip_also_cuts_the_quarantine(tmp_path):
    data = tmp_path / "d"
    bad = line(type="event", ts=at(0), event_id="e", event_type="hover", client_ip="81.2.69.142")
    run(write_log(tmp_path / "q.jsonl", [bad]), data, anonymize_ip=True, log_format="native")
    assert read(data, "quarantine")["raw"].item() == bad.replace("81.2.69.142", "81.2.69.0")


def test_staged_files_are_found_after_one_is_dropped_and_another_added(tmp_path):
    """A staged file rewritten by a later step of the run (dropped, another staged in its
    place: as many staged files as before) is found by its new name, the old one not."""
    import pyarrow as pa

    from playlog.store.layout import Layout
    from playlog.store.transaction import Transaction

    tx = Transaction(Layout(tmp_path / "data"))
    day = datetime(2026, 11, 21, tzinfo=UTC).date()
    table = pa.table({"session_id": ["a"]})
    tx.write_table("sessions", day, table)
    first = tx.files_after("sessions", day)
    assert len(first) == 1
    tx.write_table("sessions", day, table)
    tx.remove(first[0])
    after = tx.files_after("sessions", day)
    assert len(after) == 1 and after != first
    tx.rollback()
    assert tx.files_after("sessions", day) == []


def test_day_files_written_behind_are_waited_for_and_a_failed_one_commits_nothing(
        tmp_path, monkeypatch):
    """write_days returns before its files are written: whoever asks for staged files
    gets them whole, and a write that failed in its thread fails the commit."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from playlog.store import transaction
    from playlog.store.layout import Layout
    from playlog.store.transaction import Transaction

    days = [datetime(2026, 11, d, tzinfo=UTC).date() for d in (19, 20, 21)]
    table = pa.table({"session_id": [f"s{i}" for i in range(3000)]})
    day_of = pa.array([days[i * 3 // 3000] for i in range(3000)], pa.date32())
    layout = Layout(tmp_path / "data")
    tx = Transaction(layout)
    tx.write_days("sessions", table, day_of)
    for day in days:
        (staged,) = tx.files_after("sessions", day)
        assert pq.read_table(staged).num_rows == 1000
    tx.commit(None)
    assert [pq.read_table(f).num_rows for day in days for f in layout.files("sessions", day)] \
        == [1000, 1000, 1000]

    written = transaction.write_parquet

    def fail_on_the_20th(sink, rows):
        if "2026-11-20" in str(sink):
            raise OSError(28, "No space left on device")
        written(sink, rows)

    monkeypatch.setattr(transaction, "write_parquet", fail_on_the_20th)
    again = Transaction(layout)
    again.write_days("sessions", table, day_of)
    with pytest.raises(OSError, match="No space left"):
        again.commit(None)
    again.rollback()
    assert not [p for p in (tmp_path / "data").rglob("*.tmp")]  # no staged file is left
    assert [len(layout.files("sessions", day)) for day in days] == [1, 1, 1]
