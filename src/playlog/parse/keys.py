"""Keys of (client_ip, user_agent) pairs: the salted SHA-256 that requests keep as
their ``visitor_key`` and derived plays as their ``anon_key`` (docs/formats.md).

`PairKeys` hashes each distinct pair once for all the frames it is given — the
blocks of one access log, the pieces of one run's derived sessions — since the
same visitors come back block after block. The key itself is the same in every
run and version (`key_sql`, which the formats' own queries use too:
`anon_key_sql`); rows find their pair's key through a 64-bit hash of the pair,
good within a run.
"""

from __future__ import annotations

import duckdb
import polars as pl


def key_sql(ip: str, agent: str) -> str:
    """SQL: the key of the pair of SQL values `ip` and `agent` (``$salt``: the store's)."""
    return f"left(sha256($salt || '|' || coalesce({ip}, '') || '|' || coalesce({agent}, '')), 20)"


def anon_key_sql(ip: str, agent: str) -> str:
    """SQL: a record's ``anon_key``: its pair's key, none when both are unknown."""
    return f"CASE WHEN {ip} IS NOT NULL OR {agent} IS NOT NULL THEN {key_sql(ip, agent)} END"


KEY_SQL = f'SELECT _pair, {key_sql("client_ip", "user_agent")} AS _key FROM pairs'

# Known pairs are forgotten past this many (about 50 MB), so memory stays bounded.
KNOWN_PAIRS = 1_000_000


class PairKeys:
    def __init__(self, salt: str) -> None:
        self.salt = salt
        self.known = pl.DataFrame(schema={"_pair": pl.UInt64, "_key": pl.String})

    def add(self, con: duckdb.DuckDBPyConnection, df: pl.DataFrame, name: str) -> pl.DataFrame:
        """`df` with the key of its (client_ip, user_agent) in column `name`."""
        df = df.with_columns(_pair=pl.struct("client_ip", "user_agent").hash())
        pairs = (df.select("_pair", "client_ip", "user_agent").unique("_pair")
                 .join(self.known, on="_pair", how="left"))
        new = pairs.filter(pl.col("_key").is_null())  # a known pair's key is never null
        if new.height:
            con.register("pairs", new.drop("_key").to_arrow())
            try:
                found = pl.from_arrow(con.sql(KEY_SQL, params={"salt": self.salt}).to_arrow_table())
            finally:
                con.unregister("pairs")
            self.known = pl.concat([self.known, found], how="vertical_relaxed")
            pairs = pl.concat([pairs.filter(pl.col("_key").is_not_null()).select(found.columns),
                               found], how="vertical_relaxed")
        if self.known.height > KNOWN_PAIRS:
            self.known = self.known.clear()
        # the block's rows meet the block's pairs, not every known one
        keyed = df.join(pairs.select("_pair", "_key"), on="_pair", how="left").drop("_pair")
        return keyed.rename({"_key": name})
