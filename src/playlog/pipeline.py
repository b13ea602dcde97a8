"""ingest(): log files → parse → enrich → sessionize → day-partitioned Parquet.

One run, under the data directory's lock:

1. finish or undo an interrupted run (`store.transaction.recover`);
2. for each file, read only what is new since the ledger's offset, in blocks of
   whole lines; each block is validated and typed in one DuckDB query;
3. rejects go to the quarantine; event-page and progress records, and the
   requests of web-server logs (with the event records their routes make),
   are enriched, de-duplicated and streamed to the run's files of their day;
   session records are folded into per-session states; the titles and artists
   that listening exports name fill the track catalog (a document format's
   file is read whole instead, see parse.document);
4. the states are merged with the stored rows of the same sessions (and with
   every still-open session, whose timeout depends on the new watermark), and
   the affected session files are rewritten — the sessions derived from
   streaming-server logs first, a bounded number of listening intervals at a
   time, so that memory is bounded by a piece of the log, not by the log;
5. the roll-ups of every day the run changed are rebuilt from its raw rows;
6. everything commits at once with the new ledger.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from playlog import clock, retention, routes, sessionize
from playlog.catalog import fill_catalog, load_catalog
from playlog.config import Settings
from playlog.errors import StoreError
from playlog.listening import Listening
from playlog.parse import registry
from playlog.parse.discover import STDIN, Found, discover
from playlog.parse.registry import Format, Parsed
from playlog.reading import SourceReader
from playlog.schema import (
    EVENT_SCHEMA,
    EVENTS,
    PLAYLIST,
    PLAYLIST_SCHEMA,
    PROGRESS,
    PROGRESS_SCHEMA,
    QUARANTINE,
    QUARANTINE_SCHEMA,
    REQUEST_DICTIONARY,
    REQUEST_SCHEMA,
    REQUEST_STATISTICS,
    REQUESTS,
    SESSIONS,
)
from playlog.store import rollups
from playlog.store.appender import DedupAppender, conform
from playlog.store.files import write_failure
from playlog.store.layout import Layout
from playlog.store.ledger import Ledger
from playlog.store.lock import exclusive
from playlog.store.modes import store_modes
from playlog.store.salt import load_salt
from playlog.store.sessions import SessionStore
from playlog.store.transaction import Transaction, close_sink, recover

ProgressCallback = Callable[[int, int], None]

# Per-block session states are folded into one frame (a session seen in several blocks
# becomes one row) when this many have piled up, and their rows since the last fold are at
# least those of the folded frame or FOLD_ROWS: so a run folds a few times, not once every
# few blocks over everything it holds (an export's plays, one session each, never shrink).
STATE_BATCHES = 8
FOLD_ROWS = 500_000


@dataclass
class IngestSummary:
    files: int = 0
    bytes: int = 0
    records: int = 0
    sessions: int = 0
    events: int = 0
    progress: int = 0
    requests: int = 0
    quarantined: int = 0
    duplicates: int = 0
    formats: dict[str, str] = field(default_factory=dict)  # file → the format it was read as
    skipped: dict[str, str] = field(default_factory=dict)  # file or folder → why it was not read
    damaged: dict[str, str] = field(default_factory=dict)  # file → where its data is damaged
    seconds: float = 0.0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ingest(
    paths: Iterable[Path | str],
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    wait: float = 0.0,
    enricher: Any = "auto",
    anonymize_ip: bool = False,
    log_format: str | None = None,
    user: str | None = None,
) -> IngestSummary:
    """Ingest the new content of `paths` (files or folders) into the store.

    `enricher` is an object with ``enrich(df)`` (see playlog.enrich), None for
    no enrichment, or "auto" for the default one built from `settings`.
    `log_format` names the format of every file (see parse.registry); by default
    each file's is detected from its first lines and remembered by the ledger.
    `user` is the user of listening exports that name none (docs/formats.md)."""
    started = time.perf_counter()
    forced = registry.resolve(log_format) if log_format else None
    found = discover(paths)
    owned = enricher == "auto"
    if owned:
        enricher = make_enricher(settings)
    layout = Layout(settings.data_dir, store_modes(settings.store_mode))
    try:
        _ensure_writable(layout)
        with exclusive(layout.lock, wait, layout.modes):
            recover(layout)
            run = _Run(layout, settings, enricher, anonymize_ip, forced, user)
            summary = run.run(found, on_progress)
    except OSError as exc:  # a full disk, a file system turned read-only
        failure = write_failure(layout.root, exc)
        if failure is None:
            raise
        raise failure from None
    finally:
        if owned and enricher is not None:
            enricher.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


NO_LOGS = "no log files in this folder (*.jsonl, *.ndjson, *.json, *.log, rotated or .gz)"


def _ensure_writable(layout: Layout) -> None:
    fs = layout.fs
    try:
        fs.make_dirs(layout.state, layout.modes)
        probe = layout.state / f".probe-{os.getpid()}"
        close_sink(fs.open_output(probe, layout.modes))
        fs.remove(probe)
    except OSError as exc:
        raise StoreError(
            str(layout.root), f"cannot write the data directory: {exc.strerror or exc}",
            hint="choose another with --data DIR or PLAYLOG_DATA",
        ) from None


class _Run:
    def __init__(self, layout: Layout, settings: Settings, enricher: Any, anonymize_ip: bool,
                 forced: Format | None = None, user: str | None = None):
        self.layout = layout
        self.forced = forced
        self.settings = settings
        self.enricher = enricher
        self.anonymize_ip = anonymize_ip
        self.con = duckdb.connect(config={"memory_limit": "1GB"})
        layout.fs.attach(self.con)
        self.con.execute("SET TimeZone = 'UTC'")
        self.tx = Transaction(layout)
        self.ledger = Ledger.load(layout)
        self.salt = load_salt(layout)
        self.raw_from = retention.raw_from(layout)
        self.anonymized_before = retention.anonymized_before(layout)
        self.agents_dropped_before = retention.user_agents_dropped_before(layout)
        self.events = DedupAppender(layout, EVENTS, EVENT_SCHEMA, self.tx, self.con)
        self.progress = DedupAppender(layout, PROGRESS, PROGRESS_SCHEMA, self.tx, self.con)
        self.requests = DedupAppender(layout, REQUESTS, REQUEST_SCHEMA, self.tx, self.con,
                                      distinct_ids=True, dictionary=REQUEST_DICTIONARY,
                                      statistics=REQUEST_STATISTICS)
        self.states: list[pl.DataFrame] = []
        self.session_ids: list[pl.Series] = []
        self.rejects: list[pl.DataFrame] = []
        self.summary = IngestSummary()
        self.user = user
        self.catalog = load_catalog(layout.root)
        self.catalog_rows: list[pl.DataFrame] = []
        self.playlist = DedupAppender(layout, PLAYLIST, PLAYLIST_SCHEMA, self.tx, self.con)
        self.listening = Listening(settings.routes, settings.session_timeout)
        self.replace: pl.DataFrame | None = None
        self.stored_apart = False  # sessions were merged into the store before the rest
        self.apart_files: frozenset[str] = frozenset()  # … in files of their own (see update)

    def run(self, found: Found, on_progress: ProgressCallback | None) -> IngestSummary:
        """Read, merge and commit; nothing of the run stays if it fails."""
        try:
            for folder in found.empty:  # one the store read logs from has nothing new
                if not self.ledger.knows_folder(folder):
                    self.summary.skipped[folder] = NO_LOGS
            return self.execute(found.files, on_progress)
        except BaseException:
            self.tx.rollback()
            raise
        finally:
            self.con.close()

    def execute(self, files: list[Path], on_progress: ProgressCallback | None) -> IngestSummary:
        reader = SourceReader(self.ledger, self.summary, self.salt, self.settings.idle_after,
                              self.forced, self._take, self.user, self.settings.tz)
        with self._stage("read"):
            reader.read_all(files, on_progress, sum(map(_size, files)))
        self.summary.files = len(files)
        return self.finish()

    def finish(self, extra: Callable[[], None] | None = None) -> IngestSummary:
        """Store what was taken: sessions merged, roll-ups rebuilt, the quarantine written,
        ``extra`` staged (e.g. quarantine files rewritten), then one commit."""
        with self._stage("sessions"):
            self._fill_catalog()
            self._derive_sessions()
            for appender in (self.events, self.progress, self.requests, self.playlist):
                appender.close()
            self._finish_sessions()
        with self._stage("rollups"):
            touched = set().union(*(self.tx.days_changed(d) for d in (SESSIONS, EVENTS, REQUESTS)))
            rollups.rebuild(self.con, self.tx, self.layout, touched, self.salt)
        with self._stage("commit"):
            self._write_quarantine()
            if extra is not None:
                extra()
            s = self.summary
            s.events, s.progress = self.events.written, self.progress.written
            s.requests = self.requests.written
            s.duplicates += sum(a.duplicates for a in (self.events, self.progress, self.requests))
            self.tx.commit(self.ledger.to_json())
        return s

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.summary.stage_seconds[name] = round(time.perf_counter() - started, 3)

    def _take(self, parsed: Parsed, path: str, fmt: str = "") -> None:
        if parsed.rejects is not None and parsed.rejects.num_rows:
            self.summary.records += parsed.rejects.num_rows  # lines read, no record came from
            self._reject(pl.from_arrow(parsed.rejects), path, fmt)
        if parsed.records is not None and parsed.records.num_rows:
            self._take_records(parsed.records, path)
        if parsed.requests is not None and parsed.requests.num_rows:
            self._take_requests(parsed.requests, path, fmt)
        if parsed.catalog is not None and parsed.catalog.num_rows:
            self.catalog_rows.append(pl.from_arrow(parsed.catalog))
        if parsed.playlist is not None and parsed.playlist.num_rows:
            self.summary.records += parsed.playlist.num_rows
            entries = pl.from_arrow(parsed.playlist).with_columns(
                pl.col("ts").dt.cast_time_unit("ms"), _day=pl.col("ts").dt.date())
            self.playlist.add(entries, "_day")
            self.listening.add_playlist(entries)

    def _reject(self, bad: pl.DataFrame, path: str, fmt: str = "") -> None:
        raw_bytes = pl.col("raw_bytes") if "raw_bytes" in bad.columns else pl.lit(None, pl.Binary)
        self.rejects.append(_detached(
            bad.select(source_file=pl.lit(str(path)), line=pl.col("line_no"), reason="reason",
                       raw="raw", raw_bytes=raw_bytes, format=pl.lit(fmt or None, pl.String))
        ))

    def _take_records(self, table: pa.Table, path: str, read: bool = True,
                      states: list[pl.DataFrame] | None = None) -> None:
        """Records of a block: session records become states (in `states`, by default
        the run's), progress and event records go to their datasets."""
        states = self.states if states is None else states
        df = self._retained(pl.from_arrow(table).with_columns(pl.col("ts").dt.cast_time_unit("ms")))
        where = sessionize.where
        bad = where(df, pl.col("reason").is_not_null())
        good = where(df, pl.col("reason").is_null())
        self.summary.records += df.height if read else 0
        if bad.height:
            self._reject(bad, path)
        sessions = where(good, pl.col("type").is_in(sessionize.SESSION_TYPES))
        if sessions.height:
            block = sessionize.to_states(sessions)
            if block.height * 2 < df.height:  # few states (most records fold): see _detached
                block = _detached(block)
            states.append(block)
            if _fold_due(states):
                folded = pl.concat(states, how="vertical_relaxed")
                states[:] = [sessionize.combine_states(folded)]
            ends = where(sessions, pl.col("type") != "session_progress")
            self.session_ids.append(ends["record_id"])
            self.ledger.advance_watermark(block["last_update"].max())
        progress = where(good, pl.col("type") == "session_progress")
        if progress.height:
            self.progress.add(progress.with_columns(_day=pl.col("ts").dt.date()), "_day")
        events = where(good, pl.col("type") == "event")
        if events.height:
            events = self._enrich(events)
            self.events.add(events.with_columns(_day=pl.col("ts").dt.date()), "_day")

    def _retained(self, df: pl.DataFrame) -> pl.DataFrame:
        """Records dated before the retained period become rejects: raw rows before it were
        deleted, and storing them would count those days again."""
        if self.raw_from is None:
            return df
        if "reason" not in df.columns:
            df = df.with_columns(reason=pl.lit(None, pl.String), raw=pl.lit(None, pl.String))
        return df.with_columns(
            reason=pl.when(pl.col("reason").is_null() & (pl.col("ts").dt.date() < self.raw_from))
            .then(pl.lit(f"before the retained period (raw data kept from {self.raw_from})"))
            .otherwise(pl.col("reason")),
        ).with_columns(raw=pl.coalesce("raw", pl.when(pl.col("reason").is_not_null())
                                       .then(pl.lit("(see the log file)"))))

    def _take_requests(self, table: pa.Table, path: str, fmt: str) -> None:
        """Requests of a web-server log: enriched and stored, and the event records their
        routes make (docs/formats.md#routes)."""
        df = pl.from_arrow(table)
        self.summary.records += df.height
        if self.raw_from is not None:
            df = self._retained(df)
            bad = df.filter(pl.col("reason").is_not_null())
            if bad.height:
                self._reject(bad, path, fmt)
            df = df.filter(pl.col("reason").is_null()).drop("reason", "raw")
        self.listening.add_requests(df)
        df = self._enrich(df.with_columns(page_url=routes.page_url(self.settings.file.get("site"))))
        day = pl.col("ts").dt.date().alias("_day")
        events = routes.events_from_requests(df, self.settings.routes)
        if events.height:
            self.events.add(events.with_columns(day), "_day")
        self.requests.add(df.drop("page_url", "line_no").with_columns(day), "_day")

    def _enrich(self, df: pl.DataFrame) -> pl.DataFrame:
        """Enrichment, then IP anonymisation (asked for, or of days cleanup anonymised)
        and user agents dropped on days cleanup dropped them."""
        if self.enricher is not None:
            df = self.enricher.enrich(df)
        day = pl.col("ts" if "ts" in df.columns else "started_at").dt.date()
        if self.anonymize_ip or self.anonymized_before is not None:
            from playlog.enrich.privacy import anonymize_ip_expr

            cut = pl.lit(True) if self.anonymize_ip else day < self.anonymized_before
            df = df.with_columns(
                client_ip=pl.when(cut).then(anonymize_ip_expr("client_ip"))
                .otherwise(pl.col("client_ip"))
            )
        if self.agents_dropped_before is not None:
            df = df.with_columns(
                user_agent=pl.when(day < self.agents_dropped_before).then(None)
                .otherwise(pl.col("user_agent"))
            )
        return df

    # -- catalog, sessions and quarantine --------------------------------------

    def _derive_sessions(self) -> None:
        """Sessions of streaming-server listeners and track-route media requests
        (playlog.listening), through the same path as the records of the logs. Pieces
        that stand apart are merged into the store one by one, so that a log of millions
        of listening intervals never has all its sessions in memory at once."""
        for part in self.listening.derive(self.con, self.layout, self.catalog, self.salt):
            if part.records is None:
                continue
            if part.apart:
                states: list[pl.DataFrame] = []
                self._take_records(part.records, "(requests)", read=False, states=states)
                self._store_sessions(states, part.replace, open_sessions=False)
            else:
                self._take_records(part.records, "(requests)", read=False)
                self.replace = part.replace
            if part.progress is not None:  # bytes served only: the plays end where these do
                bytes_sent = pl.from_arrow(part.progress)
                self.progress.add(bytes_sent.with_columns(_day=pl.col("ts").dt.date()), "_day")

    def _fill_catalog(self) -> None:
        """What the run's exports name goes into the catalog (nothing it has is
        overwritten), staged to replace it at commit."""
        if not self.catalog_rows:
            return
        rows = pl.concat(self.catalog_rows, how="diagonal_relaxed")
        merged, changed = fill_catalog(self.catalog, rows)
        if changed:
            self.catalog = merged
            sink = self.tx.replace(self.layout.catalog)
            merged.write_parquet(sink)
            close_sink(sink)

    def _finish_sessions(self) -> None:
        if self.session_ids:
            ids = pl.concat(self.session_ids)
            self.summary.duplicates += ids.len() - ids.n_unique()
        # after pieces stored apart, the open sessions meet the watermark they moved
        self._store_sessions(self.states, self.replace, refresh=self.stored_apart)

    def _store_sessions(self, states: list[pl.DataFrame], replace: pl.DataFrame | None,
                        open_sessions: bool = True, refresh: bool = False) -> None:
        """Merge `states` into the stored sessions (store.sessions), staged in the run's
        transaction; `open_sessions` False leaves the stored open sessions for later."""
        store = SessionStore(self.layout, self.con, self.tx)
        frame = pl.concat(states, how="vertical_relaxed") if states else None
        watermark = self.ledger.watermark or datetime(1970, 1, 1, tzinfo=UTC)
        result = store.update(
            frame,
            watermark=watermark,
            timeout=self.settings.session_timeout,
            open_days=self.ledger.open_days,
            finish=self._enrich,
            catalog=self.catalog,
            replace=replace,
            open_sessions=open_sessions,
            refresh=refresh,
            skip=self.apart_files if not open_sessions else frozenset(),
        )
        if not open_sessions:
            self.apart_files = self.apart_files | set(result.own_files)
        self.summary.sessions += result.changed
        self.ledger.open_days = result.open_days
        self.stored_apart = self.stored_apart or not open_sessions

    def _write_quarantine(self) -> None:
        if not self.rejects:
            return
        rejects = pl.concat(self.rejects, how="vertical_relaxed")
        if self.anonymize_ip:  # the raw lines hold the addresses too
            from playlog.enrich.privacy import (
                anonymize_ips_in_bytes_expr,
                anonymize_ips_in_text_expr,
            )

            rejects = rejects.with_columns(anonymize_ips_in_text_expr("raw"),
                                           anonymize_ips_in_bytes_expr("raw_bytes"))
        now = clock.now()
        self.summary.quarantined = rejects.height
        reasons = rejects.group_by(pl.col("reason").str.extract(r"^([^:]+)")).len()
        self.summary.quarantine_reasons = dict(
            sorted(zip(reasons["reason"].to_list(), reasons["len"].to_list()),
                   key=lambda kv: (-kv[1], kv[0]))
        )
        table = conform(rejects.with_columns(rejected_at=pl.lit(now)), QUARANTINE_SCHEMA)
        self.tx.write_table(QUARANTINE, now.date(), table)


def _fold_due(states: list[pl.DataFrame]) -> bool:
    """Is it time to fold the per-block states (see FOLD_ROWS)?"""
    if len(states) < STATE_BATCHES:
        return False
    return sum(block.height for block in states[1:]) >= min(states[0].height, FOLD_ROWS)


def _detached(df: pl.DataFrame) -> pl.DataFrame:
    """`df` with its own copy of its data.

    Polars strings are views into the buffers they were cut from: a few kept rows
    would otherwise hold a whole block of lines in memory until the run ends (rows
    that are most of their block, such as an export's plays, are kept as they are:
    the buffers they hold are theirs)."""
    copied = pl.from_arrow(df.to_arrow(compat_level=pl.CompatLevel.oldest()))
    return copied  # type: ignore[return-value]


def _size(path: Path) -> int:
    """The size of a file to read (0 for standard input, or a file gone since it was found)."""
    try:
        return 0 if str(path) == STDIN else path.stat().st_size
    except FileNotFoundError:
        return 0


def make_enricher(settings: Settings, *, enabled: bool = True, geoip: bool = True) -> Any:
    """The enrichment stage for a run (None when turned off)."""
    if not enabled:
        return None
    from playlog.enrich import Enricher

    return Enricher.from_settings(settings, geoip=geoip)

