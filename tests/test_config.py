"""Settings mistakes are one line naming the file, key or variable; zones in any case."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.config import load_settings
from playlog.errors import UsageError


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "playlog.toml"
    monkeypatch.setenv("PLAYLOG_CONFIG", str(path))
    monkeypatch.setenv("PLAYLOG_DATA", str(tmp_path / "data"))
    return path


def test_an_unknown_key_names_the_file_the_key_and_the_closest_known_key(config):
    config.write_text('[cleanup]\nolder_then = "1d"\n')
    result = invoke("cleanup", "--dry-run")
    assert result.exit_code == 2
    assert error_line(result) == (
        f"playlog: error: {config}: [cleanup] older_then: unknown key (did you mean older_than?)")


def test_an_unknown_top_level_key_or_section(config):
    config.write_text('datadir = "/srv/playlog"\n')
    with pytest.raises(UsageError, match=r"datadir: unknown key \(did you mean data\?\)"):
        load_settings()
    config.write_text('[clean_up]\nolder_than = "1d"\n')
    with pytest.raises(UsageError, match=r"clean_up: unknown section \(did you mean cleanup\?\)"):
        load_settings()


def test_known_keys_load(config):
    config.write_text('tz = "Europe/Paris"\nsession_timeout = "20m"\n'
                      '[cleanup]\nolder_than = "90d"\nanonymize_ip_after = "30d"\n')
    settings = load_settings()
    assert settings.tz == "Europe/Paris" and settings.section("cleanup")["older_than"] == "90d"


def test_playlog_config_naming_a_missing_file(tmp_path, monkeypatch):
    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("PLAYLOG_CONFIG", str(missing))
    result = invoke("top-tracks", "--data", str(tmp_path))
    assert result.exit_code == 2
    line = error_line(result)
    assert line.startswith(f"playlog: error: PLAYLOG_CONFIG: {missing} does not exist")


def test_a_missing_default_config_file_is_fine(tmp_path):
    assert load_settings(data=tmp_path).config_file is None


def test_a_bad_zone_is_blamed_on_where_it_came_from(config, monkeypatch):
    config.write_text("")
    monkeypatch.setenv("PLAYLOG_TZ", "Europe/Pariss")
    line = error_line(invoke("top-tracks"))
    assert line.startswith("playlog: error: PLAYLOG_TZ: unknown time zone 'Europe/Pariss'")
    assert "did you mean Europe/Paris" in line and "--tz" not in line
    monkeypatch.delenv("PLAYLOG_TZ")
    config.write_text('tz = "paris"\n')
    line = error_line(invoke("top-tracks"))
    assert line == (f"playlog: error: {config}: tz: unknown time zone 'paris' "
                    "(did you mean Europe/Paris?)")
    line = error_line(invoke("top-tracks", "--tz", "Mars/Olympus"))
    assert line.startswith("playlog: error: --tz: unknown time zone 'Mars/Olympus'")


@pytest.mark.parametrize("typed, canonical", [
    ("europe/paris", "Europe/Paris"), ("ASIA/KOLKATA", "Asia/Kolkata"), ("utc", "UTC"),
    ("America/New_York", "America/New_York"),
])
def test_zone_names_in_any_letter_case(tmp_path, typed, canonical):
    assert load_settings(data=tmp_path, tz=typed).tz == canonical


def test_bare_playlog_prints_the_help_page_only():
    for args in ([], ["catalog"]):
        out = subprocess.run([sys.executable, "-m", "playlog", *args],
                             capture_output=True, text=True, check=False)
        assert out.returncode == 2
        assert out.stderr == ""
        assert out.stdout.startswith("Usage: playlog ")
        assert "Examples:" in out.stdout and "playlog: error" not in out.stdout
