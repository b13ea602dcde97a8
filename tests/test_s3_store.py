"""The store on an object store: a local S3 server (moto, tests/s3server.py), real processes.

The same commands on ``--data s3://…`` give the same answers as on a local folder;
listing a dataset's prefix gives exactly its committed files; concurrent ingests
lose and double nothing; a run killed in the middle of its commit is completed by
the next; two collectors and one ingester merge a session split between them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import uuid

import pytest
from conftest import NOW, SAMPLE_DATA
from s3server import S3Server
from servehelp import Server

pytest.importorskip("moto")
LOGS = os.path.join(SAMPLE_DATA, "logs")
CATALOG = os.path.join(SAMPLE_DATA, "tracks.csv")


@pytest.fixture(scope="session")
def s3():
    server = S3Server.start()
    saved = {k: os.environ.get(k) for k in server.env()}
    os.environ.update(server.env())
    try:
        yield server
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def lake(s3):
    """A fresh s3:// data directory (its own prefix of a shared bucket)."""
    if "lake" not in [b["Name"] for b in s3.client().list_buckets()["Buckets"]]:
        s3.bucket("lake")
    return f"s3://lake/{uuid.uuid4().hex[:8]}"


def playlog(*args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "playlog", *args], capture_output=True,
                          text=True, env={**os.environ, "PLAYLOG_NOW": NOW, **(env or {})},
                          timeout=300, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def answers(data: str) -> dict:
    """What the reports say about the store (their JSON)."""
    return {name: json.loads(playlog(*cmd, "--data", data, "--format", "json").stdout)
            for name, cmd in {"report": ["report", "--days", "7"],
                              "report30": ["report", "--days", "30"],
                              "top": ["top-tracks", "--days", "30"],
                              "traffic": ["traffic", "--days", "30"],
                              "top-events": ["top-events", "--days", "30"]}.items()}


def keys(s3: S3Server, url: str) -> list[str]:
    bucket, _, prefix = url[len("s3://"):].partition("/")
    pages = s3.client().get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                   Prefix=prefix + "/")
    return sorted(o["Key"][len(prefix) + 1:] for page in pages for o in page.get("Contents", []))


@pytest.fixture(scope="module")
def local_sample(tmp_path_factory):
    data = tmp_path_factory.mktemp("local") / "data"
    playlog("ingest", LOGS, "--data", str(data), "--catalog", CATALOG)
    return str(data)


def test_ingest_and_reports_on_s3_equal_a_local_store(s3, lake, local_sample):
    playlog("ingest", LOGS, "--data", lake, "--catalog", CATALOG)
    assert answers(lake) == answers(local_sample)
    stored = keys(s3, lake)
    assert "state/ledger.json" in stored and "catalog/tracks.parquet" in stored
    assert not [k for k in stored if "staging" in k or k in (".lock", "state/journal.json")]
    again = json.loads(playlog("ingest", LOGS, "--data", lake, "--format", "json").stdout)
    assert again["records"] == 0  # the ledger on the object store knows every file
    assert answers(lake) == answers(local_sample)


SALT = b"the-same-salt-for-both-stores\n"


def test_cleanup_compact_and_doctor_on_s3(s3, lake, local_sample, tmp_path):
    local = tmp_path / "local"
    (local / "state").mkdir(parents=True)
    (local / "state" / "salt").write_bytes(SALT)  # the same keys: the same sketches
    bucket, _, prefix = lake[len("s3://"):].partition("/")
    s3.client().put_object(Bucket=bucket, Key=f"{prefix}/state/salt", Body=SALT)
    for data in (lake, str(local)):
        for day in ("14", "15", "16"):  # three runs: several files a day to compact
            playlog("ingest", os.path.join(LOGS, f"stream-2026-11-{day}.jsonl.gz"),
                    os.path.join(LOGS, "stream.jsonl"), "--data", data)
    before = keys(s3, lake)
    for data in (lake, str(local)):
        playlog("cleanup", "--data", data, "--older-than", "6d", "--anonymize-ip-after", "5d")
        playlog("compact", "--data", data)
    got, want = answers(lake), answers(str(local))
    for name in want:
        assert got[name] == want[name], name
    after = keys(s3, lake)
    assert not [k for k in after if k.startswith("sessions/date=2026-11-14")]
    assert [k for k in before if k.startswith("sessions/date=2026-11-14")]
    assert any(k.startswith("rollup_plays/date=2026-11-14") for k in after)
    assert "state/retention.json" in after
    days = {k.rsplit("/", 1)[0] for k in after if k.startswith("sessions/")}
    assert len(days) == len([k for k in after if k.startswith("sessions/")])  # one file a day
    doctor = json.loads(playlog("doctor", "--data", lake, "--format", "json").stdout)
    assert doctor["store"]["problems"] == [] and doctor["store"]["files"] > 10


def test_doctor_names_a_broken_file_on_s3(s3, lake):
    playlog("ingest", os.path.join(LOGS, "stream.jsonl"), "--data", lake)
    bucket, _, prefix = lake[len("s3://"):].partition("/")
    broken = f"{prefix}/sessions/date=2026-11-20/part-broken.parquet"
    s3.client().put_object(Bucket=bucket, Key=broken, Body=b"not parquet")
    doctor = playlog("doctor", "--data", lake, "--format", "json", check=False)
    problems = json.loads(doctor.stdout)["store"]["problems"]
    assert [p["path"] for p in problems] == [f"s3://{bucket}/{broken}"]


def test_two_concurrent_ingests_lose_and_double_nothing(s3, lake, local_sample):
    files = sorted(os.listdir(LOGS))
    halves = [[os.path.join(LOGS, f) for f in files[0::2]],
              [os.path.join(LOGS, f) for f in files[1::2]]]
    env = {**os.environ, "PLAYLOG_NOW": NOW}
    playlog("catalog", "import", CATALOG, "--data", lake)  # as the local store had it
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
    assert answers(lake) == answers(local_sample)


def test_a_second_ingest_is_refused_while_the_lease_is_held(s3, lake):
    playlog("ingest", os.path.join(LOGS, "stream.jsonl"), "--data", lake)
    bucket, _, prefix = lake[len("s3://"):].partition("/")
    lease = {"owner": "x", "pid": 4242, "host": "elsewhere", "expires": 4102444800}
    s3.client().put_object(Bucket=bucket, Key=f"{prefix}/.lock", Body=json.dumps(lease))
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


def test_an_ingest_killed_mid_commit_is_completed_by_the_next_run(s3, lake, local_sample, tmp_path):
    script = tmp_path / "killed.py"
    script.write_text(KILLER)
    env = {**os.environ, "PLAYLOG_NOW": NOW, "PLAYLOG_S3_LEASE": "3"}
    killed = subprocess.run([sys.executable, str(script), "ingest", LOGS, "--data", lake,
                             "--catalog", CATALOG], env=env, capture_output=True, timeout=300,
                            check=False)
    assert killed.returncode == -signal.SIGKILL
    left = keys(s3, lake)
    assert "state/journal.json" in left and ".lock" in left
    assert any("state/staging/" in k for k in left)  # staged, outside the datasets
    playlog("ingest", LOGS, "--data", lake, "--wait", "60", env={"PLAYLOG_S3_LEASE": "3"})
    done = keys(s3, lake)
    assert not [k for k in done if "staging" in k or k in (".lock", "state/journal.json")]
    assert answers(lake) == answers(local_sample)


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
    user = json.loads(playlog("user", "u-split", "--data", lake, "--days", "2", "--until",
                              "2026-11-22", "--format", "json").stdout)
    assert user["tracks_played"] == 1  # one session, not a start and an orphan end
    assert user["total_listening_time_ms"] == 180000
