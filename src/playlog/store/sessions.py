"""The sessions dataset: merging new session states into the stored rows.

Stored rows that a run must change are those of the sessions it has records
for, and every still-open session (a later watermark may time it out). They
are found by session id in the days the new records could belong to, plus the
days the ledger lists as holding open sessions. Each file holding such a row is
rewritten without it, and the merged rows are written to the days they start
on (which may move a session whose start record arrived late).

Sessions derived from requests (playlog.listening) come with the *groups* they
replace: a stored session whose id is ``<group>:<start ms>`` of such a group,
overlapping the group's time range (if one is given), is dropped, not merged,
because the group was derived again from all its requests.

Pieces of derived sessions merged one after the other in a run (`open_sessions`
False) hold groups no other piece has: files an earlier piece wrote with its own
sessions only (`SessionUpdate.own_files`) cannot hold a later piece's rows, and
are not searched again (`skip`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from playlog import sessionize
from playlog.schema import ENRICHMENT_FIELDS, SESSION_SCHEMA, SESSIONS, SORT_KEYS
from playlog.store.appender import conform
from playlog.store.layout import Layout, literal
from playlog.store.transaction import Transaction

# Records of one session more than this far from its stored start are not looked for.
SEARCH_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class SessionUpdate:
    changed: int  # sessions created or updated by the run's records
    open_days: list[str]  # days that hold open sessions afterwards
    own_files: tuple[str, ...] = ()  # staged files holding only these states' sessions


@dataclass
class SessionStore:
    layout: Layout
    con: duckdb.DuckDBPyConnection
    tx: Transaction

    def update(
        self,
        states: pl.DataFrame | None,
        *,
        watermark: datetime,
        timeout: timedelta,
        open_days: list[str],
        finish: Callable[[pl.DataFrame], pl.DataFrame],
        catalog: pl.DataFrame | None = None,
        replace: pl.DataFrame | None = None,
        open_sessions: bool = True,
        refresh: bool = False,
        skip: frozenset[str] = frozenset(),
    ) -> SessionUpdate:
        """Merge `states` into the stored rows and stage the files that change.

        `open_sessions` False leaves stored open sessions as they are (for states that end
        by themselves, such as derived plays, merged a piece at a time: a later call with
        the final watermark finishes the open ones); `refresh` merges the open sessions
        again even without states (the watermark moved since they were stored); `skip`:
        staged files not to search (see the module docstring). Calls may follow one
        another in one transaction: each reads what the previous staged."""
        if states is None or states.is_empty():
            if not (refresh and open_sessions and open_days):
                return SessionUpdate(0, list(open_days))
            states = pl.DataFrame(schema=sessionize.STATE_DTYPES)
        else:
            states = sessionize.combine_states(states)
        affected, hit, keep = self._stored_rows(states, open_days, replace, open_sessions, skip)
        merged = states
        if hit.height:  # stored rows are not merged states (a timeout is in skip_reason)
            merged = sessionize.merge_states(
                pl.concat([states, sessionize.states_from_rows(hit)], how="vertical_relaxed")
            )
        final = _finish(sessionize.finalize(merged, watermark, timeout, catalog), hit, finish)
        final = final.with_columns(_day=pl.col("started_at").dt.date())
        staged = len(self.tx.added)
        self._write(final, keep)
        own = () if keep is not None and keep.height else tuple(
            tmp for tmp, _ in self.tx.added[staged:])
        for path in affected:
            self.tx.remove(path)
        still_open = {str(d) for d in final.filter(~pl.col("ended"))["_day"].unique()}
        if not open_sessions:  # the stored open sessions are where they were
            still_open |= set(open_days)
        return SessionUpdate(states.height, sorted(still_open), own)

    def _stored_rows(self, states: pl.DataFrame, open_days: list[str],
                     replace: pl.DataFrame | None = None, open_sessions: bool = True,
                     skip: frozenset[str] = frozenset()):
        """(files to rewrite, their rows to merge, their rows to keep as they are); rows
        that `replace` takes the place of are in neither. Files are those the store will
        hold after the transaction: committed ones not removed, and staged ones."""
        days: set[date] = set()
        if states.height:
            low = (states["first_seen"].min() - SEARCH_MARGIN).date()
            high = (states["last_update"].max() + SEARCH_MARGIN).date()
            days = {d for d in self.tx.days_after(SESSIONS) if low <= d <= high}
        if open_sessions:
            days |= {date.fromisoformat(d) for d in open_days}
        files = [literal(f) for d in sorted(days) for f in self.tx.files_after(SESSIONS, d)
                 if f not in skip]
        empty = pl.DataFrame(schema=sessionize.STATE_DTYPES)
        if not files:
            return [], empty, None
        groups = (replace if replace is not None else pl.DataFrame(schema={"group": pl.String}))
        self.con.register("_ids", states.select("session_id").to_arrow())
        self.con.register("_groups", groups.select("group").unique().to_arrow())
        try:
            affected = self.con.sql(
                "SELECT DISTINCT filename FROM read_parquet($files, filename = true, "
                "hive_partitioning = false) WHERE "
                + ("NOT ended OR " if open_sessions else "")
                + "session_id IN (SELECT session_id FROM _ids)"
                + (f" OR {GROUP_SQL} IN (SELECT \"group\" FROM _groups)" if groups.height else ""),
                params={"files": files},
            ).pl()["filename"].to_list()
        finally:
            self.con.unregister("_ids")
            self.con.unregister("_groups")
        if not affected:
            return [], empty, None
        rows = self.con.sql(
            "SELECT * FROM read_parquet($files, filename = true, hive_partitioning = false, "
            "union_by_name = true)",
            params={"files": [literal(f) for f in sorted(affected)]},
        ).pl()
        rows = _without_replaced(rows, replace)
        touched = pl.col("session_id").is_in(states["session_id"].implode())
        if open_sessions:
            touched = touched | ~pl.col("ended")
        keep = rows.filter(~touched).with_columns(
            _day=pl.col("filename").str.extract(r"date=(\d{4}-\d{2}-\d{2})").str.to_date()
        )
        return affected, rows.filter(touched), keep.drop("filename")

    def _write(self, final: pl.DataFrame, keep: pl.DataFrame | None) -> None:
        out = final
        if keep is not None and keep.height:  # the same dtypes, to stack them
            out = pl.concat([conform_frame(final), conform_frame(keep)], how="vertical_relaxed")
        out = out.sort(["_day", *SORT_KEYS[SESSIONS]], nulls_last=True)
        self.tx.write_days(SESSIONS, conform(out, SESSION_SCHEMA), out["_day"].to_arrow())


# A derived session's group: its id without the last ``:<start ms>``.
GROUP_SQL = "regexp_replace(session_id, ':[^:]*$', '')"


def _without_replaced(rows: pl.DataFrame, replace: pl.DataFrame | None) -> pl.DataFrame:
    """`rows` without the sessions a re-derived group replaces (docstring above)."""
    if replace is None or replace.is_empty():
        return rows
    marked = rows.with_row_index("_row").with_columns(
        group=pl.col("session_id").str.replace(r":[^:]*$", ""))
    hits = marked.join(replace, on="group", how="inner").filter(
        (pl.col("lo").is_null() | (pl.col("last_update") >= pl.col("lo")))
        & (pl.col("hi").is_null() | (pl.col("started_at") <= pl.col("hi"))))
    return marked.filter(~pl.col("_row").is_in(hits["_row"].implode())).drop("_row", "group")


# What enrichment reads; the columns it derives.
ENRICH_INPUTS = ("user_agent", "client_ip", "given_platform", "referrer", "given_country")
ENRICHED = ("platform", *(f.name for f in ENRICHMENT_FIELDS))


def _finish(rows: pl.DataFrame, stored: pl.DataFrame,
            finish: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.DataFrame:
    """`finish` (enrichment) for rows whose enrichment inputs are new or changed; stored
    rows merged again with the same inputs keep what was derived when they were whole
    (after cleanup dropped a day's user agents, enriching again would lose bots)."""
    if stored.is_empty():
        return _given_country(finish(rows))
    old = stored.select(
        "session_id",
        *(pl.col(c).alias(f"_old_{c}") for c in ENRICH_INPUTS + ENRICHED),
    )
    joined = rows.join(old, on="session_id", how="left")
    same = pl.col("session_id").is_in(stored["session_id"].implode()) & pl.all_horizontal(
        pl.col(c).eq_missing(pl.col(f"_old_{c}")) for c in ENRICH_INPUTS
    )
    olds = [f"_old_{c}" for c in ENRICH_INPUTS + ENRICHED]
    kept = joined.filter(same).with_columns(
        pl.col(f"_old_{c}").alias(c) for c in ENRICHED
    ).drop(olds)
    fresh = _given_country(finish(joined.filter(~same).drop(olds)))
    return pl.concat([fresh, kept], how="diagonal_relaxed")


def _given_country(rows: pl.DataFrame) -> pl.DataFrame:
    """The country a record named (Spotify's ``conn_country``) wins over the IP's."""
    if "given_country" not in rows.columns:
        return rows
    found = pl.col("country") if "country" in rows.columns else pl.lit(None, pl.String)
    return rows.with_columns(country=pl.coalesce("given_country", found))


def conform_frame(df: pl.DataFrame) -> pl.DataFrame:
    """The session columns plus `_day`, with stored dtypes, as a Polars frame."""
    table = conform(df, SESSION_SCHEMA)
    return pl.from_arrow(table).with_columns(df["_day"])
