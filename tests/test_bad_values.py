"""No value on a line stops ingestion: impossible numbers, wrong JSON types, bad offsets and
oversized values are quarantined with their reason, and the lines around them are kept."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logs import at, line, read, run, write_log

from playlog.parse.ahead import connect, parse_block
from playlog.parse.formats.native import NUMBER_FIELDS, TEXT_FIELDS, NativeParser
from playlog.parse.lines import MAX_LINE_BYTES, iter_blocks
from playlog.parse.registry import ParseContext
from playlog.schema import RECORD_TYPES

GOOD = dict(type="event", ts=at(0), event_id="e1", event_type="view")
PROGRESS = dict(type="session_progress", ts=at(1), session_id="s1", duration_played_ms=1000)

def raw(text: str) -> str:
    """A line written by hand (JSON that json.dumps would not write), ts filled in."""
    return text.replace("TS", at(0))


# (the bad line, the reason it is quarantined with)
IMPOSSIBLE = [
    (raw('{"type":"session_progress","ts":"TS","session_id":"s1","duration_played_ms":1000,'
         '"bytes_sent":9223372036854775808}'),
     "bytes_sent out of range: 9223372036854775808 (at most 9007199254740992)"),
    (line(type="session_progress", ts="infinity", session_id="s1", duration_played_ms=1),
     "invalid ts: infinity"),
    (line(type="session_progress", ts="-infinity", session_id="s1", duration_played_ms=1),
     "ts out of range: -infinity"),
    (raw('{"type":"play","ts":"TS","session_id":"s1","track_id":"t","duration_played_ms":1e300}'),
     "duration_played_ms out of range: 1e+300 (at most 31622400000)"),
    (line(type="session_progress", ts=9223372036854775807, session_id="s1",
          duration_played_ms=1), "ts out of range: 9223372036854775807"),
    ('{"type":"session_progress","ts":1e400,"session_id":"s1","duration_played_ms":1}',
     "invalid ts: 1e400"),
    (raw('{"type":"session_progress","ts":"TS","session_id":"s1","duration_played_ms":NaN}'),
     "invalid duration_played_ms: NaN"),
    (raw('{"type":"session_start","ts":"TS","session_id":"s1","track_id":"t",'
         '"total_duration_ms":-Infinity}'), "invalid total_duration_ms: -Infinity"),
    (raw('{"type":"event","ts":"TS","event_id":"e","event_type":"view",'
         '"time_on_page_ms":123456789012345678901234567890}'),
     "time_on_page_ms out of range: 123456789012345678901234567890 (at most 31622400000)"),
    (line(type="session_progress", ts=at(0), session_id="s1", duration_played_ms=1,
          buffer_health=float("nan")), "buffer_health not within 0-100: NaN"),
    (line(type="session_end", ts="2026-11-20T10:00:00+25:00", session_id="s1"),
     "invalid ts: 2026-11-20T10:00:00+25:00"),
    (line(type="session_end", ts="2026-11-20T10:00:00-03:75", session_id="s1"),
     "invalid ts: 2026-11-20T10:00:00-03:75"),
    (line(type="event", ts=at(0), event_id={"a": 1}, event_type="view"),
     "wrong type of event_id: object"),
    (line(type="event", ts=at(0), event_id="e", event_type="view", client_ip=["1.2.3.4"]),
     "wrong type of client_ip: array"),
    (line(type="event", ts=at(0), event_id="e", event_type="view", page_url={"u": "/x"}),
     "wrong type of page_url: object"),
    (line(type="session_start", ts=at(0), session_id=True, track_id="t"),
     "wrong type of session_id: boolean"),
    (line(type="event", ts=at(0), event_id="e", event_type="view", page_url="/" + "x" * 20000),
     "page_url too long: 20001 bytes (at most 16384)"),
    (line(type="session_start", ts=at(0), session_id="s" * 2000, track_id="t"),
     "session_id too long: 2000 bytes (at most 1024)"),
    (line(type="event", ts=at(0), event_id="e", event_type="view",
          metadata={"k": "v" * 70000}), "metadata too long: 70008 bytes (at most 65536)"),
]


@pytest.mark.parametrize("bad,reason", IMPOSSIBLE, ids=[r for _, r in IMPOSSIBLE])
def test_an_impossible_value_is_quarantined_and_the_rest_kept(tmp_path, bad, reason):
    log = write_log(tmp_path / "a.jsonl", [GOOD, bad, PROGRESS])
    summary = run(log, tmp_path / "d")
    assert (summary.records, summary.events, summary.progress) == (3, 1, 1)
    q = read(tmp_path / "d", "quarantine")
    assert q["reason"].to_list() == [reason] and q["line"].to_list() == [2]


def test_still_accepted_text_and_numbers_as_identifiers(tmp_path):
    recs = [
        line(type="session_start", ts="2026-11-20T10:00:00+14:00", session_id=12, track_id="{x}",
             user_id="true", total_duration_ms="200000"),
        line(type="session_end", ts="2026-11-20T10:00:00-12:00", session_id=12,
             duration_played_ms=1.5e3),
    ]
    summary = run(write_log(tmp_path / "a.jsonl", recs), tmp_path / "d")
    assert summary.quarantined == 0
    row = read(tmp_path / "d", "sessions").row(0, named=True)
    assert (row["session_id"], row["track_id"], row["user_id"]) == ("12", "{x}", "true")
    assert row["duration_played_ms"] == 1500


def test_a_line_over_the_cap_is_rejected_without_being_held(tmp_path):
    huge = line(type="event", ts=at(0), event_id="e", event_type="view",
                page_url="/" + "x" * (3 * MAX_LINE_BYTES))
    log = write_log(tmp_path / "a.jsonl", [GOOD, huge, PROGRESS, huge[: MAX_LINE_BYTES + 10]])
    summary = run(log, tmp_path / "d")
    assert (summary.records, summary.events, summary.progress, summary.quarantined) == (4, 1, 1, 2)
    q = read(tmp_path / "d", "quarantine").sort("line")
    assert q["line"].to_list() == [2, 4]
    assert q["reason"][0] == f"line too long: {len(huge):,} bytes (at most {MAX_LINE_BYTES:,})"
    assert q["raw"].str.len_bytes().to_list() == [65536, 65536]


def test_long_lines_across_small_blocks_keep_offsets_and_numbers():
    # one line read past (longer than what is held), one caught in its block
    data = b"a\n" + b"x" * (3 * MAX_LINE_BYTES) + b"\nb\n" + b"y" * (MAX_LINE_BYTES + 5) + b"\nc"
    blocks = list(iter_blocks(io.BytesIO(data), 0, 0, 4096, final=True))
    assert blocks[-1].end_offset == sum(b.size for b in blocks) == len(data)
    assert max(len(b.data) for b in blocks) <= MAX_LINE_BYTES + 8192
    assert blocks[-1].tail == data[-256:] and blocks[-1].open_line
    parsed = [parse_block(CON, PARSER, b) for b in blocks]
    rejects = [r for p in parsed if p.rejects is not None for r in p.rejects.to_pylist()]
    assert [(r["line_no"], r["reason"].split(":")[0]) for r in rejects] == [
        (2, "line too long"), (4, "line too long")]
    assert [r["raw"][:3] for r in rejects] == ["xxx", "yyy"]
    seen = [(r["line_no"], r["reason"]) for p in parsed for r in p.records.to_pylist()]
    assert [n for n, _ in seen] == [1, 3, 5]  # each an invalid JSON line, numbered as in the file


# -- fuzzing ------------------------------------------------------------------------------

SPECIAL_TEXT = ["", " ", "infinity", "-infinity", "NaN", "1e400", "9223372036854775807",
                "2026-11-20T10:00:00+25:00", "2026-11-20T10:00:00Z", "1763661845123", "true",
                "{", "[1]", "-1", "1e308", "2026-11-20", "view", "play"]
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(SPECIAL_TEXT),
)
VALUES = st.recursive(
    SCALARS, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids,
                                                                        max_size=3),
    max_leaves=5,
)
FIELDS = (*TEXT_FIELDS, "metadata")
BASES = [
    dict(type="session_start", ts=at(0), session_id="s1", track_id="t1", user_id="u1",
         client_ip="81.2.69.142", user_agent="VLC/3.0", total_duration_ms=200000, quality="high"),
    dict(type="session_progress", ts=at(1), session_id="s1", duration_played_ms=30000,
         buffer_health=90, bytes_sent=1000),
    dict(type="session_end", ts=at(2), session_id="s1", duration_played_ms=60000,
         skip_reason="user_skip"),
    dict(type="play", ts=at(3), session_id="s2", track_id="t2", duration_played_ms=1000),
    dict(type="event", ts=at(4), event_id="e1", event_type="view", page_url="/e/1",
         time_on_page_ms=100, metadata={"age_group": "25-34"}),
]


@st.composite
def fuzzed_line(draw) -> bytes:
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "value", "bytes", "blank"]))
    if kind == "bytes":
        return draw(st.binary(max_size=60)).replace(b"\n", b"")
    if kind == "blank":
        return draw(st.sampled_from([b"", b"  "]))
    if kind == "value":
        return json.dumps(draw(VALUES)).encode()
    record = dict(draw(st.sampled_from(BASES)))
    for name in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True)):
        record[name] = draw(VALUES)
    if draw(st.booleans()):
        record.pop(draw(st.sampled_from(sorted(record))))
    return json.dumps(record, ensure_ascii=draw(st.booleans())).encode()


def _nonblank(lines: list[bytes]) -> int:
    """Lines a parser sees as not blank (a byte-order mark and a CR before the newline
    are not content)."""
    texts = [text.removesuffix(b"\r") for text in lines]
    texts[0] = texts[0].removeprefix(b"\xef\xbb\xbf")
    return sum(1 for text in texts if text.strip(b" "))


CON = connect()
PARSER = NativeParser(ParseContext("fuzz", "test-salt-for-the-suite"))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fuzzed_line(), min_size=1, max_size=60))
def test_fuzzed_lines_are_each_a_record_or_a_reject(lines):
    data = b"\n".join(lines) + b"\n"
    rows, rejects = [], 0
    for block in iter_blocks(io.BytesIO(data), 0, 0, final=True):
        parsed = parse_block(CON, PARSER, block)
        rows.extend(parsed.records.to_pylist())
        rejects += 0 if parsed.rejects is None else parsed.rejects.num_rows  # not UTF-8
    assert len(rows) + rejects == _nonblank(lines)
    for row in rows:
        if row["reason"] is not None:
            assert row["raw"] is not None
            continue
        assert row["type"] in RECORD_TYPES and row["ts"] is not None
        assert 1990 <= row["ts"].year < 2100
        for name in NUMBER_FIELDS:
            assert row[name] is None or 0 <= row[name] <= 2**53
        for name in ("session_id", "event_id", "client_ip", "page_url", "user_id"):
            value = row[name]
            assert value is None or not (value.startswith(("{", "[")) and value.endswith(("}", "]"))
                                         and _is_container(value))


def _is_container(text: str) -> bool:
    try:
        return isinstance(json.loads(text), (dict, list))
    except ValueError:
        return False


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(fuzzed_line(), min_size=1, max_size=40))
def test_fuzzed_files_ingest_completely(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("fuzz")
    log = folder / "fuzz.jsonl"
    log.write_bytes(b"\n".join([json.dumps(BASES[4]).encode(), *lines]) + b"\n")
    data = folder / "d"
    summary = run(log, data, log_format="native")
    assert summary.records == _nonblank(lines) + 1
    quarantine = read(data, "quarantine")
    assert quarantine.height == summary.quarantined
    assert read(data, "events").height == summary.events >= 1
    assert read(data, "progress").height == summary.progress


def test_a_file_of_binary_lines_only_is_quarantined(tmp_path):
    log = tmp_path / "junk.jsonl"
    log.write_bytes(b"\x80\x81\n\xff\xfe\n")
    summary = run(log, tmp_path / "d", log_format="native")
    assert (summary.records, summary.quarantined) == (2, 2)
    assert set(read(tmp_path / "d", "quarantine")["reason"]) == {"not valid UTF-8 text"}
