"""Comma-separated lines split by DuckDB, line by line (RFC 4180 quoting).

`fields_sql` gives, for a text column, the list of its fields with their quotes
removed (a quoted field's doubled quotes are one quote); `wellformed_sql` is false for a line whose
quotes do not close or that has text after a closing quote. A quoted field
spanning lines is not joined: each part is a malformed line (the exports read
this way write one record per line).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence

_FIELD = '("(?:[^"]|"")*"|[^,"]*),'


def fields_sql(column: str) -> str:
    """SQL: the list of unquoted fields of `column`."""
    return (f"list_transform(regexp_extract_all({column} || ',', '{_FIELD}', 1), "
            "lambda x: CASE WHEN starts_with(x, '\"') THEN replace(x[2:-2], '\"\"', '\"') "
            "ELSE x END)")


def wellformed_sql(column: str) -> str:
    """SQL: whether `column` is a well-formed CSV line."""
    return f"regexp_full_match({column} || ',', '({_FIELD})*')"


def split(text: str) -> list[str]:
    """One line's fields, in Python (for a header or a few sample lines)."""
    return next(csv.reader([text.lstrip("\ufeff")]), [])


def header_names(text: str) -> list[str]:
    return [name.strip().lower() for name in split(text)]


def sample_rows(sample: Sequence[str]) -> list[list[str]]:
    return [split(text) for text in sample]
