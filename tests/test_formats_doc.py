"""docs/formats.md describes every format of the registry, with its own section."""

from __future__ import annotations

from pathlib import Path

import pytest

from playlog.parse import registry

DOC = (Path(__file__).parents[1] / "docs" / "formats.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f.name for f in registry.formats()])
def test_every_format_is_in_the_table_and_has_a_section(name):
    assert f"| `{name}` |" in DOC
    if name != "native":  # the native format's section is "Native format: JSON Lines"
        assert f"### `{name}`" in DOC or f", `{name}` —" in DOC
