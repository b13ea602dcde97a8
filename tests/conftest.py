"""Shared fixtures: every test runs isolated from the developer's machine."""

from __future__ import annotations

import os

import pytest

# The pinned "now" of every test: just after the last day of tests/sample.py.
NOW = "2026-11-21T00:00:00Z"


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    for key in list(os.environ):
        if key.startswith("PLAYLOG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    # Every "now" of playlog is pinned: no test depends on the day it runs.
    monkeypatch.setenv("PLAYLOG_NOW", NOW)
    yield


SAMPLE_DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "sample_data")


@pytest.fixture(scope="session")
def shipped_store(tmp_path_factory):
    """A store of the shipped sample data, as README's first command builds it (read only:
    copy it before changing it)."""
    from typer.testing import CliRunner

    from playlog.cli.app import app

    data = tmp_path_factory.mktemp("shipped") / "data"
    result = CliRunner().invoke(app, [
        "ingest", os.path.join(SAMPLE_DATA, "logs"), "--data", str(data),
        "--catalog", os.path.join(SAMPLE_DATA, "tracks.csv"), "--format", "json"])
    assert result.exit_code == 0, result.output
    return data


@pytest.fixture(scope="session")
def s3_server():
    """One local S3 server (moto, tests/s3server.py) for the whole session, started when a
    test first asks for it. It does not touch the environment: see ``s3``."""
    pytest.importorskip("moto")
    from s3server import S3Server

    server = S3Server.start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    """The session's S3 server, its address and credentials in this test's environment
    (so in that of the playlog processes it starts)."""
    for key, value in s3_server.env().items():
        monkeypatch.setenv(key, value)
    return s3_server


@pytest.fixture
def lake(s3):
    """A fresh s3:// data directory of this test's own."""
    return s3.lake()
