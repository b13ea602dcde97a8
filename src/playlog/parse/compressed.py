"""Reading compressed files that may be cut short or damaged.

`open_stream` gives the decompressed content of an open file, recognised by its
first bytes: gzip, bzip2, zstd, or the file itself. Where compressed data ends
early (a copy cut short, a file still being written) or is corrupt, reading
stops there instead of raising, and the stream's `damage` says what went wrong;
everything before that point has been returned, so the complete lines before
the damage can be kept. `GzipReader` decompresses gzip itself (one member or
several, as ``cat a.gz b.gz`` makes) and names the compressed byte of the
damage; bzip2 and zstd go through their libraries, read a piece at a time
(`Guarded`), and name how far their content was read.
"""

from __future__ import annotations

import bz2
import zlib
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PIECE = 1024 * 1024  # what a guarded stream asks its library for at a time


def open_stream(raw: BinaryIO) -> BinaryIO:
    """The decompressed content of an open file positioned at its start (itself when it
    is not compressed)."""
    magic = raw.read(4)
    raw.seek(0)
    return decompressing(magic, raw)


def decompressing(magic: bytes, raw: BinaryIO) -> BinaryIO:
    """The decompressed content of `raw`, which starts with `magic` (its first 4 bytes)."""
    if magic.startswith(GZIP_MAGIC):
        return GzipReader(raw)  # type: ignore[return-value]
    if magic.startswith(BZIP2_MAGIC) and magic[3:4].isdigit():
        return Guarded(bz2.BZ2File(raw, mode="rb"), "bzip2")  # type: ignore[return-value]
    if magic == ZSTD_MAGIC:
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return Guarded(reader, "zstd")  # type: ignore[return-value]
    return raw


def damage_of(stream: object) -> str | None:
    """Why a stream stopped before the end of its content (damaged compressed data)."""
    return getattr(stream, "damage", None)


class Guarded:
    """A library's decompressing stream whose errors end the content instead of raising."""

    def __init__(self, stream: BinaryIO, kind: str) -> None:
        self.stream, self.kind = stream, kind
        self.damage: str | None = None
        self._done = False
        self._read = 0  # decompressed bytes handed out

    def read(self, size: int = -1) -> bytes:
        want = size if size >= 0 else 1 << 62
        parts: list[bytes] = []
        got = 0
        while got < want and not self._done:
            try:
                piece = self.stream.read(min(PIECE, want - got))
            except Exception as exc:  # EOFError, OSError, zstandard.ZstdError …
                self.damage = (f"{self.kind} data damaged or cut short after {self._read + got:,} "
                               f"bytes of content ({exc})")
                self._done = True
                break
            if not piece:
                self._done = True
                break
            parts.append(piece)
            got += len(piece)
        self._read += got
        return b"".join(parts)

    def close(self) -> None:
        self.stream.close()

CHUNK = 64 * 1024  # compressed bytes fed at a time: a corrupt spot is located within this
GZIP_WBITS = 16 + zlib.MAX_WBITS


class GzipReader:
    """A read-only stream of the decompressed content of `raw` (positioned at its start)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.damage: str | None = None  # why reading stopped early, None while the data is sound
        self._inflate = zlib.decompressobj(GZIP_WBITS)
        self._input = b""  # compressed bytes read but not fed yet
        self._fed = 0  # compressed bytes fed to the decompressor so far
        self._done = False

    def read(self, size: int = -1) -> bytes:
        """Up to `size` decompressed bytes (all the rest for -1); b"" at the end or the damage."""
        want = size if size >= 0 else 1 << 62
        out: list[bytes] = []
        got = 0
        while got < want and not self._done:
            piece = self._step(min(want - got, 1 << 24))
            if piece:
                out.append(piece)
                got += len(piece)
        return b"".join(out)

    def _step(self, limit: int) -> bytes:
        if self._inflate.unconsumed_tail:
            data = self._inflate.unconsumed_tail
        else:
            if not self._input:
                self._input = self.raw.read(CHUNK)
            data, self._input = self._input, b""
            if not data:
                return self._end_of_file()
        before = len(data)
        try:
            piece = self._inflate.decompress(data, limit)
        except zlib.error as exc:
            self._stop(f"corrupt gzip data near compressed byte {self._fed:,} ({exc})")
            return b""
        if self._inflate.eof:  # what follows the member is in unused_data (and may still be
            self._fed += before - len(self._inflate.unused_data)  # in unconsumed_tail too)
            self._next_member()
        else:
            self._fed += before - len(self._inflate.unconsumed_tail)
        return piece

    def _next_member(self) -> None:
        """After a member's end: another member, zero padding, or the end of the file."""
        rest = self._inflate.unused_data
        self._inflate = zlib.decompressobj(GZIP_WBITS)
        while True:
            if not rest:
                rest = self.raw.read(CHUNK)
                if not rest:
                    self._done = True
                    return
            stripped = rest.lstrip(b"\x00")  # gzip allows zero padding after a member
            self._fed += len(rest) - len(stripped)
            rest = stripped
            if rest:
                break
        if not rest.startswith(GZIP_MAGIC[: len(rest)]):
            self._stop(f"data that is not gzip after the compressed stream, at compressed "
                       f"byte {self._fed:,}")
            return
        self._input = rest

    def _end_of_file(self) -> bytes:
        self._stop(f"gzip data cut short at compressed byte {self._fed:,} (the file ends "
                   "inside the compressed stream)")
        return b""

    def _stop(self, why: str) -> None:
        self.damage = why
        self._done = True

    def close(self) -> None:
        self.raw.close()
