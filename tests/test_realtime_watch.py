"""`realtime --watch N --format json` is JSON Lines: one object per refresh, flushed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from sample import build_sample


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    return build_sample(tmp_path_factory.mktemp("sample"))


def playlog(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "playlog", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy(), **kw)


def test_each_refresh_is_one_json_line(sample_store):
    proc = playlog("realtime", "--watch", "0.5", "--count", "3", "--format", "json",
                   "--data", str(sample_store))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    for line in lines:
        snapshot = json.loads(line)
        assert {"current_listeners", "top_tracks_now", "window"} <= set(snapshot)


def test_a_refresh_reaches_the_pipe_before_the_next_one(sample_store):
    proc = playlog("realtime", "--watch", "30", "--format", "json", "--data", str(sample_store))
    try:
        started = time.monotonic()
        first = proc.stdout.readline()  # would block for ever if the line sat in a buffer
        assert time.monotonic() - started < 25
        assert isinstance(json.loads(first)["current_listeners"], int)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
