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

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from playlog.parse import registry
from playlog.parse.ahead import connect, parse_ahead
from playlog.parse.discover import STDIN
from playlog.parse.document import DocumentDamaged, DocumentWait, head_sample, read_document
from playlog.parse.lines import Block, damage_of, iter_blocks
from playlog.parse.registry import Format, ParseContext, Parsed
from playlog.parse.source import Source, open_file, open_stdin
from playlog.store.ledger import Ledger, tail_hash


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
        return ParseContext(source.name, self.salt, file_id, user=self.user, tz=self.tz)

    def read(self, path: Path, on_progress, done: int, total: int) -> int:
        """Read one file (or standard input); returns `done` plus its size, for progress."""
        try:
            source = (open_stdin() if str(path) == STDIN
                      else open_file(path, self.ledger, self.idle_after))
        except FileNotFoundError:  # logrotate removed it since the folder was listed
            self.summary.skipped[str(path)] = "removed before it could be read"
            return done
        try:
            return self._read_source(source, on_progress, done, total) + source.size
        finally:
            source.close()

    def _read_source(self, source: Source, on_progress, done: int, total: int) -> int:
        fmt = self._format(source)
        if fmt is not None and fmt.document:
            self._read_document(source, fmt)
            return done
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

    def _read_document(self, source: Source, fmt: Format) -> None:
        """A document format's source, read whole unless the ledger knows its content."""
        con = connect()
        try:
            document = read_document(source, con)
        except DocumentWait as wait:
            self.summary.skipped[source.name] = str(wait)
            return
        except DocumentDamaged as damage:
            self.summary.damaged[source.name] = f"{damage}; a document is read whole: not read"
            return
        try:
            self.summary.formats[source.name] = fmt.name
            known = self.ledger.files.get(document.key)
            if known is None:
                parser = fmt.open(self._context(source, document.key), None)
                self.take(parser.parse(con, document.lines), source.name, fmt.name)
                self.summary.bytes += document.size
        finally:
            con.close()
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
