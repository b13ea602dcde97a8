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
    stream, expected = source.stream, 0
    if source.tracked:  # a file, read again from its start in one piece (not after its head)
        source.raw.seek(0)
        stream = open_stream(source.raw)
        expected = 0 if source.compressed else source.size
    data = _read_all(stream, expected)
    damage = damage_of(stream)
    if damage is not None:
        raise DocumentDamaged(damage)
    if len(data) > MAX_BYTES:
        raise DocumentWait(f"a document over {MAX_BYTES >> 20} MiB is not read (split it)")
    start = len(BOM) if data.startswith(BOM) else 0
    content = memoryview(data)[start:]
    key = KEY_PREFIX + hashlib.sha256(content).hexdigest()[:32]
    lines = pa.table({"line_no": pa.array([1], pa.int64()), "line": _text(data, start)})
    if not source.final() and not _valid(con, lines):  # a final one is read as it is
        raise DocumentWait("incomplete JSON document: read once it is complete")
    return Document(key, lines, len(content))


def _text(data: bytes, start: int = 0) -> pa.Array:
    """The content from `start` as one Arrow string over `data` itself, not a copy, when
    it is valid UTF-8 (else its invalid bytes are replaced, as for lines: parse.lines)."""
    offsets = pa.array([start, len(data)], pa.int32()).buffers()[1]
    text = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)  # the UTF-8 check
    except pa.ArrowInvalid:
        return pa.array([data[start:].decode("utf-8", "replace")])
    return text


PIECE = 16 << 20


def _read_all(stream, expected: int = 0) -> bytes:
    """The rest of `stream`, up to just over MAX_BYTES: the `expected` bytes (a plain
    file's size) in one read, then a piece at a time (pieces are joined: a copy)."""
    pieces, got = [], 0
    size = min(expected, MAX_BYTES) + 1 if expected else PIECE
    while got <= MAX_BYTES:
        piece = read_safely(stream, size)
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
        size = PIECE
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _valid(con: duckdb.DuckDBPyConnection, lines: pa.Table) -> bool:
    con.register("_document", lines)
    try:
        return bool(con.execute("SELECT json_valid(line) FROM _document").fetchall()[0][0])
    finally:
        con.unregister("_document")
