"""Reading the sources of an ingest run, one after the other.

For each source (parse.source): its format (forced, remembered by the ledger or
detected from its first lines), its new blocks parsed ahead in a thread and
handed to the run (`take`), and afterwards its new ledger entry: the offset
and the lines reached, the content just before the offset, the parser's state.
What could not be read goes to the run's summary: a file no format matches or
one removed before it could be opened (`skipped`), damaged compressed data and
how far reading got (`damaged`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from playlog.parse import registry
from playlog.parse.ahead import parse_ahead
from playlog.parse.discover import STDIN
from playlog.parse.lines import Block, damage_of, iter_blocks
from playlog.parse.registry import Format, ParseContext, Parsed
from playlog.parse.source import Source, open_file, open_stdin
from playlog.store.ledger import Ledger, tail_hash


class SourceReader:
    def __init__(self, ledger: Ledger, summary: Any, salt: str, idle_after: timedelta,
                 forced: Format | None, take: Callable[[Parsed, str, str], None]) -> None:
        self.ledger = ledger
        self.summary = summary  # pipeline.IngestSummary: formats, skipped, damaged, bytes
        self.salt = salt
        self.idle_after = idle_after
        self.forced = forced
        self.take = take

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
        if source.tracked and source.fingerprint is None:  # not even one complete line yet
            self._note_damage(source, None)
            return done
        fmt = self._format(source)
        if fmt is None:
            return done
        state = source.entry.state if source.resumed and source.entry else None
        parser = fmt.open(ParseContext(source.name, self.salt, source.fingerprint or ""), state)
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
        if found.format is None and sample:
            self.summary.skipped[source.name] = registry.unmatched(sample)
        return found.format
