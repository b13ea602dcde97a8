"""Reading a log file from a byte offset in blocks of whole lines.

A block is the bytes of complete lines (ending in a newline) and the number of
its first line; a last line without its newline (a writer mid-append) is left
for the next run. Plain, gzip, bzip2 and zstd files are read alike (recognised
by their first bytes, not their names); for compressed files, offsets count
decompressed bytes. `split_block` turns a block into an Arrow table of
``(line_no, line)`` without a per-line Python loop (Arrow splits it), and sets
apart the lines that are not valid UTF-8, byte for byte, for the quarantine.
"""

from __future__ import annotations

import bz2
import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

BLOCK_SIZE = 16 * 1024 * 1024  # two are in memory at once (see parse_ahead)
BATCH_ROWS = 16_384
GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
NOT_UTF8 = "not valid UTF-8 text"


@dataclass(frozen=True)
class Block:
    data: bytes  # complete lines, each ending in b"\n"
    first_line: int  # 1-based number of the block's first line in the file
    lines: int  # how many lines the block holds
    end_offset: int  # offset just past the block (decompressed bytes for gzip)


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_log(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """(stream of the decompressed content, the raw file for progress)."""
    raw = path.open("rb")
    magic = raw.read(4)
    raw.seek(0)
    if magic.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    if magic.startswith(BZIP2_MAGIC) and magic[3:4].isdigit():
        return bz2.BZ2File(raw, mode="rb"), raw  # type: ignore[return-value]
    if magic == ZSTD_MAGIC:
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return reader, raw  # type: ignore[return-value]
    return raw, raw


def read_prefix(path: Path, size: int) -> bytes:
    """The first `size` decompressed bytes (fewer if the file is shorter)."""
    stream, raw = open_log(path)
    try:
        return read_safely(stream, size)
    finally:
        raw.close()


def read_safely(stream: BinaryIO, size: int) -> bytes:
    """Read up to `size` bytes; a compressed file cut short (still being written) just ends."""
    try:
        return _read_full(stream, size)
    except (EOFError, zlib.error, gzip.BadGzipFile, *_zstd_errors()):
        return b""


def _zstd_errors() -> tuple[type[Exception], ...]:
    try:
        import zstandard
    except ImportError:
        return ()
    return (zstandard.ZstdError,)


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """`size` bytes unless the stream ends first (a zstd reader returns short reads)."""
    data = stream.read(size)
    if len(data) >= size or not data or isinstance(stream, (io.BufferedReader, gzip.GzipFile)):
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


def iter_blocks(
    stream: BinaryIO, start_offset: int, start_line: int, block_size: int = BLOCK_SIZE
) -> Iterator[Block]:
    """Yield blocks of whole lines from the stream's current position."""
    carry = b""
    offset, line = start_offset, start_line
    while True:
        chunk = read_safely(stream, block_size)
        if not chunk:
            return
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        whole, carry = data[: cut + 1], data[cut + 1 :]
        count = whole.count(b"\n")
        offset += len(whole)
        yield Block(whole, line + 1, count, offset)
        line += count


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
    return pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS)), bad


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
