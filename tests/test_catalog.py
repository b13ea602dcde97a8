"""Track catalog import: columns, upserts, bad rows, the CLI."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from playlog.catalog import COLUMNS, catalog_size, import_catalog, load_catalog
from playlog.cli.app import app
from playlog.errors import InputError
from playlog.store.layout import Layout


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path):
    return tmp_path / "data"


def test_import_stores_typed_columns_and_keeps_extras(tmp_path, data):
    csv = write(
        tmp_path / "tracks.csv",
        "track_id,title,artist,album,genre,duration_ms,isrc\n"
        "t1,Blue Song,Ann,First,jazz,180000,US-1\n"
        't2,"Red, Song",Bob,,rock,,US-2\n',
    )
    result = import_catalog(csv, data)
    assert (result.rows, result.added, result.changed, result.total) == (2, 2, 0, 2)
    assert result.path == Layout(data).catalog and result.path.is_file()
    frame = load_catalog(data)
    assert frame.columns == [*COLUMNS, "isrc"]
    assert frame.schema["duration_ms"] == pl.Int64
    assert frame.rows() == [
        ("t1", "Blue Song", "Ann", "First", "jazz", 180000, "US-1"),
        ("t2", "Red, Song", "Bob", None, "rock", None, "US-2"),
    ]
    assert not list(result.path.parent.glob("*.tmp"))


def test_reimporting_the_same_catalog_changes_nothing(tmp_path, data):
    csv = write(tmp_path / "tracks.csv", "track_id,title,isrc\nt1,One,US-1\nt2,,US-2\n")
    import_catalog(csv, data)
    before = Layout(data).catalog.stat().st_mtime_ns
    again = import_catalog(csv, data)
    assert (again.rows, again.added, again.changed, again.unchanged) == (2, 0, 0, 2)
    assert Layout(data).catalog.stat().st_mtime_ns == before  # not rewritten
    one_more = write(tmp_path / "more.csv", "track_id,title,isrc\nt1,One,US-1\nt2,Two,US-2\n")
    result = import_catalog(one_more, data)
    assert (result.added, result.changed, result.unchanged) == (0, 1, 1)


def test_reimport_command_says_nothing_changed(tmp_path, data):
    from typer.testing import CliRunner

    from playlog.cli.app import app

    csv = write(tmp_path / "tracks.csv", "track_id,title\nt1,One\nt2,Two\n")
    runner = CliRunner()
    args = ["catalog", "import", str(csv), "--data", str(data), "--format", "table"]
    assert "2 added, 0 changed" in runner.invoke(app, args).stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 0
    assert "0 added, 0 changed, 2 unchanged" in again.stdout


def test_only_track_id_is_required(tmp_path, data):
    import_catalog(write(tmp_path / "ids.csv", "track_id,genre\nt9,pop\n"), data)
    assert load_catalog(data).row(0, named=True) == {
        "track_id": "t9",
        "title": None,
        "artist": None,
        "album": None,
        "genre": "pop",
        "duration_ms": None,
    }


def test_reimport_upserts_by_track_id(tmp_path, data):
    import_catalog(
        write(tmp_path / "a.csv", "track_id,title,duration_ms\nt1,Old,100\nt2,Two,200\n"), data
    )
    result = import_catalog(
        write(tmp_path / "b.csv", "track_id,title,duration_ms\nt1,New,150\nt3,Three,300\n"), data
    )
    assert (result.added, result.changed, result.unchanged, result.total) == (1, 1, 0, 3)
    frame = load_catalog(data).sort("track_id")
    assert frame.select("track_id", "title", "duration_ms").rows() == [
        ("t1", "New", 150),
        ("t2", "Two", 200),
        ("t3", "Three", 300),
    ]
    assert catalog_size(data) == 3


def test_last_row_of_an_id_wins_within_a_file(tmp_path, data):
    import_catalog(write(tmp_path / "d.csv", "track_id,title\nt1,First\nt1,Second\n"), data)
    assert load_catalog(data)["title"].to_list() == ["Second"]


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("t1,A,100\n,B,200\n", 3, "missing track_id"),
        ("t1,A,100\nt2,B,-5\n", 3, "negative duration_ms '-5'"),
        ("t1,A,3.5\n", 2, "duration_ms '3.5' is not an integer"),
        ("t1,A,100\nt2,B,abc\nt3,C,-1\n", 3, "duration_ms 'abc' is not an integer (and 1 more"),
        ('t1,"multi\nline title",100\n\nt2,B,x\n', 5, "duration_ms 'x' is not an integer"),
    ],
)
def test_bad_rows_name_their_line_and_write_nothing(tmp_path, data, body, line, reason):
    csv = write(tmp_path / "bad.csv", "track_id,title,duration_ms\n" + body)
    with pytest.raises(InputError) as caught:
        import_catalog(csv, data)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{csv}:{line}: {reason}")
    assert not Layout(data).catalog.exists()


def test_file_without_track_id_column(tmp_path, data):
    with pytest.raises(InputError, match="no track_id column"):
        import_catalog(write(tmp_path / "x.csv", "id,title\n1,A\n"), data)


def test_missing_file(tmp_path, data):
    with pytest.raises(InputError, match="no such file"):
        import_catalog(tmp_path / "nope.csv", data)


def test_load_catalog_when_none(data):
    frame = load_catalog(data)
    assert frame.height == 0 and frame.columns == list(COLUMNS)
    assert catalog_size(data) == 0


def test_cli_import_and_show(tmp_path, data):
    csv = write(tmp_path / "tracks.csv", "track_id,title,artist,duration_ms\nt1,Song,Ann,1000\n")
    runner = CliRunner()
    result = runner.invoke(app, ["catalog", "import", str(csv), "--data", str(data), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 1
    shown = runner.invoke(app, ["catalog", "show", "--data", str(data), "-f", "json"])
    assert json.loads(shown.stdout) == {
        "tracks": 1,
        "rows": [
            {
                "track_id": "t1",
                "title": "Song",
                "artist": "Ann",
                "album": None,
                "genre": None,
                "duration_ms": 1000,
            }
        ],
    }


def test_cli_bad_row_is_one_error_line(tmp_path, data):
    csv = write(tmp_path / "bad.csv", "track_id,duration_ms\nt1,-3\n")
    result = CliRunner().invoke(app, ["catalog", "import", str(csv), "--data", str(data)])
    assert result.exit_code == 4
    assert result.stderr == f"playlog: error: {csv}:2: negative duration_ms '-3'\n"
    assert result.stdout == ""
