"""The HTML pages without a browser: the embedded JSON is the report's JSON, its
outline is golden, the page asks for nothing from anywhere, -o writes a file.

Golden outlines: ``PLAYLOG_UPDATE_GOLDEN=1 pytest tests/test_html.py`` rewrites
tests/golden/html/*.outline.json; review the diff (a renamed key there is a key
the page reads, see docs/html.md).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from pathlib import Path

import pytest
from conftest import NOW
from htmlpages import COMMANDS, TRAFFIC, cli_output, write_pages
from sample import T, build_sample
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.render.html import KINDS, read_page_data, render_page

GOLDEN = Path(__file__).parent / "golden" / "html"
VENDOR = Path(__file__).resolve().parents[1] / "src" / "playlog" / "render" / "assets" / "vendor"
UPDATE = bool(os.environ.get("PLAYLOG_UPDATE_GOLDEN"))


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    return build_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def pages(sample_store, tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:  # module scope: before the autouse fixture
        env.setenv("PLAYLOG_NOW", NOW)
        return write_pages(sample_store, tmp_path_factory.mktemp("pages"))


def outline(value):
    """The shape of a JSON value: keys and value types; a list by its first item.
    Keys that are data (days, hours, countries) are shown as one ``*`` key."""
    if isinstance(value, dict):
        keys = list(value)
        if keys and all(re.fullmatch(r"\d{4}-\d\d-\d\d|\d+|[A-Z]{2}", k) for k in keys):
            return {"*": outline(value[keys[0]])}
        return {k: outline(v) for k, v in value.items()}
    if isinstance(value, list):
        return [outline(value[0])] if value else []
    return "null" if value is None else type(value).__name__


def test_every_kind_has_a_page(pages):
    assert set(pages) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_embedded_json_is_the_reports_json(pages, kind):
    path, expected = pages[kind]
    data, meta = read_page_data(path.read_text(encoding="utf-8"))
    assert data == expected
    assert meta["kind"] == kind
    assert meta["generated_at"] == NOW  # the pinned clock


@pytest.mark.parametrize("kind", KINDS)
def test_embedded_outline_is_golden(pages, kind):
    path, _ = pages[kind]
    data, meta = read_page_data(path.read_text(encoding="utf-8"))
    found = {"data": outline(data), "meta": outline(meta)}
    golden = GOLDEN / f"{kind}.outline.json"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    assert found == json.loads(golden.read_text(encoding="utf-8"))


def test_cli_pages_carry_the_window(pages):
    _, meta = read_page_data(pages["top-tracks"][0].read_text(encoding="utf-8"))
    assert meta["window"] == {"from": "2026-11-13T18:00:00Z", "to": T, "tz": "UTC"}
    assert meta["by"] == "plays"
    _, meta = read_page_data(pages["event-periods"][0].read_text(encoding="utf-8"))
    assert (meta["event_id"], meta["period"]) == ("e1", "day")
    assert "<title>Event page e1 by day · playlog</title>" in pages["event-periods"][0].read_text()
    _, meta = read_page_data(pages["track"][0].read_text(encoding="utf-8"))
    assert meta["window"] == {"from": None, "to": T, "tz": "UTC"}  # all time until T


@pytest.mark.parametrize("kind", KINDS)
def test_page_loads_nothing_from_anywhere(pages, kind):
    page = pages[kind][0].read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|link|iframe|source|video|audio)\b[^>]*\s(src|href)=",
                         page, re.IGNORECASE)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1]
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "sourceMappingURL" not in page


def test_map_shapes_only_where_there_are_countries(pages):
    for kind in KINDS:
        page = pages[kind][0].read_text(encoding="utf-8")
        world = re.search(r'id="playlog-world">(.*?)</script>', page, re.DOTALL)[1]
        assert (world != "null") == (kind in ("report", "track", "realtime", "traffic")), kind


def test_data_cannot_close_its_script_element():
    hostile = "</script><script>alert(1)</script><!--"
    data = {**TRAFFIC, "top_paths": [{"path": hostile, "requests": 1, "visitors": 1,
                                      "bandwidth": 1}]}
    page = render_page("traffic", data)
    assert hostile not in page
    assert read_page_data(page)[0]["top_paths"][0]["path"] == hostile
    placeholders = {"path": "{{script}} {{data}}", "requests": 1, "visitors": 1, "bandwidth": 1}
    page = render_page("traffic", {**TRAFFIC, "top_paths": [placeholders]})
    assert read_page_data(page)[0]["top_paths"][0]["path"] == "{{script}} {{data}}"
    track = render_page("track", {"title": hostile, "track_id": "t"})
    assert hostile not in track
    assert f"<title>{html.escape(hostile)} · playlog</title>" in track


def test_live_page_may_fetch_its_own_origin_only():
    page = render_page("report", {}, refresh_url="/api/analytics/report?days=7",
                       refresh_seconds=15, token="t0ken")
    _, meta = read_page_data(page)
    assert meta["live"] == {"url": "/api/analytics/report?days=7", "every": 15,
                            "token": "t0ken"}
    assert "connect-src 'self'" in page


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="no HTML page for 'catalog'"):
        render_page("catalog", {})


def test_watch_writes_no_page(sample_store):
    result = CliRunner().invoke(app, ["realtime", "--watch", "5", "--format", "html",
                                      "--data", str(sample_store)])
    assert result.exit_code == 2 and result.stdout == ""
    assert "--watch: writes to stdout in table, json or csv" in result.stderr


def test_commands_without_a_page_do_not_offer_html(sample_store):
    result = CliRunner().invoke(app, ["catalog", "show", "--format", "html",
                                      "--data", str(sample_store)])
    assert result.exit_code == 2 and "'html' is not one of" in result.stderr


def test_vendored_files_match_their_manifest():
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    assert set(manifest["packages"]) >= {"chart.js", "chartjs-chart-matrix",
                                          "chartjs-chart-geo", "world-atlas"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    for package in manifest["packages"]:
        assert (VENDOR / f"LICENSE.{package}").exists()


def test_output_file_and_its_suffix(sample_store, tmp_path):
    target = tmp_path / "week.html"
    args = [*COMMANDS["report"], "--data", str(sample_store)]
    result = CliRunner().invoke(app, [*args, "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    data, _ = read_page_data(target.read_text(encoding="utf-8"))
    assert data == json.loads(cli_output(sample_store, COMMANDS["report"], "json"))
    as_json = tmp_path / "week.json"
    CliRunner().invoke(app, [*args, "--output", str(as_json)])
    assert json.loads(as_json.read_text()) == data
    as_csv = tmp_path / "top.txt"
    CliRunner().invoke(app, [*COMMANDS["top-tracks"], "--data", str(sample_store),
                             "--format", "csv", "-o", str(as_csv)])
    assert as_csv.read_text().startswith("rank,track_id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["top.txt", "week.html", "week.json"]


def test_unwritable_output_is_one_line_naming_the_option(sample_store, tmp_path):
    target = tmp_path / "missing" / "r.html"
    result = CliRunner().invoke(app, [*COMMANDS["report"], "--data", str(sample_store),
                                      "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"playlog: error: --output: cannot write {target}: No such file or directory"]
    assert result.stdout == ""


def test_html_of_an_empty_window_is_a_page_not_a_message(sample_store):
    page = cli_output(sample_store, ["report", "--days", "7", "--until", "2020-01-08"], "html")
    data, _ = read_page_data(page)
    assert data["totals"]["total_plays"] == 0


def test_a_month_of_the_shipped_sample_is_well_under_the_size_limit(tmp_path):
    sample = Path(__file__).resolve().parents[1] / "sample_data"
    data = str(tmp_path / "data")
    ingest = CliRunner().invoke(app, ["ingest", str(sample / "logs"), "--catalog",
                                      str(sample / "tracks.csv"), "--data", data])
    assert ingest.exit_code == 0, ingest.output
    page = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", "--days", "30", "--until", "2026-11-21",
                                      "--data", data, "--format", "html", "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert read_page_data(page.read_text(encoding="utf-8"))[0]["totals"]["total_plays"] > 1000
    assert page.stat().st_size < 1_500_000
