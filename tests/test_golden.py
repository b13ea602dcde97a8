"""Golden files: each report command in table, JSON and CSV on the sample store.

TZ=UTC, COLUMNS=100 and NO_COLOR come from conftest. Regenerate with
``PLAYLOG_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sample import T, build_sample
from typer.testing import CliRunner

from playlog.cli.app import app

GOLDEN = Path(__file__).parent / "golden"
# Read at import: the autouse fixture clears PLAYLOG_* variables before each test.
UPDATE = bool(os.environ.get("PLAYLOG_UPDATE_GOLDEN"))

COMMANDS = {
    "track": ["track", "t1", "--until", T],
    "user": ["user", "u1", "--until", T],
    "event": ["event", "e1", "--at", T],
    "event-period": ["event", "e1", "--period", "day", "--days", "7", "--at", T],
    "top-tracks": ["top-tracks", "--days", "7", "--until", T],
    "top-events": ["top-events", "--days", "7", "--until", T, "--by", "unique"],
    "realtime": ["realtime", "--at", T],
    "report": ["report", "--days", "7", "--until", T],
}
EXTENSIONS = {"table": "txt", "json": "json", "csv": "csv"}


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    return build_sample(tmp_path_factory.mktemp("sample"))


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
@pytest.mark.parametrize("name", list(COMMANDS))
def test_golden(sample_store, name, fmt):
    args = [*COMMANDS[name], "--data", str(sample_store), "--format", fmt]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    path = GOLDEN / f"{name}.{EXTENSIONS[fmt]}"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == path.read_text(encoding="utf-8")
    assert "\x1b[" not in result.stdout
