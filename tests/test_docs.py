"""The documentation stays true: README's commands, every command documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    first_section = text.split("## ", 2)[1]
    return re.findall(r"```sh\n(.+?)\n```", first_section)


def test_readme_opens_with_the_two_commands():
    install_and_run, tests = readme_commands()
    assert "pip install ." in install_and_run and "playlog ingest sample_data/logs" in install_and_run
    assert "pytest" in tests


def test_ci_runs_exactly_the_readme_test_command():
    _, tests = readme_commands()
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_command_is_documented():
    import typer.main

    from playlog.cli.app import app

    docs = "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    for name in typer.main.get_command(app).commands:
        assert f"playlog {name}" in docs, f"`playlog {name}` is not in docs/"
