"""The collector's per-record check agrees with the native parser's query."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from playlog.parse.check import check
from playlog.parse.formats.native import parse_lines

GOOD = {"type": "event", "ts": "2026-11-20T18:00:00.123Z", "event_id": "e1", "event_type": "view"}
CASES = [
    GOOD,
    [1, 2],
    "text",
    {"ts": "2026-11-20T18:00:00Z"},
    {**GOOD, "type": "session_rewind"},
    {**GOOD, "type": ""},
    {"type": "event", "event_id": "e1", "event_type": "view"},
    {**GOOD, "ts": "19/11/2026 10:00"},
    {**GOOD, "ts": 1763661845},
    {**GOOD, "ts": 1763661845123},
    {**GOOD, "ts": "1763661845123"},
    {**GOOD, "ts": "2026-11-20T19:04:05+01:00"},
    {**GOOD, "ts": "2026-11-20"},
    {**GOOD, "ts": "2200-01-01T00:00:00Z"},
    {**GOOD, "event_type": "hover"},
    {**GOOD, "event_id": ""},
    {**GOOD, "metadata": [1]},
    {**GOOD, "metadata": {"age_group": "25-34"}},
    {**GOOD, "time_on_page_ms": -5},
    {**GOOD, "time_on_page_ms": "ten"},
    {**GOOD, "time_on_page_ms": "12"},
    {"type": "session_start", "ts": 1763661845123, "session_id": "s1"},
    {"type": "session_start", "ts": 1763661845123, "session_id": "s1", "track_id": 7},
    {"type": "session_progress", "ts": 1763661845123, "session_id": "s1"},
    {"type": "session_progress", "ts": 1763661845123, "session_id": "s1",
     "duration_played_ms": 100, "buffer_health": 140},
    {"type": "session_progress", "ts": 1763661845123, "session_id": "s1",
     "duration_played_ms": 100, "buffer_health": "x"},
    {"type": "session_end", "ts": 1763661845123, "session_id": "s1", "duration_played_ms": -1},
    {"type": "play", "ts": 1763661845123, "session_id": "s1", "track_id": "t"},
    {"type": "play", "ts": 1763661845123, "session_id": "s1", "track_id": "t",
     "duration_played_ms": 5.6, "bytes_sent": -3},
    # the limits of docs/formats.md
    {**GOOD, "event_id": {"a": 1}},
    {**GOOD, "page_url": [1, 2]},
    {"type": "session_start", "ts": 1763661845123, "session_id": True, "track_id": "t"},
    {**GOOD, "page_url": "/" + "x" * 20000},
    {**GOOD, "metadata": {"k": "v" * 70000}},
    {**GOOD, "time_on_page_ms": 1e300},
    {**GOOD, "time_on_page_ms": 10**30},
    {**GOOD, "time_on_page_ms": "inf"},
    {**GOOD, "ts": "infinity"},
    {**GOOD, "ts": 9223372036854775807},
    {**GOOD, "ts": "2026-11-20T10:00:00+25:00"},
    {"type": "session_progress", "ts": 1763661845123, "session_id": "s1",
     "duration_played_ms": 100, "bytes_sent": 2**63},
]


def query_reasons(records):
    lines = [json.dumps(r) for r in records]
    table = pa.table({"line_no": pa.array(range(1, len(lines) + 1), pa.int64()), "line": lines})
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return parse_lines(con, table, "salt").column("reason").to_pylist()


def test_every_reason_of_the_rule_table_agrees():
    expected = query_reasons(CASES)
    found = [None if (r := check(c)) is None else r.reason for c in CASES]
    assert found == expected
    assert sum(r is None for r in found) == 8  # valid records are valid for both


values = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**13), st.sampled_from(["", "x", "12", "-4"]),
    st.floats(-5, 200, allow_nan=False), st.sampled_from([1e300, 10**25, "inf", "x" * 2000]),
    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.sampled_from("ab"), st.none()),
)
records = st.fixed_dictionaries(
    {"type": st.sampled_from(["event", "session_start", "session_progress", "session_end",
                              "play", "nope"]),
     "ts": st.one_of(st.sampled_from(["2026-11-20T18:00:00Z", "bad", ""]),
                     st.integers(0, 5 * 10**12))},
    optional={name: values for name in (
        "session_id", "track_id", "event_id", "duration_played_ms", "total_duration_ms",
        "bytes_sent", "time_on_page_ms", "buffer_health", "client_ip", "page_url")} | {
        "event_type": st.sampled_from(["view", "click", "hover", ""])},
)


@settings(max_examples=60, deadline=None)
@given(st.lists(records, min_size=1, max_size=20))
def test_random_records_agree(batch):
    expected = query_reasons(batch)
    for record, reason in zip(batch, expected):
        found = check(record)
        if reason is None:
            assert found is None, (record, found)
        else:
            assert found is not None, (record, reason)
            assert found.reason.split(":")[0] == reason.split(":")[0], (record, reason)
