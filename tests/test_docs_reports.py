"""Every report command is documented with real output, and every SPEC §3 key in metrics.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"
GOLDEN = Path(__file__).parent / "golden"
COMMANDS = ["track", "user", "event", "top-tracks", "top-events", "realtime", "report"]


@pytest.mark.parametrize("name", COMMANDS)
def test_command_documented(name):
    assert f"## `playlog {name}`" in (DOCS / "commands.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["track", "user", "event", "realtime", "report"])
def test_every_json_key_is_defined(name):
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    keys = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    if name == "user":
        keys.update(keys.pop("listening_patterns"))
    for key in keys:
        assert f"`{key}`" in text or f".{key}`" in text, key
