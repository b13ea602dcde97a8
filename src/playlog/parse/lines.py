"""Reading a log file from a byte offset in blocks of whole lines.

A block is the bytes of complete lines (ending in a newline) and the number of
its first line; a last line without its newline (a writer mid-append) is left
for the next run. Plain and gzip files are read alike; for gzip, offsets count
decompressed bytes. `split_lines` turns a block into an Arrow table of
``(line_no, line)`` without a per-line Python loop (Arrow splits it).
"""

from __future__ import annotations

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
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    raw.seek(0)
    return raw, raw


def read_prefix(path: Path, size: int) -> bytes:
    """The first `size` decompressed bytes (fewer if the file is shorter)."""
    stream, raw = open_log(path)
    try:
        return read_safely(stream, size)
    finally:
        raw.close()


def read_safely(stream: BinaryIO, size: int) -> bytes:
    """Read up to `size` bytes; a gzip file cut short (still being written) just ends."""
    try:
        return stream.read(size)
    except (EOFError, zlib.error, gzip.BadGzipFile):
        return b""


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
    """The block as a table ``line_no`` (int64), ``line`` (string), one row per line."""
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
    try:
        lines = parts.cast(pa.large_string()).cast(pa.string())
    except pa.ArrowInvalid:  # invalid UTF-8 somewhere: replace the bad bytes
        lines = pa.array(data[:-1].decode("utf-8", "replace").split("\n"), pa.string())
    numbers = pl.int_range(block.first_line, block.first_line + block.lines, eager=True).to_arrow()
    table = pa.table({"line_no": numbers.cast(pa.int64()), "line": lines})
    # DuckDB scans an Arrow table batch by batch, one thread per batch.
    return pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS))
