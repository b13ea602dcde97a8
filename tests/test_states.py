"""Session states of records (sessionize): a block of plays only, as an export gives,
takes a shorter path than a mixed block; both must give the same states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from polars.testing import assert_frame_equal

from playlog import sessionize

SKIPS = [" User_Skip ", "", None, "TIMEOUT", "endplay", "user_skip", None, "logout"]


def _plays(n: int = 40) -> pl.DataFrame:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    return pl.DataFrame({
        "type": ["play"] * n,
        "ts": [start + timedelta(minutes=7 * i) for i in range(n)],
        # the last two repeat the first two: the same play read twice is one state
        "session_id": [f"spotify:{i % (n - 2):04d}" for i in range(n)],
        "track_id": [f"spotify:track:{i % 5}" for i in range(n)],
        "user_id": ["ana"] * n,
        "client_ip": [None if i % 3 else f"10.0.0.{i}" for i in range(n)],
        "platform": ["mobile"] * n,
        "country": ["SE"] * n,
        "duration_played_ms": [None if i % 11 == 0 else 1000 * i for i in range(n)],
        "skip_reason": [SKIPS[i % len(SKIPS)] for i in range(n)],
    }, schema_overrides={"ts": pl.Datetime("ms", "UTC"), "duration_played_ms": pl.Int64})


def test_a_block_of_plays_gives_the_states_of_a_mixed_block():
    plays = _plays()
    other = plays.head(1).with_columns(type=pl.lit("session_start"),
                                       session_id=pl.lit("native:other"))
    mixed = sessionize.to_states(pl.concat([plays, other]))
    alone = sessionize.to_states(plays)
    assert alone.height == plays.height - 2
    assert_frame_equal(alone.sort("session_id"),
                       mixed.filter(pl.col("session_id") != "native:other").sort("session_id"))


def test_skip_reasons_of_plays_are_normalized_and_the_others_kept_as_detail():
    states = sessionize.to_states(_plays(len(SKIPS) + 2).head(len(SKIPS)))
    got = states.sort("first_seen").select("skip_reason", "skip_detail").rows()
    assert got == [("user_skip", None), (None, None), (None, None), ("timeout", None),
                   ("other", "endplay"), ("user_skip", None), (None, None),
                   ("other", "logout")]


def test_combine_states_passes_distinct_states_through_and_merges_repeated_ones():
    states = sessionize.to_states(_plays().head(20))
    assert sessionize.combine_states(states) is states  # nothing to merge: no copy
    twice = pl.concat([states, states.head(3)])
    merged = sessionize.combine_states(twice)
    assert merged.height == 20
    assert_frame_equal(merged.sort("session_id"), states.sort("session_id"))
