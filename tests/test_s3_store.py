"""The store on an object store: a local S3 server (moto, tests/s3server.py), real processes.

The same commands on ``--data s3://…`` give the same answers as on a local folder;
listing a dataset's prefix gives exactly its committed files; concurrent ingests
lose and double nothing; a run killed in the middle of its commit is completed by
the next; two collectors and one ingester merge a session split between them.

The commands under test run as real processes; the reports that check their work
run through the same CLI in this process (one test reads them from processes too).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import NOW, SAMPLE_DATA
from s3server import answers, cli, playlog, process
from servehelp import Server

pytest.importorskip("moto")
LOGS = os.path.join(SAMPLE_DATA, "logs")
CATALOG = os.path.join(SAMPLE_DATA, "tracks.csv")
REPORTS = {"report": ["report", "--days", "7"], "report30": ["report", "--days", "30"],
           "top": ["top-tracks", "--days", "30"], "traffic": ["traffic", "--days", "30"],
           "top-events": ["top-events", "--days", "30"]}


@pytest.fixture(scope="module")
def local_answers(shipped_store):
    """The reports of the sample in a local folder (what every s3:// store of it must say)."""
    return answers(str(shipped_store), REPORTS, run=process)


def test_ingest_and_reports_on_s3_equal_a_local_store(s3, lake, local_answers):
    playlog("ingest", LOGS, "--data", lake, "--catalog", CATALOG)
    assert answers(lake, REPORTS, run=process) == local_answers  # reports as processes too
    stored = s3.keys(lake)
    assert "state/ledger.json" in stored and "catalog/tracks.parquet" in stored
    assert not [k for k in stored if "staging" in k or k in (".lock", "state/journal.json")]
    again = json.loads(playlog("ingest", LOGS, "--data", lake, "--format", "json").stdout)
    assert again["records"] == 0  # the ledger on the object store knows every file
    assert answers(lake, REPORTS) == local_answers


SALT = b"the-same-salt-for-both-stores\n"


def test_cleanup_compact_and_doctor_on_s3(s3, lake, tmp_path):
    local = tmp_path / "local"
    (local / "state").mkdir(parents=True)
    (local / "state" / "salt").write_bytes(SALT)  # the same keys: the same sketches
    s3.put(lake, "state/salt", SALT)
    runs = [(os.path.join(LOGS, f"stream-2026-11-{day}.jsonl.gz"),
             os.path.join(LOGS, "stream.jsonl"))
            for day in ("14", "15", "16")]  # three runs: several files a day to compact
    for files in runs:
        playlog("ingest", *files, "--data", lake)
        cli("ingest", *files, "--data", str(local))  # the same in a local folder, for reference
    before = s3.keys(lake)
    playlog("cleanup", "--data", lake, "--older-than", "6d", "--anonymize-ip-after", "5d")
    playlog("compact", "--data", lake)
    cli("cleanup", "--data", str(local), "--older-than", "6d", "--anonymize-ip-after", "5d")
    cli("compact", "--data", str(local))
    got, want = answers(lake, REPORTS), answers(str(local), REPORTS)
    for name in want:
        assert got[name] == want[name], name
    after = s3.keys(lake)
    assert not [k for k in after if k.startswith("sessions/date=2026-11-14")]
    assert [k for k in before if k.startswith("sessions/date=2026-11-14")]
    assert any(k.startswith("rollup_plays/date=2026-11-14") for k in after)
    assert "state/retention.json" in after
    days = {k.rsplit("/", 1)[0] for k in after if k.startswith("sessions/")}
    assert len(days) == len([k for k in after if k.startswith("sessions/")])  # one file a day
    doctor = json.loads(playlog("doctor", "--data", lake, "--format", "json").stdout)
    assert doctor["store"]["problems"] == [] and doctor["store"]["files"] > 10


def test_doctor_names_a_broken_file_on_s3(s3, lake):
    cli("ingest", os.path.join(LOGS, "stream.jsonl"), "--data", lake)
    broken = "sessions/date=2026-11-20/part-broken.parquet"
    s3.put(lake, broken, b"not parquet")
    doctor = playlog("doctor", "--data", lake, "--format", "json", check=False)
    problems = json.loads(doctor.stdout)["store"]["problems"]
    assert [p["path"] for p in problems] == [f"{lake}/{broken}"]


def test_two_concurrent_ingests_lose_and_double_nothing(s3, lake, local_answers):
    files = sorted(os.listdir(LOGS))
    halves = [[os.path.join(LOGS, f) for f in files[0::2]],
              [os.path.join(LOGS, f) for f in files[1::2]]]
    env = {**os.environ, "PLAYLOG_NOW": NOW}
    cli("catalog", "import", CATALOG, "--data", lake)  # as the local store had it
    runs = [subprocess.Popen([sys.executable, "-m", "playlog", "ingest", *half, "--data", lake,
                              "--wait", "120"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for half in halves]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    # both halves again, at once: nothing new may be counted
    again = [subprocess.Popen([sys.executable, "-m", "playlog", "ingest", LOGS, "--data", lake,
                               "--wait", "120"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in again:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    assert answers(lake, REPORTS) == local_answers


def test_a_second_ingest_is_refused_while_the_lease_is_held(s3, lake):
    cli("ingest", os.path.join(LOGS, "stream.jsonl"), "--data", lake)
    lease = {"owner": "x", "pid": 4242, "host": "elsewhere", "expires": 4102444800}
    s3.put(lake, ".lock", json.dumps(lease))
    refused = playlog("ingest", os.path.join(LOGS, "events.jsonl"), "--data", lake, check=False)
    assert refused.returncode == 3
    assert "pid 4242 on elsewhere" in refused.stderr


KILLER = textwrap.dedent("""
    import os, signal, sys
    from playlog.store import transaction

    original = transaction.apply_journal

    def die_midway(layout, journal):
        journal = dict(journal, add=journal["add"][:3])  # some files published, not the rest
        fs = layout.fs
        for tmp, final in journal["add"]:
            fs.publish(layout.path(tmp), layout.path(final))
        os.kill(os.getpid(), signal.SIGKILL)

    transaction.apply_journal = die_midway
    from playlog.cli.app import main
    sys.argv = ["playlog", *sys.argv[1:]]
    main()
""")


def test_an_ingest_killed_mid_commit_is_completed_by_the_next_run(s3, lake, local_answers,
                                                                  tmp_path):
    script = tmp_path / "killed.py"
    script.write_text(KILLER)
    env = {**os.environ, "PLAYLOG_NOW": NOW, "PLAYLOG_S3_LEASE": "3"}
    killed = subprocess.run([sys.executable, str(script), "ingest", LOGS, "--data", lake,
                             "--catalog", CATALOG], env=env, capture_output=True, timeout=300,
                            check=False)
    assert killed.returncode == -signal.SIGKILL
    left = s3.keys(lake)
    assert "state/journal.json" in left and ".lock" in left
    assert any("state/staging/" in k for k in left)  # staged, outside the datasets
    playlog("ingest", LOGS, "--data", lake, "--wait", "60", env={"PLAYLOG_S3_LEASE": "3"})
    done = s3.keys(lake)
    assert not [k for k in done if "staging" in k or k in (".lock", "state/journal.json")]
    assert answers(lake, REPORTS) == local_answers


def test_two_collectors_and_one_ingester_merge_a_split_session(s3, lake, tmp_path):
    shared = tmp_path / "shared"  # the collectors' shared volume
    start = {"trackId": "t0001", "userId": "u-split", "totalDurationMs": 200000}
    with Server(shared, "--ingest-every", "0") as one, \
            Server(shared, "--ingest-every", "0") as two:
        browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
                                 "Firefox/128.0"}  # a listener, not a script
        made = one.client.post("/api/analytics/session/start", json=start, headers=browser)
        assert made.status_code == 201
        sid = made.json()["sessionId"]
        assert two.client.put(f"/api/analytics/session/{sid}/progress",
                              json={"position": 90000}).status_code == 204
        assert two.client.post(f"/api/analytics/session/{sid}/end",
                               json={"position": 180000}).status_code == 204
    names = sorted(os.listdir(shared / "incoming"))
    assert len(names) == 2  # one file per collector
    playlog("ingest", str(shared / "incoming"), "--data", lake)
    user = json.loads(cli("user", "u-split", "--data", lake, "--days", "2", "--until",
                          "2026-11-22", "--format", "json"))
    assert user["tracks_played"] == 1  # one session, not a start and an orphan end
    assert user["total_listening_time_ms"] == 180000
