"""The per-run lookup cache: each distinct key computed once, answers in row order."""

from __future__ import annotations

import polars as pl

from playlog.enrich.cache import LookupCache


def test_each_key_is_computed_once_and_rows_keep_their_order():
    calls: list[list[str]] = []

    def compute(keys):
        calls.append(sorted(keys))
        return [(key.upper(), len(key)) for key in keys]

    cache = LookupCache("k", {"upper": pl.String(), "size": pl.Int64()}, compute)
    first = cache.answer(pl.Series(["ab", None, "c", "ab"]))
    assert first.rows() == [("AB", 2), (None, None), ("C", 1), ("AB", 2)]
    second = cache.answer(pl.Series(["c", "dd", "ab"]))
    assert second.rows() == [("C", 1), ("DD", 2), ("AB", 2)]
    assert calls == [["ab", "c"], ["dd"]]
    cache.answer(pl.Series(["dd", "c"]))
    assert len(calls) == 2 and len(cache) == 3


def test_cache_starts_afresh_past_its_size():
    cache = LookupCache("k", {"n": pl.Int64()}, lambda keys: [(1,) for _ in keys], max_rows=3)
    cache.answer(pl.Series(["a", "b"]))
    cache.answer(pl.Series(["c", "d"]))
    assert len(cache) == 2
    assert cache.answer(pl.Series(["a", "d"])).rows() == [(1,), (1,)]
