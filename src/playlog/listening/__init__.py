"""Play sessions derived from requests (docs/formats.md#streaming-servers).

Some sources say what was heard only through the requests a server logged:

- a streaming server (Icecast, SHOUTcast) logs each listener's connection when
  it ends: one listening interval of a mount, split over the titles its
  playlist says were on air (listening.radio);
- a plain web server logs the range requests of on-demand audio files: those of
  one visitor for one track, each within the session timeout of the previous
  one, are one session (listening.media; the ``track = true`` routes).

`Listening` collects, while a run reads its files, the requests that matter and
the playlist entries, then `derive` builds native records (``play`` per
session, ``session_progress`` per request with the bytes it served) that go
through the same sessionizing as any other — plus the groups of stored sessions
they replace. A derived session's id is ``<source>:<group>:<start ms>``: the
group is the listening interval (the request's id) or the (visitor, track)
pair, so re-deriving a group with more requests or playlist entries, in a later
run, replaces its earlier sessions instead of adding to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import duckdb
import polars as pl
import pyarrow as pa

from playlog.parse.keys import PairKeys
from playlog.routes import Route
from playlog.store.layout import Layout, literal

# How far from the run's requests and playlist entries stored ones are looked for.
MARGIN = timedelta(days=1)
# The longest listening interval looked for when a playlist entry arrives after it.
LONGEST_LISTEN = timedelta(days=2)
_REQUEST_COLUMNS = ("ts", "record_id", "format", "method", "path", "status", "bytes",
                    "request_time_ms", "client_ip", "user_agent", "remote_user", "referrer",
                    "visitor_key")


@dataclass
class Derived:
    records: pa.Table | None  # native records (parse.formats.native's columns)
    replace: pl.DataFrame | None  # group, lo, hi: stored sessions these take the place of
    progress: pa.Table | None = None  # progress records that only carry bytes served
    # Its sessions end by themselves and share no id with other records of the run:
    # they can be merged into the store on their own, before the rest.
    apart: bool = False


@dataclass
class Listening:
    routes: tuple[Route, ...] = ()
    timeout: timedelta = timedelta(minutes=30)
    requests: list[pl.DataFrame] = field(default_factory=list)
    playlist: list[pl.DataFrame] = field(default_factory=list)

    def add_requests(self, df: pl.DataFrame) -> None:
        """A block of typed requests (parse.requests), before enrichment."""
        from playlog.listening import media, radio

        keep = radio.listeners(df)
        if self.routes:
            keep = keep | media.requests_of(df, self.routes)
        if keep.any():
            taken = df.filter(keep).select(
                *(c for c in _REQUEST_COLUMNS if c in df.columns))
            self.requests.append(pl.from_arrow(taken.to_arrow()))  # its own copy

    def add_playlist(self, df: pl.DataFrame) -> None:
        self.playlist.append(df)

    def derive(self, con: duckdb.DuckDBPyConnection, layout: Layout,
               catalog: pl.DataFrame, salt: str,
               piece_size: int | None = None) -> Iterator[Derived]:
        """The sessions of the run's requests and playlist entries (and of the stored
        requests the new entries concern), in pieces: the streaming servers' listening
        intervals a bounded number at a time (``apart``; see radio.derive), then the media
        requests' sessions."""
        from playlog.listening import media, radio

        if not self.requests and not self.playlist:
            return
        requests = (pl.concat(self.requests, how="diagonal_relaxed") if self.requests
                    else pl.DataFrame())
        entries = pl.concat(self.playlist, how="diagonal_relaxed") if self.playlist else None
        keys = AnonKeys(salt)  # the pieces share their listeners: each is hashed once
        for part in radio.derive(con, layout, requests, entries, catalog, piece_size):
            yield _keyed(con, part, keys)
        yield _keyed(con, media.derive(con, layout, requests, self.routes, self.timeout,
                                       catalog), keys)


def _keyed(con: duckdb.DuckDBPyConnection, part: Derived, keys: AnonKeys) -> Derived:
    """`part` with the anonymous keys of its records (the progress records need none)."""
    if part.records is None or not part.records.num_rows:
        return Derived(None, None)
    keyed = keys.add(con, pl.from_arrow(part.records))
    replace = part.replace if part.replace is not None and part.replace.height else None
    progress = part.progress if part.progress is not None and part.progress.num_rows else None
    return Derived(native(keyed), replace, progress, part.apart)


def stored(con: duckdb.DuckDBPyConnection, layout: Layout, dataset: str, first, last,
           where: str, params: dict) -> pl.DataFrame:
    """Rows of `dataset` on the UTC days from `first` to `last` matching `where`."""
    days = [d for d in layout.days(dataset) if first.date() <= d <= last.date()]
    files = [literal(f) for d in days for f in layout.files(dataset, d)]
    if not files:
        return pl.DataFrame()
    return con.sql(
        f"SELECT * FROM read_parquet($files, union_by_name = true) WHERE {where}",
        params={"files": files, **params},
    ).pl()


NATIVE = {
    "line_no": pl.Int64, "reason": pl.String, "raw": pl.String, "type": pl.String,
    "ts": pl.Datetime("ms", "UTC"), "session_id": pl.String, "track_id": pl.String,
    "user_id": pl.String, "client_ip": pl.String, "user_agent": pl.String, "quality": pl.String,
    "platform": pl.String, "referrer": pl.String, "skip_reason": pl.String,
    "event_id": pl.String, "event_type": pl.String, "page_url": pl.String,
    "duration_played_ms": pl.Int64, "total_duration_ms": pl.Int64, "bytes_sent": pl.Int64,
    "time_on_page_ms": pl.Int64, "buffer_health": pl.Float64, "metadata": pl.String,
    "age_group": pl.String, "gender": pl.String, "anon_key": pl.String,
    "record_id": pl.UInt64,
}


def stable_keys(con: duckdb.DuckDBPyConnection, values: pl.Series) -> pl.Series:
    """A 16-hex-digit MD5 of each text value, the same in every version and process."""
    con.register("_values", pl.DataFrame({"v": values.unique()}).to_arrow())
    try:
        keys = con.sql("SELECT v, left(md5(v), 16) AS k FROM _values").pl()
    finally:
        con.unregister("_values")
    return pl.DataFrame({"v": values}).join(keys, on="v", how="left")["k"]


def native(df: pl.DataFrame) -> pa.Table:
    """`df` with exactly the native record columns (missing ones null)."""
    return df.select(
        (pl.col(name) if name in df.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in NATIVE.items()
    ).to_arrow()


class AnonKeys:
    """The native format's ``anon_key`` of records: the key of their (client_ip,
    user_agent) (parse.keys), none when both are unknown; each pair hashed once for all
    the frames given to `add`."""

    def __init__(self, salt: str) -> None:
        self.keys = PairKeys(salt)

    def add(self, con: duckdb.DuckDBPyConnection, df: pl.DataFrame) -> pl.DataFrame:
        known = pl.col("client_ip").is_not_null() | pl.col("user_agent").is_not_null()
        keyed = self.keys.add(con, df.drop("anon_key", strict=False), "anon_key")
        return keyed.with_columns(anon_key=pl.when(known).then(pl.col("anon_key")))
