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

Compute = Callable[[list[str]], Sequence[Sequence[Any]]]


class LookupCache:
    def __init__(
        self, key: str, schema: dict[str, pl.DataType], compute: Compute, max_rows: int = 2_000_000
    ) -> None:
        self.key = key
        self.schema = {key: pl.String(), **schema}
        self.compute = compute
        self.max_rows = max_rows
        self.frame = pl.DataFrame(schema=self.schema)

    def __len__(self) -> int:
        return self.frame.height

    def answer(self, keys: pl.Series) -> pl.DataFrame:
        """The answer columns for ``keys``, one row per key, in order."""
        keys = keys.alias(self.key)
        self._learn(keys)
        joined = keys.to_frame().join(self.frame, on=self.key, how="left", maintain_order="left")
        return joined.drop(self.key)

    def _learn(self, keys: pl.Series) -> None:
        distinct = keys.drop_nulls().unique().to_frame()
        known = self.frame.select(self.key)
        new = distinct.join(known, on=self.key, how="anti").get_column(self.key).to_list()
        if not new:
            return
        answers = self.compute(new)
        columns = list(self.schema)[1:]
        data = {self.key: new}
        for index, name in enumerate(columns):
            data[name] = [answer[index] for answer in answers]
        learned = pl.DataFrame(data, schema=self.schema)
        if self.frame.height + learned.height > self.max_rows:
            self.frame = learned
        else:
            self.frame = pl.concat([self.frame, learned], rechunk=False)
