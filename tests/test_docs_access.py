"""docs/ stays true for web-server logs: every format documented with its sample line,
every traffic key defined, the traffic command shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from playlog.parse import registry
from playlog.query.traffic import TOTAL_KEYS

DOCS = Path(__file__).parents[1] / "docs"
TRAFFIC_KEYS = ["window", "previous_window", "previous_totals", "change", "by_day", "by_hour",
                "top_paths", "top_static", "not_found", "status_codes", "referrers", "sources",
                "browsers", "os", "device_types", "countries", "vhosts", "bots"]


@pytest.mark.parametrize("fmt", [f.name for f in registry.formats()])
def test_every_format_is_documented_with_its_sample(fmt):
    text = (DOCS / "formats.md").read_text(encoding="utf-8")
    found = registry.get(fmt)
    assert f"| `{fmt}` |" in text
    assert found.sample.split("\n")[-1] in text


def test_every_traffic_key_is_defined():
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    section = text.split("## Web traffic")[1]
    for key in TRAFFIC_KEYS + [f"totals.{k}" for k in TOTAL_KEYS]:
        assert re.search(rf"`{re.escape(key)}`", section), key


def test_traffic_is_shown_in_commands():
    assert "## `playlog traffic`" in (DOCS / "commands.md").read_text(encoding="utf-8")
