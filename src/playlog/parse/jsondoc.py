"""JSON documents read whole (parse.registry: document formats).

A document format's parser gets the whole content as the one row of ``lines``.
`elements_sql` gives its records — the elements of the JSON array at a path —
numbered from 1 in ``line_no``, each as its JSON text in ``raw``, in one DuckDB
query (the document is parsed by DuckDB, never into Python objects).
`document_rejects` says why a document has no such array: not JSON (with
DuckDB's own message, which names the byte), or no array at that path.

`records_sql` gives the elements read into a structure, two ways: *whole* (the
array is read in one pass, the elements' texts never made: fast, but it cannot
tell what is wrong with an element) or *by element* (each element's text,
whether it is an object, then its fields). `document_plays` reads a document
whole and keeps the result only when every element became a play; otherwise it
reads it again by element, so that rejects keep their text and their reason.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from playlog.parse.plays import plays_from
from playlog.parse.registry import ParseContext, Parsed


def elements_sql(path: str = "$") -> str:
    """SQL: ``line_no``, ``raw`` of the elements of the array at `path` in ``lines``, a
    document that `document_rejects` found to have one (it is not checked again: each
    check parses the whole document)."""
    return f"""
        SELECT generate_subscripts(a, 1) AS line_no, unnest(a) AS raw
        FROM (SELECT json_extract(line, '{path}[*]') AS a FROM lines)"""


def records_sql(structure: str, path: str = "$", whole: bool = False) -> str:
    """SQL: ``line_no``, ``raw`` (its text; NULL when read `whole`), ``r`` (the element
    read into `structure`, a json_transform structure of an object) and ``is_object``
    of each element of the array at `path` of ``lines``.

    Read `whole`, an element that is not an object is a structure of NULLs (whose time
    is missing: no format takes it as a play), and a document with no array there is
    one element that is NULL."""
    if not whole:
        return objects_sql(structure, elements_sql(path))
    array = "line" if path == "$" else f"json_extract(line, '{path}')"
    return f"""
        WITH d AS MATERIALIZED (SELECT try(json_transform({array}, '[{structure}]')) AS a FROM lines)
        SELECT generate_subscripts(a, 1) AS line_no, NULL::VARCHAR AS raw, unnest(a) AS r,
               true AS is_object FROM d WHERE a IS NOT NULL
        UNION ALL SELECT 1, NULL, NULL, false FROM d WHERE a IS NULL"""


def objects_sql(structure: str, rows: str) -> str:
    """SQL: ``line_no``, ``raw``, ``r`` and ``is_object`` (as `records_sql` gives them) of
    the JSON texts `rows` gives (``line_no``, ``raw``: a document's elements, or lines)."""
    return f"""
        SELECT line_no, raw, try(json_transform(raw, '{structure}')) AS r,
               coalesce(try(json_type(raw)) = 'OBJECT', false) AS is_object
        FROM ({rows})"""


def document_plays(con: duckdb.DuckDBPyConnection, lines: pa.Table,
                   select: Callable[[str], str], structure: str, context: ParseContext,
                   source: str, path: str = "$") -> Parsed:
    """The plays (parse.plays) of the document in `lines`: `select` makes a format's
    SELECT of play rows from `records_sql` text. Read whole first; when any element
    is rejected, read again by element (rejects then name the element's text), or,
    with no array at `path`, the document's one reject."""
    fast = plays_from(con, select(records_sql(structure, path, whole=True)), context, source,
                      {"lines": lines})
    records = fast.records
    if records is None or records.column("reason").null_count == records.num_rows:
        return fast
    bad = document_rejects(con, lines, path)
    if bad is not None:
        return Parsed(rejects=bad)
    return plays_from(con, select(records_sql(structure, path)), context, source,
                      {"lines": lines})


def document_rejects(con: duckdb.DuckDBPyConnection, lines: pa.Table,
                     path: str = "$") -> pa.Table | None:
    """One reject (``line_no`` 1, ``reason``, ``raw``) when the document of `lines` has no
    array at `path`; None when it has one."""
    con.register("lines", lines)
    try:
        kind, head = con.execute(
            f"SELECT try(json_type(line, '{path}')), left(line, 65536) FROM lines LIMIT 1"
        ).fetchall()[0]
        valid = kind is not None or bool(con.execute(
            "SELECT json_valid(line) FROM lines").fetchall()[0][0])
        if kind == "ARRAY":
            return None
        reason = _invalid(con) if not valid else (
            "not a JSON array" if path == "$" else f"no array at {path.removeprefix('$.')}")
    finally:
        con.unregister("lines")
    return pa.table({"line_no": pa.array([1], pa.int64()), "reason": [reason], "raw": [head]})


def _invalid(con: duckdb.DuckDBPyConnection) -> str:
    try:
        con.execute("SELECT json(line) FROM lines").fetchall()
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0].split(": ", 1)[-1].split("  Input:")[0]
        return f"invalid JSON: {message[:200].rstrip('.')}"
    return "invalid JSON"
