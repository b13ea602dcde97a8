"""A JSON document is read whole when every element is a play, by element otherwise
(parse.jsondoc): both readings give the same plays, and rejects keep their text."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import timedelta

import duckdb
import pyarrow as pa
import pytest
from exports import SAMPLE, stream

from playlog.parse import document as doc
from playlog.parse.formats import listenbrainz, maloja, spotify
from playlog.parse.jsondoc import document_plays, records_sql
from playlog.parse.lines import BOM
from playlog.parse.plays import plays_from
from playlog.parse.registry import ParseContext
from playlog.parse.source import open_file
from playlog.store.ledger import Ledger

CONTEXT = ParseContext("test.json", "salt", "file", user="someone")

# (format module's SELECT, structure, path, source name, a document of that format)
EDGES = [
    stream("2024-02-01T10:00:00Z", ms="183000", skipped=None, end="fwdbtn",
           title="Ünïcode — \"quoted\"", artist="  Nordic Tides "),
    stream("2024-02-01T10:05:00Z", uri=None, title=None, artist=None, album=None,
           episode_name="Ep 1", episode_show_name="A Show",
           spotify_episode_uri="spotify:episode:0Q86acNRm6V9GYx55SXKwf"),
    stream("2024-02-01T10:09:00.5Z", ms=0, skipped=True, reason_end="backbtn",
           conn_country="de", platform="web_player windows 10;chrome 120.0.0.0;desktop",
           extra_nested={"a": [1, 2]}),
]


def _sample(name: str) -> str:
    return next(p for p in sorted((SAMPLE / name).rglob("*.json*"))).read_text(encoding="utf-8")


CASES = [
    ("spotify", spotify.extended_sql, spotify.EXTENDED, "$", _sample("spotify")),
    ("spotify-edges", spotify.extended_sql, spotify.EXTENDED, "$", json.dumps(EDGES, indent=2)),
    ("spotify-account", spotify.account_sql, spotify.ACCOUNT, "$", _sample("spotify-account")),
    ("maloja", maloja.scrobbles_sql, maloja.STRUCTURE, maloja.PATH, _sample("maloja")),
    ("listenbrainz", listenbrainz.listens_sql, listenbrainz.STRUCTURE, "$",
     json.dumps([json.loads(line) for line in _sample("listenbrainz").splitlines() if line])),
]


def _lines(text: str) -> pa.Table:
    return pa.table({"line_no": pa.array([1], pa.int64()), "line": [text]})


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


@pytest.mark.parametrize("name,select,structure,path,text", CASES, ids=[c[0] for c in CASES])
def test_reading_whole_and_by_element_give_the_same_plays(con, name, select, structure, path,
                                                            text):
    lines = _lines(text)
    whole = plays_from(con, select(records_sql(structure, path, whole=True)), CONTEXT, name,
                       {"lines": lines})
    each = plays_from(con, select(records_sql(structure, path)), CONTEXT, name,
                      {"lines": lines})
    assert whole.records.num_rows == each.records.num_rows > 0
    assert whole.records.column("reason").null_count == whole.records.num_rows
    # the same rows; their order is the query's (catalog rows come from a GROUP BY)
    assert whole.records.sort_by("line_no").equals(each.records.sort_by("line_no"))
    assert whole.catalog.sort_by("track_id").equals(each.catalog.sort_by("track_id"))


def test_a_document_with_a_bad_element_is_read_by_element(con):
    good = stream("2024-02-01T10:00:00Z")
    text = json.dumps([good, 42, {**good, "ms_played": "lots"}, {**good, "ts": None}])
    parsed = document_plays(con, _lines(text), spotify.extended_sql, spotify.EXTENDED,
                            CONTEXT, "spotify")
    rows = parsed.records.to_pylist()
    assert [r["reason"] for r in rows] == [None, "not a JSON object", "invalid ms_played: lots",
                                           "missing time"]
    assert rows[1]["raw"] == "42" and json.loads(rows[2]["raw"])["ms_played"] == "lots"


@pytest.mark.parametrize("text,reason", [
    ('[{"ts": "2024-02-01T10:00:00Z", "ms_played": 1}', "invalid JSON"),
    ('{"ts": "2024-02-01T10:00:00Z"}', "not a JSON array"),
    ('[]', None),
])
def test_a_document_that_is_no_array_is_one_reject(con, text, reason):
    parsed = document_plays(con, _lines(text), spotify.extended_sql, spotify.EXTENDED,
                            CONTEXT, "spotify")
    if reason is None:
        assert parsed.records.num_rows == 0 and parsed.rejects is None
        return
    assert parsed.records is None and parsed.rejects.num_rows == 1
    assert parsed.rejects.column("reason")[0].as_py().startswith(reason)


@pytest.mark.parametrize("value", ["NaN", "1e22", "-1e30", '"12abc"'])
def test_a_bad_number_is_a_reject_not_an_error_that_stops_the_run(tmp_path, value):
    """A played duration or a time that is no real number (NaN, far out of range) rejects
    its record; a length that is none is unknown. The other records are read."""
    from logs import run

    good = stream("2024-02-01T10:00:00Z")
    spotify_doc = "[" + json.dumps(good) + ", " + json.dumps(
        {**good, "ts": "2024-02-01T11:00:00Z"}).replace('"ms_played": 212000',
                                                          f'"ms_played": {value}') + "]"
    listens = "\n".join([
        json.dumps({"listened_at": 1706781600, "track_metadata": {
            "artist_name": "A", "track_name": "T", "additional_info": {"duration_ms": 1}}}),
        '{"listened_at": %s, "track_metadata": {"artist_name": "A", "track_name": "U"}}' % value,
        '{"listened_at": 1706781700, "track_metadata": {"artist_name": "A", "track_name": "V",'
        ' "additional_info": {"duration_ms": %s}}}' % value,
    ])
    scrobbles = ("uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n"
                 "1706781600,\"01 Feb 2024, 10:00\",A,,B,,T,\n"
                 f"{value.strip(chr(34))},\"x\",A,,B,,U,\n")
    files = {"Streaming_History_Audio_2024_0.json": spotify_doc, "listens.jsonl": listens,
             "scrobbles-a-1706781600.csv": scrobbles}
    for name, text in files.items():
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        summary = run(path, tmp_path / f"data-{name}", user="someone")
        assert summary.sessions >= 1 and summary.quarantined <= 1, name
    listened = run(tmp_path / "in" / "listens.jsonl", tmp_path / "data-listens.jsonl")
    assert listened.records == 0  # read once


@pytest.mark.parametrize("prefix", [b"", BOM], ids=["plain", "bom"])
@pytest.mark.parametrize("compressed", [False, True], ids=["file", "gzip"])
def test_a_document_is_its_content_without_a_byte_order_mark(tmp_path, con, prefix, compressed):
    content = _sample("spotify").encode()
    data = prefix + content
    path = tmp_path / ("history.json.gz" if compressed else "history.json")
    path.write_bytes(gzip.compress(data) if compressed else data)
    source = open_file(path, Ledger(), timedelta(0))
    try:
        document = doc.read_document(source, con)
    finally:
        source.close()
    assert document.lines.column("line")[0].as_py() == content.decode()
    assert document.key == doc.KEY_PREFIX + hashlib.sha256(content).hexdigest()[:32]
    assert document.size == len(content)


def test_invalid_utf8_in_a_document_is_replaced_and_a_long_one_read_in_pieces(
        tmp_path, con, monkeypatch):
    content = _sample("spotify").encode().replace(b'"Nordic', b'"\xffNordic', 1)
    assert b"\xff" in content
    path = tmp_path / "history.json"
    path.write_bytes(BOM + content)
    # the file grew after it was opened: more than its size then, read piece after piece
    monkeypatch.setattr(doc, "PIECE", 1000)
    source = open_file(path, Ledger(), timedelta(0))
    path.write_bytes(BOM + content + b"\n" * 5000)
    try:
        document = doc.read_document(source, con)
    finally:
        source.close()
    text = document.lines.column("line")[0].as_py()
    assert text == (content + b"\n" * 5000).decode("utf-8", "replace")
    assert "\ufffdNordic" in text
