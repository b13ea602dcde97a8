"""Tables fit 80, 100 and 120 columns without breaking a word or a number.

Each report is rendered at the width under test and at a width where nothing
has to give; at the narrow width every line fits, no cell wraps (each block
has as many lines as in the wide rendering) and every word is one of the wide
rendering's words, or ends with an ellipsis (shortened), or is a bar.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from playlog.cli.app import app

COMMANDS = {
    "track": ["track", "t0000", "--days", "3", "--until", "2026-11-20T18:00Z"],
    "user": ["user", "u00076", "--until", "2026-11-21"],
    "event": ["event", "ev000", "--at", "2026-11-20T18:00Z"],
    "event-period": ["event", "ev001", "--period", "day", "--until", "2026-11-21", "--days", "7"],
    "top-tracks": ["top-tracks", "--until", "2026-11-21", "--limit", "20"],
    "top-events": ["top-events", "--until", "2026-11-21"],
    "report": ["report", "--days", "7", "--until", "2026-11-20T12:00Z"],
    "realtime": ["realtime", "--at", "2026-11-20T21:00Z"],
    "traffic": ["traffic", "--days", "7", "--until", "2026-11-21", "--limit", "20"],
}
WIDE = 400
BAR = re.compile(r"^[█▁▂▃▄▅▆▇ ░▒▓]+$")


def render(data, args, width, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    result = CliRunner().invoke(app, [*args, "--data", str(data), "--format", "table"])
    assert result.exit_code == 0, result.output
    return result.stdout


def blocks(text: str) -> dict[str, list[str]]:
    """Blocks separated by blank lines, by their first line (a title), captions and notes
    left out."""
    found = {}
    for block in re.split(r"\n\s*\n", text):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if lines and not lines[0].startswith("Note:"):
            found[lines[0].split(",")[0]] = [line for line in lines if not line.startswith("(")]
    return found


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_tables_fit_without_breaking_words(shipped_store, monkeypatch, name, width):
    narrow = render(shipped_store, COMMANDS[name], width, monkeypatch)
    wide = render(shipped_store, COMMANDS[name], WIDE, monkeypatch)
    assert max(len(line.rstrip()) for line in narrow.splitlines()) <= width
    words = set(wide.split())
    for line in narrow.splitlines():
        if line.startswith(("(not shown", "Note:")):
            continue
        for word in line.split():
            assert word in words or word.endswith("…") or BAR.match(word), (word, line)
    narrow_blocks, wide_blocks = blocks(narrow), blocks(wide)
    assert narrow_blocks.keys() == wide_blocks.keys()
    for title, lines in narrow_blocks.items():
        assert len(lines) == len(wide_blocks[title]), (title, lines)


def test_at_80_columns_numbers_stay_whole(shipped_store, monkeypatch):
    text = render(shipped_store, COMMANDS["top-tracks"], 80, monkeypatch)
    assert "30h 50m 21s" in text and "time" in text.splitlines()[1]
    assert "(not shown at 80 columns: completion, skips)" in text
    assert "skips" in render(shipped_store, COMMANDS["top-tracks"], 100, monkeypatch)
