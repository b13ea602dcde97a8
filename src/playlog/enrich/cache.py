"""Per-run answers for distinct values, kept as a Polars frame and joined onto rows.

Contract: ``LookupCache(key, schema, compute)`` answers a column of keys with a
frame of the same height (the answer columns of ``schema``, in row order).
Only keys never seen before go through ``compute`` (a function from a list of
distinct keys to a list of answer tuples); every answer is kept, so the next
chunk of the same run costs a join and no lookup. Null keys get null answers.
Past ``max_rows`` cached keys the cache starts afresh, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

_KNOWN = "__known"  # true on every cached row: a null after the join means "not seen yet"

Compute = Callable[[list[str]], Sequence[Sequence[Any]]]


class LookupCache:
    def __init__(
        self, key: str, schema: dict[str, pl.DataType], compute: Compute, max_rows: int = 2_000_000
    ) -> None:
        self.key = key
        self.columns = list(schema)
        self.schema = {key: pl.String(), **schema, _KNOWN: pl.Boolean()}
        self.compute = compute
        self.max_rows = max_rows
        self.frame = pl.DataFrame(schema=self.schema)

    def __len__(self) -> int:
        return self.frame.height

    def answer(self, keys: pl.Series) -> pl.DataFrame:
        """The answer columns for ``keys``, one row per key, in order."""
        keys = keys.alias(self.key).to_frame()
        joined = self._join(keys)
        unknown = joined.filter(pl.col(_KNOWN).is_null() & pl.col(self.key).is_not_null())
        if unknown.height:
            self._learn(unknown.get_column(self.key).unique().to_list())
            joined = self._join(keys)
        return joined.drop(self.key, _KNOWN)

    def _join(self, keys: pl.DataFrame) -> pl.DataFrame:
        return keys.join(self.frame, on=self.key, how="left", maintain_order="left")

    def _learn(self, new: list[str]) -> None:
        answers = self.compute(new)
        data: dict[str, list[Any]] = {self.key: new}
        for index, name in enumerate(self.columns):
            data[name] = [answer[index] for answer in answers]
        data[_KNOWN] = [True] * len(new)
        learned = pl.DataFrame(data, schema=self.schema)
        if self.frame.height + learned.height > self.max_rows:
            self.frame = learned
        else:
            self.frame = pl.concat([self.frame, learned])
