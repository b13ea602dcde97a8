"""The quarantine: listing rejected lines and running them again through today's parsers.

`Selection` picks lines by reason (contains, any letter case), source file
(contains) and day (the UTC day they were rejected, which is their partition).

`list_quarantine` answers ``playlog quarantine``: the selected lines (oldest
first, at most ``limit``), how many there are in all, and how many per reason
(the text before the first ``:``, as ingest's summary counts them). It reads a
snapshot of the store like every report (store.reader).

`retry_quarantine` answers ``playlog quarantine retry``: under the data
directory's lock, the selected lines of each source file go through the
format their lines are detected as today (else the format the file was read
as), then through the rest of an ingest run (enrichment, sessions merged with
the stored ones, roll-ups of the days they touch). Lines that now pass are
stored and leave the quarantine; lines that still fail stay exactly as they
were; all in one commit. Lines that cannot be retried stay too: those kept as
bytes (not UTF-8 text), those cut to their first 64 KiB (over 1 MiB) and those
dated before the retained period (their raw line was never kept). A format
keeping state between the lines of a file (a W3C ``#Fields:`` header) starts
without it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from playlog.errors import UsageError

SAMPLE_LINES = 50
NOT_RETRIED = ("before the retained period", "line too long")
COLUMNS = ("day", "rejected_at", "source_file", "line", "format", "reason", "raw")


@dataclass(frozen=True)
class Selection:
    reason: str | None = None
    file: str | None = None
    day: str | None = None

    def __post_init__(self) -> None:
        if self.day is not None and not _is_day(self.day):
            raise UsageError("--day", f"'{self.day}' is not a day like 2026-11-20")

    def as_dict(self) -> dict[str, str | None]:
        return {"reason": self.reason, "file": self.file, "day": self.day}

    def expr(self) -> pl.Expr:
        """The selected rows of a frame of quarantine rows (with ``day``)."""
        keep = pl.lit(True)
        if self.reason:
            keep &= pl.col("reason").str.to_lowercase().str.contains(self.reason.lower(),
                                                                     literal=True)
        if self.file:
            keep &= pl.col("source_file").str.contains(self.file, literal=True)
        if self.day:
            keep &= pl.col("day") == date.fromisoformat(self.day)
        return keep


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def list_quarantine(data_dir: Path, selection: Selection, limit: int = 50) -> dict[str, Any]:
    """``filters``, ``total`` (selected lines), ``reasons`` and the first ``limit`` ``lines``."""
    from playlog.store.reader import connect

    con = connect(data_dir)
    try:
        frame = con.sql("SELECT date AS day, rejected_at, source_file, line, format, reason, raw "
                        "FROM quarantine").pl()
    finally:
        con.close()
    chosen = frame.filter(selection.expr()).sort("rejected_at", "source_file", "line")
    reasons = (chosen.group_by(reason=pl.col("reason").str.extract(r"^([^:]+)", 1))
               .agg(lines=pl.len()).sort(["lines", "reason"], descending=[True, False]))
    return {"filters": selection.as_dict(), "total": chosen.height,
            "reasons": reasons.to_dicts(), "lines": chosen.head(limit).to_dicts()}


@dataclass
class RetryResult:
    selected: int = 0  # lines the selection picked
    retried: int = 0  # of those, lines run again
    ingested: int = 0  # of those, lines that now pass (gone from the quarantine)
    still_rejected: int = 0
    not_retried: int = 0  # bytes, long lines, before the retained period, no format
    sessions: int = 0
    events: int = 0
    requests: int = 0
    dry_run: bool = False
    formats: dict[str, str] = field(default_factory=dict)  # source file → format retried as

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def retry_quarantine(settings: Any, selection: Selection, *, dry_run: bool = False,
                     wait: float = 0.0) -> RetryResult:
    """Run the selected lines again (see the module docstring)."""
    from playlog.pipeline import _Run, make_enricher
    from playlog.store.files import write_failure
    from playlog.store.layout import Layout
    from playlog.store.lock import exclusive
    from playlog.store.modes import store_modes
    from playlog.store.reader import require_store
    from playlog.store.transaction import recover

    layout = Layout(settings.data_dir, store_modes(settings.store_mode))
    require_store(layout)
    enricher = make_enricher(settings)
    try:
        with exclusive(layout.lock, wait, layout.modes):
            recover(layout)
            run = _Run(layout, settings, enricher, False)
            try:
                return _Retry(run, selection, dry_run).execute()
            except BaseException:
                run.tx.rollback()
                raise
            finally:
                run.con.close()
    except OSError as exc:
        failure = write_failure(layout.root, exc)
        if failure is None:
            raise
        raise failure from None
    finally:
        if enricher is not None:
            enricher.close()


class _Retry:
    def __init__(self, run: Any, selection: Selection, dry_run: bool) -> None:
        self.run = run
        self.selection = selection
        self.result = RetryResult(dry_run=dry_run)

    def execute(self) -> RetryResult:
        rows = self._rows()
        chosen = rows.filter(pl.col("_selected"))
        self.result.selected = chosen.height
        retryable = chosen.filter(_retryable())
        passed = self._parse(retryable)
        self.result.ingested = passed.height
        self.result.still_rejected = self.result.retried - passed.height
        self.result.not_retried = chosen.height - self.result.retried
        if self.result.dry_run or passed.height == 0:
            self.run.tx.rollback()
            return self.result
        summary = self.run.finish(lambda: self._rewrite(rows, passed))
        self.result.sessions, self.result.events = summary.sessions, summary.events
        self.result.requests = summary.requests
        return self.result

    def _rows(self) -> pl.DataFrame:
        """Every stored quarantine row with its file, day and row number, and ``_selected``."""
        from playlog.schema import QUARANTINE, QUARANTINE_SCHEMA

        files = self.run.layout.all_files(QUARANTINE)
        if not files:
            empty = pl.from_arrow(QUARANTINE_SCHEMA.empty_table())
            return empty.with_columns(_file=pl.lit(None, pl.String), _row=pl.lit(0, pl.UInt32),
                                      day=pl.lit(None, pl.Date), _selected=pl.lit(False))
        frames = [pl.read_parquet(f).with_row_index("_row").with_columns(
            _file=pl.lit(f), day=pl.lit(_day_of(f), pl.Date)) for f in files]
        rows = pl.concat(frames, how="diagonal_relaxed")
        for f in QUARANTINE_SCHEMA:  # files of an older release lack format and raw_bytes
            if f.name not in rows.columns:
                rows = rows.with_columns(pl.lit(None, pl.from_arrow(
                    pa.array([], f.type)).dtype).alias(f.name))
        return rows.with_columns(_selected=self.selection.expr())

    def _parse(self, rows: pl.DataFrame) -> pl.DataFrame:
        """Each source file's lines through today's parser; the rows that passed."""
        from playlog.parse import registry
        from playlog.parse.registry import ParseContext

        run = self.run
        outcomes = []
        for (source,), group in rows.sort("line").group_by(["source_file"], maintain_order=True):
            fmt = registry.detect(group["raw"].head(SAMPLE_LINES).to_list()).format
            if fmt is None and group["format"][0]:
                fmt = registry.get(group["format"][0])
            if fmt is None:
                continue
            self.result.formats[source] = fmt.name
            self.result.retried += group.height
            parser = fmt.open(ParseContext(source, run.salt, f"quarantine:{source}"), None)
            lines = pa.table({"line_no": pa.array(group["line"].to_list(), pa.int64()),
                              "line": pa.array(group["raw"].to_list(), pa.string())})
            before = len(run.rejects)
            run._take(parser.parse(run.con, lines), source, fmt.name)
            failed = [r["line"] for r in run.rejects[before:]]
            outcomes.append(group.filter(~pl.col("line").is_in(pl.concat(failed).implode())
                                         if failed else pl.lit(True)))
        run.rejects.clear()  # lines that still fail keep their stored rows
        return pl.concat(outcomes) if outcomes else rows.clear()

    def _rewrite(self, rows: pl.DataFrame, passed: pl.DataFrame) -> None:
        """Each quarantine file holding a line that passed, written again without it."""
        from playlog.schema import QUARANTINE, QUARANTINE_SCHEMA
        from playlog.store.appender import conform

        gone = passed.select("_file", "_row")
        touched = rows.join(gone.select("_file").unique(), on="_file", how="semi")
        kept = touched.join(gone, on=["_file", "_row"], how="anti")
        tx = self.run.tx
        for (path,) in gone.select("_file").unique().iter_rows():
            tx.remove(path)
        names = [f.name for f in QUARANTINE_SCHEMA]
        for (day,), part in kept.group_by(["day"]):
            tx.write_table(QUARANTINE, day, conform(part.sort("_file", "_row").select(names),
                                                    QUARANTINE_SCHEMA))


def _retryable() -> pl.Expr:
    reason = pl.col("reason").fill_null("")
    skipped = pl.any_horizontal(*(reason.str.starts_with(p) for p in NOT_RETRIED))
    return pl.col("raw_bytes").is_null() & pl.col("raw").is_not_null() & ~skipped


def _day_of(path: str) -> date | None:
    found = re.search(r"/date=(\d{4}-\d{2}-\d{2})/", path)
    return date.fromisoformat(found.group(1)) if found else None
