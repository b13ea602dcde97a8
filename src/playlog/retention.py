"""Retention: delete or archive old raw days, anonymise IPs sooner, compact days.

`cleanup` works on whole UTC days, under the ingest lock, in one transaction
(see store.transaction): a killed cleanup leaves every day as it was or as it
should be, never half, and running it twice is harmless. Before a raw day goes,
its roll-ups are made sure of, so every count the reports give for that day is
still answered (see store.rollups). `state/retention.json` records from which
day on raw rows are kept; ingest sends records older than that to the
quarantine instead of counting them again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from playlog import clock
from playlog.config import Settings
from playlog.schema import (
    EVENTS,
    PROGRESS,
    QUARANTINE,
    RAW_DATASETS,
    REQUESTS,
    ROLLUP_DATASETS,
    SCHEMAS,
    SESSIONS,
    SORT_KEYS,
)
from playlog.store.appender import conform, conform_arrow
from playlog.store.files import read_json, write_failure
from playlog.store.layout import Layout, literal
from playlog.store.ledger import Ledger
from playlog.store.lock import exclusive
from playlog.store.modes import store_modes
from playlog.store.reader import require_store
from playlog.store.transaction import Transaction, close_sink, recover, write_parquet

COMPACTED = (*RAW_DATASETS, QUARANTINE)
# A day has its roll-ups when it has one of each group: the roll-ups every release
# wrote, and the totals (query/blend.py) that older ones did not.
ROLLUP_GROUPS = (ROLLUP_DATASETS[:5], ROLLUP_DATASETS[5:])


@dataclass
class Action:
    action: str  # delete, archive, anonymize, compact, rollup
    dataset: str
    day: str
    files: int
    bytes: int


@dataclass
class CleanupResult:
    dry_run: bool
    raw_from: str | None = None
    anonymized_before: str | None = None
    actions: list[Action] = field(default_factory=list)
    bytes_freed: int = 0
    ledger_entries_dropped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add(self, action: str, dataset: str, day: date, files: list[Any],
            fs: Any = None) -> None:
        size = sum(fs.size(f) for f in files) if files else 0
        self.actions.append(Action(action, dataset, str(day), len(files), size))
        if action in ("delete", "archive"):
            self.bytes_freed += size


def retention_state(layout: Layout) -> dict[str, Any]:
    return read_json(layout.retention, {})


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _day_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def raw_from(layout: Layout) -> date | None:
    """The first day whose raw rows are kept (None: nothing was ever deleted)."""
    return _day_or_none(retention_state(layout).get("raw_from"))


def anonymized_before(layout: Layout) -> date | None:
    """Days before this one hold anonymised IPs only."""
    return _day_or_none(retention_state(layout).get("anonymized_before"))


def user_agents_dropped_before(layout: Layout) -> date | None:
    """Days before this one hold no user agent strings."""
    return _day_or_none(retention_state(layout).get("user_agents_dropped_before"))


def configured_cleanup(
    settings: Settings,
    *,
    older_than: str | None = None,
    anonymize_ip_after: str | None = None,
    drop_user_agents: bool | None = None,
    archive: Path | None = None,
) -> dict[str, Any]:
    """The arguments of `cleanup`: the given options, else the config file's [cleanup]
    section (``playlog cleanup`` and serve's daily cleanup both use this)."""
    from playlog.config import parse_duration
    from playlog.errors import UsageError

    conf = settings.section("cleanup")
    older = older_than or conf.get("older_than")
    anon = anonymize_ip_after or conf.get("anonymize_ip_after")
    drop = drop_user_agents if drop_user_agents is not None else bool(conf.get("drop_user_agents"))
    target = archive or (_archive_path(conf["archive"]) if conf.get("archive") else None)
    if drop and not anon:
        raise UsageError("--drop-user-agents", "needs --anonymize-ip-after (or "
                         "anonymize_ip_after in the config file): it applies to the same days")

    def source(flag: str, given: Any, key: str) -> str:
        return flag if given else f"{settings.config_file} [cleanup] {key}"

    return {
        "older_than": parse_duration(older, source("--older-than", older_than, "older_than"))
        if older else None,
        "anonymize_ip_after": parse_duration(
            anon, source("--anonymize-ip-after", anonymize_ip_after, "anonymize_ip_after")
        ) if anon else None,
        "drop_user_agents": drop,
        "archive": target,
    }


def cleanup(
    settings: Settings,
    *,
    older_than: timedelta | None = None,
    anonymize_ip_after: timedelta | None = None,
    drop_user_agents: bool = False,
    archive: Path | None = None,
    dry_run: bool = False,
    compact_days: bool = True,
    now: datetime | None = None,
    wait: float = 0.0,
) -> CleanupResult:
    now = now or clock.now()
    layout = Layout(settings.data_dir, store_modes(settings.store_mode))
    require_store(layout)
    anon_cutoff = (now - anonymize_ip_after).date() if anonymize_ip_after is not None else None
    try:
        with exclusive(layout.lock, wait, layout.modes):
            recover(layout)
            job = _Cleanup(layout, dry_run, archive)
            try:
                if older_than is not None:  # what is archived is anonymised as it would be kept
                    job.expire((now - older_than).date(), anon_cutoff, drop_user_agents)
                if anon_cutoff is not None:
                    job.anonymize(anon_cutoff, drop_user_agents)
                if compact_days:
                    job.add_totals()
                    job.compact()
                    job.compact_months()
                job.commit()
            except BaseException:
                job.tx.rollback()
                raise
            return job.result
    except OSError as exc:  # a full disk, a read-only file system
        failure = write_failure(layout.root, exc)
        if failure is None:
            raise
        raise failure from None


def _anonymized(dataset: str, rows: pl.DataFrame, drop_user_agents: bool) -> pl.DataFrame:
    """`rows` of `dataset` with IPs cut to their prefixes (in the quarantine's raw lines
    too), and without user agents when asked."""
    from playlog.enrich.privacy import (
        anonymize_ip_expr,
        anonymize_ips_in_bytes_expr,
        anonymize_ips_in_text_expr,
    )

    if dataset == QUARANTINE:
        cut = [anonymize_ips_in_text_expr("raw")]
        if "raw_bytes" in rows.columns:
            cut.append(anonymize_ips_in_bytes_expr("raw_bytes"))
        return rows.with_columns(cut)
    changed = rows.with_columns(anonymize_ip_expr("client_ip"))
    if drop_user_agents:
        changed = changed.with_columns(user_agent=pl.lit(None, pl.String))
    return changed


def compact(settings: Settings, *, dry_run: bool = False, wait: float = 0.0) -> CleanupResult:
    """Merge the files of each day into one (no effect on any answer)."""
    return cleanup(settings, dry_run=dry_run, wait=wait)


class _Cleanup:
    def __init__(self, layout: Layout, dry_run: bool, archive: Path | None):
        self.layout = layout
        self.dry_run = dry_run
        self.archive = Layout(archive, layout.modes) if archive else None
        self.tx = Transaction(layout)
        self.con = duckdb.connect(config={"memory_limit": "1GB"})
        layout.fs.attach(self.con)
        self.con.execute("SET TimeZone = 'UTC'")
        self.state = retention_state(layout)
        self.ledger: Ledger | None = None
        self.result = CleanupResult(dry_run=dry_run, raw_from=self.state.get("raw_from"),
                                    anonymized_before=self.state.get("anonymized_before"))
        self.gone: set[tuple[str, date]] = set()

    def expire(self, cutoff: date, anonymize_before: date | None = None,
               drop_user_agents: bool = False) -> None:
        """Delete (or archive) raw and quarantine days before `cutoff`; archived days before
        `anonymize_before` go to the archive anonymised (store.retention's rule)."""
        self._ensure_rollups({
            day for dataset in (SESSIONS, EVENTS, REQUESTS) for day in self.layout.days(dataset)
            if day < cutoff
        })
        for dataset in (*RAW_DATASETS, QUARANTINE):
            for day in self.layout.days(dataset):
                if day >= cutoff:
                    continue
                files = self.layout.files(dataset, day)
                self._note("archive" if self.archive else "delete", dataset, day, files)
                self.gone.add((dataset, day))
                if not self.dry_run:
                    anonymized = anonymize_before is not None and day < anonymize_before
                    self._drop(dataset, day, files, drop_user_agents if anonymized else None)
        if not self.state.get("raw_from") or str(cutoff) > self.state["raw_from"]:
            self.state["raw_from"] = str(cutoff)
            self.result.raw_from = str(cutoff)
        self.ledger = Ledger.load(self.layout)
        cutoff_time = datetime.combine(cutoff, datetime.min.time(), UTC)
        self.result.ledger_entries_dropped = self.ledger.forget_older_than(cutoff_time)

    def _ensure_rollups(self, days: set[date]) -> None:
        """Build, in one pass, the roll-ups of the days about to go that have none (or none
        of the totals, which releases before them did not write)."""
        missing = {d for d in days if not all(
            any(self.layout.files(n, d) for n in group) for group in ROLLUP_GROUPS)}
        self._rebuild_rollups(missing)

    def _note(self, action: str, dataset: str, day: date, files: list[Any]) -> None:
        self.result.add(action, dataset, day, files, self.layout.fs)

    def _read(self, files: list[Any]) -> pl.DataFrame:
        return read_frame(self.layout, files)

    def _drop(self, dataset: str, day: date, files: list[Any],
              anonymize: bool | None = None) -> None:
        """Remove a day's files, archiving them first (anonymised unless `anonymize` is
        None; True also drops the user agents)."""
        if self.archive is not None:
            target = self.archive.day_dir(dataset, day)
            if anonymize is not None and dataset != PROGRESS:  # progress holds no IP
                rows = _anonymized(dataset, self._read(files), anonymize)
                _, sink = self.tx.stage(target / files[0].name, self.archive)
                write_parquet(sink, conform(rows, SCHEMAS[dataset]))
            else:
                for path in files:
                    tmp, sink = self.tx.stage(target / path.name, self.archive)
                    close_sink(sink)
                    copy_between(self.layout, path, self.archive, tmp)
        for path in files:
            self.tx.remove(path)

    def anonymize(self, cutoff: date, drop_user_agents: bool) -> None:
        """Cut IPs (and drop user agents) in raw days before `cutoff`, and in the raw lines
        of the quarantine days before it."""
        done = _day_or_none(self.state.get("anonymized_before"))
        dropped = _day_or_none(self.state.get("user_agents_dropped_before"))
        for dataset in (SESSIONS, EVENTS, REQUESTS):
            for day in self.layout.days(dataset):
                if day >= cutoff or (dataset, day) in self.gone:
                    continue
                pending = done is None or day >= done
                if drop_user_agents:
                    pending = pending or dropped is None or day >= dropped
                if pending:
                    self._anonymize_day(dataset, day, drop_user_agents)
        self._anonymize_quarantine(cutoff)
        if done is None or cutoff > done:
            self.state["anonymized_before"] = str(cutoff)
            self.result.anonymized_before = str(cutoff)
        if drop_user_agents and (dropped is None or cutoff > dropped):
            self.state["user_agents_dropped_before"] = str(cutoff)

    def _anonymize_quarantine(self, cutoff: date) -> None:
        """The raw lines of quarantine days before `cutoff`, their IPs cut to prefixes."""
        done = _day_or_none(self.state.get("quarantine_anonymized_before"))
        for day in self.layout.days(QUARANTINE):
            if day >= cutoff or (QUARANTINE, day) in self.gone or (done and day < done):
                continue
            self._anonymize_day(QUARANTINE, day, False)
        if done is None or cutoff > done:
            self.state["quarantine_anonymized_before"] = str(cutoff)

    def _anonymize_day(self, dataset: str, day: date, drop_user_agents: bool) -> None:
        """One day of `dataset` written again with its IPs cut (and user agents dropped),
        when that changes anything (noted only, on a dry run)."""
        files = self.layout.files(dataset, day)
        rows = self._read(files)
        changed = _anonymized(dataset, rows, drop_user_agents)
        if changed.equals(rows):
            return
        self._note("anonymize", dataset, day, files)
        if not self.dry_run:
            self._replace_day(dataset, day, files, changed)

    def add_totals(self) -> None:
        """Build the roll-ups of the raw days that lack their totals (days written by a
        release before them): reports read the totals for whole quarter hours, and raw
        rows for days without them, which is slower (query/blend.py)."""
        missing = {day for dataset, totals in ((SESSIONS, "rollup_play_totals"),
                                               (EVENTS, "rollup_event_totals"))
                   for day in self.layout.days(dataset)
                   if (dataset, day) not in self.gone and not self.layout.files(totals, day)}
        self._rebuild_rollups(missing)

    def _rebuild_rollups(self, days: set[date]) -> None:
        if not days:
            return
        from playlog.store import rollups
        from playlog.store.salt import load_salt

        for day in sorted(days):
            self._note("rollup", "roll-ups", day, [])
        if not self.dry_run:
            rollups.rebuild(self.con, self.tx, self.layout, days, load_salt(self.layout))

    def compact(self) -> None:
        """One file per day where frequent runs left several."""
        for dataset in COMPACTED:
            for day in self.layout.days(dataset):
                files = [f for f in self.layout.files(dataset, day) if str(f) not in self.tx.removed]
                if len(files) < 2 or (dataset, day) in self.gone:
                    continue
                self._note("compact", dataset, day, files)
                if not self.dry_run:
                    rows = self._read(files).sort(SORT_KEYS[dataset], nulls_last=True,
                                                       maintain_order=True)
                    self._replace_day(dataset, day, files, rows)

    def compact_months(self) -> None:
        """The roll-ups of each month wholly before the raw rows, in one file (in the folder
        of the month's first day, rows sorted by quarter hour): those days can no longer
        change (ingest keeps records of days before the raw rows out), and a year then
        reads twelve files per roll-up instead of 365 (query/rollup.py reads from the
        first of the window's first month)."""
        first_raw = _day_or_none(self.state.get("raw_from"))
        if first_raw is None:
            return
        for dataset in ROLLUP_DATASETS:
            months: dict[date, list[Any]] = {}
            for day in self.layout.days(dataset):
                month = day.replace(day=1)
                if _next_month(month) <= first_raw:
                    months.setdefault(month, []).extend(
                        f for f in self.layout.files(dataset, day) if str(f) not in self.tx.removed)
            for month, files in months.items():
                if len(files) > 1:
                    self._merge_month(dataset, month, files)

    def _merge_month(self, dataset: str, month: date, files: list[Any]) -> None:
        self._note("compact", dataset, month, files)
        if self.dry_run:
            return
        order = "hour, minute" if "minute" in SCHEMAS[dataset].names else "hour"
        rows = self.con.sql(
            f"SELECT * FROM read_parquet($files, union_by_name = true) ORDER BY {order}",
            params={"files": [literal(f) for f in files]}).to_arrow_table()
        for path in files:
            self.tx.remove(path)
        self.tx.write_table(dataset, month, conform_arrow(rows, SCHEMAS[dataset]))

    def _replace_day(self, dataset: str, day: date, files: list[Any], rows: pl.DataFrame) -> None:
        for path in files:
            self.tx.remove(path)
        self.tx.write_table(dataset, day, conform(rows, SCHEMAS[dataset]))

    def commit(self) -> None:
        self.con.close()
        if self.dry_run:
            self.tx.rollback()
            return
        ledger = self.ledger.to_json() if self.ledger is not None else None
        self.tx.commit(ledger, {str(self.layout.retention): self.state})


def _archive_path(text: str) -> Any:
    from playlog.store.fs import as_path, is_url

    return as_path(text) if is_url(text) else Path(text).expanduser()


def read_frame(layout: Layout, files: list[Any]) -> pl.DataFrame:
    """The rows of `files` (a day's files of one dataset) as one frame."""
    if not layout.remote:
        return pl.read_parquet(files, glob=False)
    con = duckdb.connect()
    try:
        layout.fs.attach(con)
        from playlog.store.layout import literal

        return con.sql("SELECT * FROM read_parquet($f, union_by_name = true)",
                       params={"f": [literal(str(f)) for f in files]}).pl()
    finally:
        con.close()


def copy_between(source: Layout, path: Any, target: Layout, staged: Any) -> None:
    """Copy the file `path` of `source` to `staged` in `target` (an archive: either may be
    local or on an object store)."""
    if source.fs is target.fs:
        source.fs.copy(path, staged)
        return
    data = source.fs.read_bytes(path)
    sink = target.fs.open_output(staged, target.modes)
    if hasattr(sink, "write"):
        sink.write(data)
        sink.close()
    else:
        Path(sink).write_bytes(data)
