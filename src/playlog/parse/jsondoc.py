"""JSON documents read whole (parse.registry: document formats).

A document format's parser gets the whole content as the one row of ``lines``.
`elements_sql` gives its records — the elements of the JSON array at a path —
numbered from 1 in ``line_no``, each as its JSON text in ``raw``, in one DuckDB
query (the document is parsed by DuckDB, never into Python objects).
`document_rejects` says why a document has no such array: not JSON (with
DuckDB's own message, which names the byte), or no array at that path.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa


def elements_sql(path: str = "$") -> str:
    """SQL: ``line_no``, ``raw`` of the elements of the array at `path` in ``lines``, a
    document that `document_rejects` found to have one (it is not checked again: each
    check parses the whole document)."""
    return f"""
        SELECT generate_subscripts(a, 1) AS line_no, unnest(a) AS raw
        FROM (SELECT json_extract(line, '{path}[*]') AS a FROM lines)"""


def document_rejects(con: duckdb.DuckDBPyConnection, lines: pa.Table,
                     path: str = "$") -> pa.Table | None:
    """One reject (``line_no`` 1, ``reason``, ``raw``) when the document of `lines` has no
    array at `path`; None when it has one."""
    con.register("lines", lines)
    try:
        valid, kind, head = con.execute(
            f"SELECT json_valid(line), CASE WHEN json_valid(line) THEN json_type(line, '{path}') "
            "END, left(line, 65536) FROM lines LIMIT 1").fetchall()[0]
        if valid and kind == "ARRAY":
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
