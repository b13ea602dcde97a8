"""`playlog doctor` and the help of the enrichment commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from playlog.cli.app import app


def test_doctor_json_reports_what_enrichment_uses(tmp_path):
    result = CliRunner().invoke(app, ["doctor", "--data", str(tmp_path), "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["data_dir"] == str(tmp_path)
    assert report["geoip"]["database_type"] == "GeoLite2-City"
    assert report["geoip"]["embedded"] is True
    assert report["geoip"]["build_date"].startswith("2018-07-03")
    assert report["user_agents"]["ua_parser"] != "absent"
    assert report["catalog"]["tracks"] == 0
    assert any("old one embedded" in warning for warning in report["warnings"])


def test_doctor_table_shows_the_old_database_warning(tmp_path):
    result = CliRunner().invoke(app, ["doctor", "--data", str(tmp_path), "-f", "table"])
    assert result.exit_code == 0
    assert "GeoLite2-City" in result.stdout and "2018-07-03" in result.stdout
    assert "old one embedded" in result.stderr


def test_doctor_with_missing_database_fails_with_one_line(tmp_path):
    missing = tmp_path / "missing.mmdb"
    result = CliRunner().invoke(
        app, ["doctor", "--data", str(tmp_path), "--geoip-db", str(missing), "-f", "json"]
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["geoip"]["path"] == str(missing)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"playlog: error: {missing} (set by --geoip-db)")


@pytest.mark.parametrize(
    "args", [["doctor"], ["catalog"], ["catalog", "import"], ["catalog", "show"]]
)
def test_help_has_examples(args):
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "playlog " + args[0] in result.stdout


def test_installed_command_runs_doctor(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "playlog", "doctor", "--data", str(tmp_path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["catalog"]["tracks"] == 0
