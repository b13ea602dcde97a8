"""Reading compressed files that may be cut short or damaged.

`open_stream` gives the decompressed content of an open file, recognised by its
first bytes: gzip, bzip2, zstd, or the file itself. Where compressed data ends
early (a copy cut short, a file still being written) or is corrupt, reading
stops there instead of raising, and the stream's `damage` says what went wrong;
everything before that point has been returned, so the complete lines before
the damage can be kept. `GzipReader` (gzip) and `Incremental` (bzip2, zstd)
feed the decompressor a small piece of input at a time, member after member (as
``cat a.gz b.gz`` makes), and name the compressed byte of the damage.
"""

from __future__ import annotations

import bz2
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
SMALL_CHUNK = 16 * 1024  # compressed bytes fed at a time to bzip2 and zstd
CHUNK = 64 * 1024  # compressed bytes fed at a time to zlib: a corrupt spot is located within this
GZIP_WBITS = 16 + zlib.MAX_WBITS


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
        return Incremental(raw, "bzip2", bz2.BZ2Decompressor)  # type: ignore[return-value]
    if magic == ZSTD_MAGIC:
        import zstandard

        return Incremental(raw, "zstd",  # type: ignore[return-value]
                           lambda: zstandard.ZstdDecompressor().decompressobj())
    return raw


def damage_of(stream: object) -> str | None:
    """Why a stream stopped before the end of its content (damaged compressed data)."""
    return getattr(stream, "damage", None)


class Incremental:
    """bzip2 or zstd content, decompressed a small piece of input at a time, member after
    member (frame after frame); where the data is cut short or corrupt, the content ends
    there and `damage` says so, everything decompressed before it having been returned."""

    def __init__(self, raw: BinaryIO, kind: str, make: Callable[[], Any]) -> None:
        self.raw, self.kind, self.make = raw, kind, make
        self.damage: str | None = None
        self._dec = make()
        self._out = bytearray()
        self._input = b""  # compressed bytes read but not fed yet (after a member's end)
        self._fed = 0  # compressed bytes fed so far
        self._started = False  # the current member has had input
        self._done = False

    def read(self, size: int = -1) -> bytes:
        want = size if size >= 0 else 1 << 62
        while len(self._out) < want and not self._done:
            self._step()
        piece = bytes(self._out[:want])
        del self._out[:want]
        return piece

    def _step(self) -> None:
        data, self._input = (self._input or self.raw.read(SMALL_CHUNK)), b""
        if not data:
            if self._started:
                self._stop(f"{self.kind} data cut short at compressed byte {self._fed:,} "
                           "(the file ends inside the compressed stream)")
            self._done = True
            return
        try:
            self._out += self._dec.decompress(data)
        except Exception as exc:  # noqa: BLE001 - OSError, ValueError, zstandard.ZstdError …
            self._stop(f"corrupt {self.kind} data near compressed byte {self._fed:,} ({exc})")
            return
        self._started = True
        if self._dec.eof:
            rest = self._dec.unused_data
            self._fed += len(data) - len(rest)
            self._dec, self._input, self._started = self.make(), rest, False
        else:
            self._fed += len(data)

    def _stop(self, why: str) -> None:
        self.damage = why
        self._done = True

    def close(self) -> None:
        self.raw.close()


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
