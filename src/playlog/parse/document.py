"""A source of a document format, read whole (parse.registry: document formats).

`read_document` gives a source's whole content (parse.source: decompressed,
without a UTF-8 byte-order mark) as one row of ``lines``, and its key for the
ledger: a hash of the content, so that a renamed copy is the same document
(not read again) and a changed one is another (read whole; its records are
recognised by their content, see parse.plays). A document is read once it is
complete: its JSON parses, or its content cannot grow any more
(`Source.final`: compressed, standard input, or not modified for
``idle_after``), in which case its parser reports what is wrong with it.
Compressed data that is damaged is not read at all: its end is missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from playlog.parse.lines import BOM, damage_of, open_stream, read_safely
from playlog.parse.source import SAMPLE_LINES, Source

KEY_PREFIX = "document:"
MAX_BYTES = 1 << 30  # a document larger than this is not read (exports are split far smaller)


@dataclass(frozen=True)
class Document:
    key: str  # the ledger's key: a hash of the content
    lines: pa.Table  # one row: line_no 1, line = the content
    size: int  # bytes of content


class DocumentWait(Exception):
    """The document cannot be read yet (or at all): the reason, for the run's summary."""


class DocumentDamaged(Exception):
    """The compressed data of the document is damaged: what its decompressor said."""


def head_sample(head: bytes) -> list[str]:
    """The non-blank lines of a source's head, the last one even unterminated: a
    document may be written on one line longer than the head."""
    lines = head.removeprefix(BOM).decode("utf-8", "replace").splitlines()
    return [text for text in lines if text.strip()][:SAMPLE_LINES]


def read_document(source: Source, con: duckdb.DuckDBPyConnection) -> Document:
    """The content of `source` as a Document; DocumentWait when it is too large, or is
    still being written (not valid JSON, and its content may still grow)."""
    stream = source.stream
    if source.offset:  # positioned by a ledger entry of lines: a document is read whole
        source.raw.seek(0)
        stream = open_stream(source.raw)
    data = _read_all(stream)
    damage = damage_of(stream)
    if damage is not None:
        raise DocumentDamaged(damage)
    if len(data) > MAX_BYTES:
        raise DocumentWait(f"a document over {MAX_BYTES >> 20} MiB is not read (split it)")
    data = data.removeprefix(BOM)
    key = KEY_PREFIX + hashlib.sha256(data).hexdigest()[:32]
    lines = pa.table({"line_no": pa.array([1], pa.int64()), "line": _text(data)})
    if not source.final() and not _valid(con, lines):  # a final one is read as it is
        raise DocumentWait("incomplete JSON document: read once it is complete")
    return Document(key, lines, len(data))


def _text(data: bytes) -> pa.Array:
    """The content as one Arrow string, not copied again when it is valid UTF-8 (else its
    invalid bytes are replaced, as for lines: parse.lines)."""
    try:
        return pa.array([data], pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:
        return pa.array([data.decode("utf-8", "replace")])


PIECE = 16 << 20


def _read_all(stream) -> bytes:
    """The rest of `stream`, up to just over MAX_BYTES, a piece at a time."""
    pieces, got = [], 0
    while got <= MAX_BYTES:
        piece = read_safely(stream, PIECE)
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


def _valid(con: duckdb.DuckDBPyConnection, lines: pa.Table) -> bool:
    con.register("_document", lines)
    try:
        return bool(con.execute("SELECT json_valid(line) FROM _document").fetchall()[0][0])
    finally:
        con.unregister("_document")
