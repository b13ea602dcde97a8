"""Any split of the records over files and runs, in any order, stores the same result."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logs import at, events, read, run, sessions, write_log

SKIPS = [None, "user_skip", "network_error", "something else"]


@st.composite
def session_records(draw, sid: str) -> list[dict]:
    start = draw(st.integers(0, 180))
    kind = draw(st.sampled_from(["full", "play", "no-start", "no-end"]))
    user = draw(st.sampled_from([None, "u1", "u2"]))
    track = draw(st.sampled_from(["t1", "t2"]))
    if kind == "play":
        rec = dict(type="play", ts=at(start), session_id=sid, track_id=track,
                   duration_played_ms=draw(st.integers(0, 300_000)), client_ip="2.4.1.9")
        if user:
            rec["user_id"] = user
        skip = draw(st.sampled_from(SKIPS))
        if skip:
            rec["skip_reason"] = skip
        return [rec]
    recs = []
    if kind != "no-start":
        first = dict(type="session_start", ts=at(start), session_id=sid, track_id=track,
                     total_duration_ms=draw(st.sampled_from([None, 200_000])), user_agent="VLC/3.0")
        if user:
            first["user_id"] = user
        recs.append({k: v for k, v in first.items() if v is not None})
    steps = draw(st.integers(0, 3))
    gap = draw(st.sampled_from([0.5, 20, 45]))  # 45 min gaps cross the idle timeout
    for i in range(1, steps + 1):
        recs.append(dict(type="session_progress", ts=at(start + i * gap), session_id=sid,
                         duration_played_ms=30_000 * i, buffer_health=80.0, bytes_sent=100 * i))
    if kind != "no-end":
        end = dict(type="session_end", ts=at(start + (steps + 1) * gap), session_id=sid,
                   duration_played_ms=30_000 * (steps + 1))
        skip = draw(st.sampled_from(SKIPS))
        if skip:
            end["skip_reason"] = skip
        recs.append(end)
    return recs


@st.composite
def scenario(draw):
    count = draw(st.integers(1, 5))
    records = [r for n in range(count) for r in draw(session_records(f"s{n}"))]
    records += [dict(type="event", ts=at(draw(st.integers(0, 200))), event_id="e1",
                     event_type=draw(st.sampled_from(["view", "click"])),
                     session_id=draw(st.sampled_from(["w1", "w2"])))
                for _ in range(draw(st.integers(0, 3)))]
    doubled = draw(st.lists(st.sampled_from(records), max_size=2))  # collectors repeat lines
    files = draw(st.integers(1, 4))
    runs = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32))
    return records, doubled, files, runs, seed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario())
def test_split_and_shuffled_ingest_equals_one_run(tmp_path_factory, case):
    records, doubled, files, runs, seed = case
    rng = random.Random(seed)
    base = tmp_path_factory.mktemp("case")
    one = base / "one"
    run(write_log(base / "all.jsonl", records), one)

    pieces: list[list[dict]] = [[] for _ in range(files)]
    for rec in records + doubled:
        pieces[rng.randrange(files)].append(rec)
    batches: list[list] = [[] for _ in range(runs)]
    for n, piece in enumerate(pieces):
        rng.shuffle(piece)
        if piece:
            batches[rng.randrange(runs)].append(write_log(base / "split" / f"f{n}.jsonl", piece))
    split = base / "split-store"
    for batch in batches:
        if batch:
            run(batch, split)

    assert sessions(split).equals(sessions(one))
    assert events(split).equals(events(one))
    progress_one, progress_split = read(one, "progress"), read(split, "progress")
    assert progress_split.height == progress_one.height
    if progress_one.height:
        assert progress_split["bytes_sent"].sum() == progress_one["bytes_sent"].sum()
