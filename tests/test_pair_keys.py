"""Keys of (client_ip, user_agent) pairs (parse.keys): the salted SHA-256, each pair
hashed once for all the frames of a file or a run."""

from __future__ import annotations

import hashlib

import duckdb
import polars as pl

from playlog.parse import keys as pair_keys
from playlog.parse.keys import PairKeys

SALT = "s3cret"


def _expected(ip: str | None, agent: str | None) -> str:
    text = f"{SALT}|{ip or ''}|{agent or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _frame(pairs: list[tuple[str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame({"client_ip": [p[0] for p in pairs], "user_agent": [p[1] for p in pairs],
                         "n": list(range(len(pairs)))},
                        schema={"client_ip": pl.String, "user_agent": pl.String, "n": pl.Int64})


def _check(keyed: pl.DataFrame) -> None:
    for ip, agent, key in keyed.select("client_ip", "user_agent", "visitor_key").rows():
        assert key == _expected(ip, agent), (ip, agent)


def test_keys_are_the_salted_sha256_and_each_pair_is_hashed_once():
    con = duckdb.connect()
    cache = PairKeys(SALT)
    first = [("10.0.0.1", "VLC/3.0"), ("10.0.0.2", None), (None, "curl/8"), ("10.0.0.1", "VLC/3.0")]
    keyed = cache.add(con, _frame(first), "visitor_key")
    assert keyed["n"].to_list() == [0, 1, 2, 3] and "_pair" not in keyed.columns
    _check(keyed)
    assert cache.known.height == 3
    # a later block: two pairs seen before, one new; only the new one is hashed
    later = [("10.0.0.2", None), ("10.0.0.9", "VLC/3.0"), ("10.0.0.1", "VLC/3.0")]
    _check(cache.add(con, _frame(later), "visitor_key"))
    assert cache.known.height == 4


def test_keys_stay_right_when_the_known_pairs_are_forgotten(monkeypatch):
    monkeypatch.setattr(pair_keys, "KNOWN_PAIRS", 2)
    con = duckdb.connect()
    cache = PairKeys(SALT)
    for block in range(4):
        pairs = [(f"10.0.{block}.{i}", "agent") for i in range(3)] + [("10.0.0.0", "agent")]
        _check(cache.add(con, _frame(pairs), "visitor_key"))
        assert cache.known.height <= 4
