"""Reading a log file from a byte offset in blocks of whole lines.

A block is the bytes of complete lines (ending in a newline) and the number of
its first line; a last line without its newline (a writer mid-append) is left
for the next run, unless the caller says the content is final (a compressed
file, an idle one, standard input): then it is read as a line of its own.
Plain, gzip, bzip2 and zstd files are read alike (recognised by their first
bytes, not their names); for compressed files, offsets count decompressed
bytes, and a file cut short or corrupt yields what comes before the damage (see
parse.compressed). Each block carries the last `TAIL_BYTES` bytes of the content
before its end, whatever the block's size, for the ledger's check that a file
was not rewritten.

A line longer than `MAX_LINE_BYTES` is not handed to parsers: it stays out of
memory while it is read past, an empty line takes its place and `cap_lines`
turns it into a reject (``line too long``). `split_block` turns a block into an
Arrow table of ``(line_no, line)`` without a per-line Python loop (Arrow splits
it), drops a UTF-8 byte-order mark at the start of a file, and sets apart the
lines that are not valid UTF-8, byte for byte, for the quarantine.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from playlog.parse.compressed import GZIP_MAGIC, damage_of, open_stream

__all__ = ["GZIP_MAGIC", "damage_of", "open_stream"]

BLOCK_SIZE = 16 * 1024 * 1024  # two are in memory at once (see parse_ahead)
BATCH_ROWS = 16_384
NOT_UTF8 = "not valid UTF-8 text"
BOM = b"\xef\xbb\xbf"
TAIL_BYTES = 256  # how much of the content before an offset the ledger checks
MAX_LINE_BYTES = 1024 * 1024  # a longer line is rejected, never held in memory whole
RAW_BYTES = 65536  # how much of a rejected line the quarantine keeps


@dataclass(frozen=True)
class LongLine:
    """A line over MAX_LINE_BYTES, read past: its number, size and first RAW_BYTES."""

    line_no: int
    size: int
    head: bytes


@dataclass(frozen=True)
class Block:
    data: bytes  # complete lines, each ending in b"\n"
    first_line: int  # 1-based number of the block's first line in the file
    lines: int  # how many lines the block holds
    end_offset: int  # offset just past the block (decompressed bytes for gzip)
    tail: bytes = b""  # the last TAIL_BYTES of the content before end_offset
    size: int = 0  # bytes of content the block stands for (data may hold placeholders)
    long_lines: tuple[LongLine, ...] = field(default=())  # read past, an empty line in data
    open_line: bool = False  # its last line had no newline (read because the content is final)


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_log(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """(stream of the decompressed content, the raw file for progress).

    A compressed stream has a `damage` attribute (see parse.compressed) once read."""
    raw = path.open("rb")
    return open_stream(raw), raw


def read_prefix(path: Path, size: int) -> bytes:
    """The first `size` decompressed bytes (fewer if the file is shorter)."""
    stream, raw = open_log(path)
    try:
        return read_safely(stream, size)
    finally:
        raw.close()


def read_safely(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes; fewer only at the end of the content (or at damaged compressed
    data: see parse.compressed)."""
    data = stream.read(size)
    if len(data) >= size or not data or isinstance(stream, io.BufferedReader):
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = stream.read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def skip_to(stream: BinaryIO, offset: int, raw: BinaryIO) -> int:
    """Position the stream at `offset`; returns the offset reached (less if the file is shorter)."""
    if stream is raw:
        stream.seek(offset)
        return stream.tell() if offset <= _size(raw) else _size(raw)
    done = 0
    while done < offset:
        chunk = read_safely(stream, min(BLOCK_SIZE, offset - done))
        if not chunk:
            break
        done += len(chunk)
    return done


def _size(fh: BinaryIO) -> int:
    here = fh.tell()
    fh.seek(0, io.SEEK_END)
    end = fh.tell()
    fh.seek(here)
    return end


def _tail(tail: bytes, data: bytes) -> bytes:
    return (tail + data[-TAIL_BYTES:])[-TAIL_BYTES:]


def iter_blocks(
    stream: BinaryIO, start_offset: int, start_line: int, block_size: int = BLOCK_SIZE, *,
    tail: bytes = b"", final: Callable[[], bool] | bool = False,
) -> Iterator[Block]:
    """Yield blocks of whole lines from the stream's current position.

    `tail` is the content just before `start_offset` (as the ledger checked it).
    `final`, asked at the end of the stream, says whether a last line without
    its newline is complete: it is then yielded as a block of its own with
    `open_line` set."""
    carry = b""
    offset, line = start_offset, start_line
    skipping: list = []  # [size so far, head] of an overlong line being read past
    while True:
        chunk = read_safely(stream, block_size)
        if not chunk:
            break
        if skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                skipping[0] += len(chunk)
                tail = _tail(tail, chunk)
                continue
            size = skipping[0] + cut
            tail, offset, line = _tail(tail, chunk[: cut + 1]), offset + size + 1, line + 1
            yield Block(b"\n", line, 1, offset, tail, size + 1, (LongLine(line, size, skipping[1]),))
            skipping, chunk = [], chunk[cut + 1 :]
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut >= 0:
            whole, carry = data[: cut + 1], data[cut + 1 :]
            count = whole.count(b"\n")
            offset, tail = offset + len(whole), _tail(tail, whole)
            yield Block(whole, line + 1, count, offset, tail, len(whole))
            line += count
        else:
            carry = data
        if len(carry) > MAX_LINE_BYTES:  # do not hold it: remember its size and start only
            skipping, tail, carry = [len(carry), carry[:RAW_BYTES]], _tail(tail, carry), b""
    if not (carry or skipping) or not (final() if callable(final) else final):
        return
    if skipping:
        long = (LongLine(line + 1, skipping[0], skipping[1]),)
        yield Block(b"\n", line + 1, 1, offset + skipping[0], tail, skipping[0], long, True)
    else:
        yield Block(carry + b"\n", line + 1, 1, offset + len(carry), _tail(tail, carry),
                    len(carry), open_line=True)


def split_lines(block: Block) -> pa.Table:
    """The block's text lines as a table ``line_no`` (int64), ``line`` (string)."""
    return split_block(block)[0]


def split_block(block: Block) -> tuple[pa.Table, pa.Table | None]:
    """(text lines, lines that are not valid UTF-8).

    The first is a table ``line_no`` (int64), ``line`` (string), one row per
    valid line; the second, None when every line is valid, has ``line_no`` and
    ``raw_bytes`` (the line exactly as in the file, without its newline) and
    ``raw`` (the same for people: bytes that are not printable ASCII, and ``\\``,
    written ``\\xNN``)."""
    data = block.data
    if block.first_line == 1 and data.startswith(BOM):  # a byte-order mark, not content
        data = data[len(BOM):]
    if b"\r" in data:  # CRLF line ends
        data = data.replace(b"\r\n", b"\n")
    # Zero-copy view of the bytes as one binary value; the split leaves an empty
    # last element after the final newline, which is sliced off.
    whole = pa.Array.from_buffers(
        pa.large_binary(), 1,
        [None, pa.array([0, len(data)], pa.int64()).buffers()[1], pa.py_buffer(data)],
    )
    parts = pc.split_pattern(whole, b"\n").flatten()[: block.lines]
    numbers = pl.int_range(block.first_line, block.first_line + block.lines, eager=True).to_arrow()
    numbers = numbers.cast(pa.int64())
    bad = None
    try:
        lines = parts.cast(pa.large_string()).cast(pa.string())
    except pa.ArrowInvalid:  # invalid UTF-8 somewhere: set those lines apart
        lines, numbers, bad = _set_apart_invalid(parts, numbers)
    table = pa.table({"line_no": numbers, "line": lines})
    # DuckDB scans an Arrow table batch by batch, one thread per batch.
    batches = table.to_batches(max_chunksize=BATCH_ROWS)  # none when no line is text
    return pa.Table.from_batches(batches, schema=table.schema), bad


# DuckDB writes a blob's bytes that are not plain ASCII, and quotes, as \xNN: quotes back.
DECODE_SQL = """
SELECT line_no, raw, try(decode(raw)) AS line,
       replace(replace(CAST(raw AS VARCHAR), '\\x22', '"'), '\\x27', '''') AS escaped
FROM parts
"""


def _set_apart_invalid(parts: pa.Array, numbers: pa.Array) -> tuple[pa.Array, pa.Array, pa.Table]:
    """(valid lines, their numbers, table of the invalid ones) — one vectorised decode."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("parts", pa.table({"line_no": numbers, "raw": parts.cast(pa.binary())}))
        decoded = con.sql(DECODE_SQL).to_arrow_table()
    finally:
        con.close()
    valid = pc.is_valid(decoded["line"])
    good = decoded.filter(valid)
    bad = decoded.filter(pc.invert(valid))
    rejects = pa.table({"line_no": bad["line_no"], "raw": bad["escaped"], "raw_bytes": bad["raw"]})
    return (good["line"].combine_chunks().cast(pa.string()),
            good["line_no"].combine_chunks(), rejects)


def cap_lines(block: Block, lines: pa.Table) -> tuple[pa.Table, pa.Table | None]:
    """`lines` without the lines over MAX_LINE_BYTES (empty in their place), and those
    lines as rejects (``line_no``, ``reason``, ``raw``: their first RAW_BYTES), or None."""
    long = list(block.long_lines)
    sizes = pc.binary_length(lines.column("line"))
    if lines.num_rows and pc.max(sizes).as_py() > MAX_LINE_BYTES:
        over = pc.greater(sizes, MAX_LINE_BYTES)
        for row in lines.filter(over).to_pylist():  # a few lines at most: each is over 1 MiB
            text = row["line"].encode()
            long.append(LongLine(row["line_no"], len(text), text[:RAW_BYTES]))
        lines = lines.set_column(1, "line", pc.if_else(over, "", lines.column("line")))
    if not long:
        return lines, None
    rejects = pa.table({
        "line_no": pa.array([x.line_no for x in long], pa.int64()),
        "reason": [f"line too long: {x.size:,} bytes (at most {MAX_LINE_BYTES:,})" for x in long],
        "raw": [x.head.decode("utf-8", "replace") for x in long],
    })
    return lines, rejects
