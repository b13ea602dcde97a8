"""Reading the sources of an ingest run, one after the other.

For each source (parse.source): its format (forced, remembered by the ledger or
detected from its first lines), its new blocks parsed ahead in a thread and
handed to the run (`take`), and afterwards its new ledger entry: the offset
and the lines reached, the content just before the offset, the parser's state.
A source of a document format (a listening export: one JSON document) is
read whole once complete instead (parse.document), and known to the ledger by
a hash of its content. What could not be read goes to the run's summary: a
file no format matches, one removed before it could be opened or a document
still being written (`skipped`), damaged compressed data and how far reading
got (`damaged`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from playlog.parse import registry
from playlog.parse.ahead import connect, parse_ahead
from playlog.parse.discover import STDIN
from playlog.parse.document import (
    Document,
    DocumentDamaged,
    DocumentWait,
    head_sample,
    read_document,
)
from playlog.parse.keys import PairKeys
from playlog.parse.lines import Block, damage_of, iter_blocks
from playlog.parse.registry import Format, ParseContext, Parsed
from playlog.parse.source import Source, open_file, open_stdin
from playlog.store.ledger import Ledger, tail_hash

DOCUMENTS_AHEAD = 2  # documents read and parsed at once, ahead of the one taken
AHEAD_BYTES = 256 << 20  # … while the files in flight are smaller than this together


@dataclass
class _Pending:
    """A document being read and parsed in a thread: (Document or why not, its parse or
    None when the ledger knew it) in `future`."""
    source: Source
    fmt: Format
    future: Future


class SourceReader:
    def __init__(self, ledger: Ledger, summary: Any, salt: str, idle_after: timedelta,
                 forced: Format | None, take: Callable[[Parsed, str, str], None],
                 user: str | None = None, tz: str = "UTC") -> None:
        self.ledger = ledger
        self.summary = summary  # pipeline.IngestSummary: formats, skipped, damaged, bytes
        self.salt = salt
        self.idle_after = idle_after
        self.forced = forced
        self.take = take
        self.user = user  # of exports that name none (ingest --user)
        self.tz = tz

    def _context(self, source: Source, file_id: str) -> ParseContext:
        return ParseContext(source.name, self.salt, file_id, user=self.user, tz=self.tz,
                            keys=PairKeys(self.salt))

    def read_all(self, paths: Iterable[Path], on_progress, total: int) -> None:
        """Read the files (or standard input) in order; documents ahead in threads."""
        done = 0
        pending: deque[_Pending] = deque()
        pool: ThreadPoolExecutor | None = None
        connections = _Connections()
        try:
            for path in paths:
                source = self._open(path)
                if source is None:
                    continue
                try:
                    fmt = self._format(source)
                except BaseException:
                    source.close()
                    raise
                if fmt is not None and fmt.document:
                    pool = pool or ThreadPoolExecutor(DOCUMENTS_AHEAD, "playlog-document")
                    job = pool.submit(self._parse_document, source, fmt, connections)
                    pending.append(_Pending(source, fmt, job))
                    while len(pending) > DOCUMENTS_AHEAD or (
                            len(pending) > 1 and sum(map(_weight, pending)) > AHEAD_BYTES):
                        done = self._take_document(pending.popleft(), on_progress, done, total)
                    continue
                while pending:
                    done = self._take_document(pending.popleft(), on_progress, done, total)
                try:
                    done = self._read_source(source, fmt, on_progress, done, total) + source.size
                finally:
                    source.close()
            while pending:
                done = self._take_document(pending.popleft(), on_progress, done, total)
        finally:
            for left in pending:
                left.future.cancel()
            if pool is not None:
                pool.shutdown(wait=True)
            for left in pending:
                left.source.close()
            connections.close()

    def _open(self, path: Path) -> Source | None:
        try:
            return (open_stdin() if str(path) == STDIN
                    else open_file(path, self.ledger, self.idle_after))
        except FileNotFoundError:  # logrotate removed it since the folder was listed
            self.summary.skipped[str(path)] = "removed before it could be read"
            return None

    def _read_source(self, source: Source, fmt: Format | None, on_progress, done: int,
                     total: int) -> int:
        if source.tracked and source.fingerprint is None:  # not even one complete line yet
            self._note_damage(source, None)
            return done
        if fmt is None:
            return done
        state = source.entry.state if source.resumed and source.entry else None
        parser = fmt.open(self._context(source, source.fingerprint or ""), state)
        self.summary.formats[source.name] = fmt.name
        last: Block | None = None
        blocks = iter_blocks(source.stream, source.offset, source.line, tail=source.tail,
                             final=source.final)
        parsed = parse_ahead(blocks, parser)
        try:
            for block, result in parsed:
                self.take(result, source.name, fmt.name)
                last = block
                self.summary.bytes += block.size
                if on_progress:
                    on_progress(done + source.position(), total)
        finally:
            parsed.close()  # stops the parsing thread before the file closes
        self._note_damage(source, last)
        if source.tracked:
            self._remember(source, fmt, parser.state(), last)
        if on_progress:
            on_progress(done + source.size, total)
        return done

    def _parse_document(self, source: Source, fmt: Format, connections: _Connections,
                        ) -> tuple[Document | Exception, Parsed | None]:
        """(In a thread.) A document format's source read whole, and parsed unless the
        ledger knows its content."""
        con = connections.get()
        try:
            document = read_document(source, con)
        except (DocumentWait, DocumentDamaged) as why:
            return why, None
        if document.key in self.ledger.files:
            return document, None
        parser = fmt.open(self._context(source, document.key), None)
        return document, parser.parse(con, document.lines)

    def _take_document(self, pending: _Pending, on_progress, done: int, total: int) -> int:
        """The run takes a document read ahead (unless the ledger knows its content, perhaps
        from a copy just before it), and the ledger learns it."""
        source, fmt = pending.source, pending.fmt
        try:
            document, parsed = pending.future.result()
            if isinstance(document, DocumentWait):
                self.summary.skipped[source.name] = str(document)
            elif isinstance(document, DocumentDamaged):
                self.summary.damaged[source.name] = (
                    f"{document}; a document is read whole: not read")
            else:
                self._take_parsed(source, fmt, document, parsed)
        finally:
            source.close()
        if on_progress:
            on_progress(done + source.size, total)
        return done + source.size

    def _take_parsed(self, source: Source, fmt: Format, document: Document,
                     parsed: Parsed | None) -> None:
        """`parsed` is None when the ledger knew the content as it was read (a run's
        ledger only gains entries); a copy read earlier in this run is known now."""
        self.summary.formats[source.name] = fmt.name
        if parsed is not None and document.key not in self.ledger.files:
            self.take(parsed, source.name, fmt.name)
            self.summary.bytes += document.size
        if source.tracked:
            self.ledger.record(document.key, source.name, document.size, 1, "", fmt.name,
                               size=source.size)

    def _remember(self, source: Source, fmt: Format, state: dict, last: Block | None) -> None:
        """The ledger entry after reading: where reading stopped, and the content before it."""
        fp, entry = source.fingerprint, source.entry
        assert fp is not None
        if last is None and entry is not None:  # nothing new: the entry stays, under this name
            self.ledger.record(fp, source.name, entry.offset, entry.lines, entry.tail,
                               fmt.name, entry.state, size=source.size,
                               open_line=entry.open_line)
            return
        offset, lines, tail = source.offset, source.line, source.tail
        if last is not None:
            offset, lines, tail = last.end_offset, last.first_line + last.lines - 1, last.tail
        self.ledger.record(fp, source.name, offset, lines, tail_hash(tail) if tail else "",
                           fmt.name, state, size=source.size,
                           open_line=last is not None and last.open_line)

    def _note_damage(self, source: Source, last: Block | None) -> None:
        why = damage_of(source.stream)
        if why is None:
            return
        if last is None and not source.resumed:
            self.summary.damaged[source.name] = f"{why}; no complete line before it"
            return
        lines = last.first_line + last.lines - 1 if last else source.line
        offset = last.end_offset if last else source.offset
        self.summary.damaged[source.name] = (
            f"{why}; read up to line {lines:,} (byte {offset:,} of the content)"
        )

    def _format(self, source: Source) -> Format | None:
        """The format of a source: forced, else remembered by the ledger, else detected
        from its first lines (None, and the file is skipped, when nothing matches)."""
        if self.forced is not None:
            return self.forced
        entry = source.entry
        if entry is not None and entry.format:
            known = registry.get(entry.format)
            if known is not None:
                return known
        sample = source.sample()
        found = registry.detect(sample)
        if found.format is None:  # a document on one line, or not ended yet
            document = registry.detect(head_sample(source.head), documents=True)
            if document.format is not None:
                return document.format
        if found.format is None and sample:
            self.summary.skipped[source.name] = registry.unmatched(sample)
        return found.format


def _weight(pending: _Pending) -> int:
    """The bytes a document in flight may hold: its size, or, compressed or from standard
    input (its content's size unknown), as much as all may: no other is read beside it."""
    source = pending.source
    return source.size if source.size and not source.compressed else AHEAD_BYTES + 1


class _Connections:
    """One parsing connection per thread that asks for one, all closed at the end."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list = []
        self._lock = threading.Lock()

    def get(self):
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = connect()
            with self._lock:
                self._all.append(con)
        return con

    def close(self) -> None:
        with self._lock:
            for con in self._all:
                con.close()
            self._all.clear()
