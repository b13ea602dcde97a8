"""Web-server requests: the fields a format extracted, typed into the ``requests`` columns.

Every access-log format (parse/formats/clf.py, w3c.py, cloudfront.py, elb.py,
jsonlogs.py) first pulls the text of each field out of its lines with one
vectorised pass (a regular expression, a split or the JSON reader), into a
Polars frame of `RAW` columns (any may be missing). `finish` then types them
the same way for all formats, with Polars expressions over whole columns:

- ``ts`` from the format's time text (`Clock`), stored in UTC;
- ``method``, ``path``, ``query``, ``protocol`` from the request line (or the
  parts the format gives separately); an absolute URI (``http://host/p``)
  gives its host to ``vhost`` when the format has none. A request that is not
  ``METHOD URI [HTTP/x]`` (``-``, bytes a scanner sent) is kept: ``method`` is
  null and ``path`` holds the text as logged;
- ``status`` (100–599), ``bytes`` (null for ``-``), ``request_time_ms``;
- ``-`` and empty text as null; ``is_static`` from the path's extension;
- ``visitor_key``: the salted hash of (IP, user agent), the same function as
  the native format's ``anon_key``; ``record_id``: the file's fingerprint and
  the line number (two identical lines are two requests).

A line the format did not match, or whose time or status cannot be read, is a
reject with its reason; nothing else is dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl
import pyarrow as pa

from playlog.parse.keys import PairKeys
from playlog.parse.registry import ParseContext, Parsed

RAW = ("client_ip", "remote_user", "vhost", "time", "request", "method", "uri", "path", "query",
       "protocol", "status", "bytes", "referrer", "user_agent", "request_time")

# Assets, by the extension of the path (docs/metrics.md: static files).
STATIC_EXTENSIONS = (
    "css", "js", "mjs", "map", "jpg", "jpeg", "png", "gif", "ico", "svg", "webp", "avif", "bmp",
    "tif", "tiff", "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "m4a", "aac", "ogg", "oga",
    "ogv", "opus", "wav", "flac", "webm", "mpeg", "mpg", "avi", "mov", "flv", "swf", "pdf", "txt",
    "csv", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "gz", "tgz", "tar", "rar", "7z",
    "iso", "exe", "dmg",
)
STATIC_RE = r"(?i)\.(?:" + "|".join(STATIC_EXTENSIONS) + r")$"
REQUEST_RE = r"^(?P<method>[A-Z][A-Z_-]*) (?P<uri>.+?)(?: (?P<protocol>HTTPS?/[0-9.]+))?$"
ABSOLUTE_RE = r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<host>[^/?#]*)(?P<rest>.*)$"
TS_MIN, TS_MAX = pl.datetime(1990, 1, 1, time_zone="UTC"), pl.datetime(2100, 1, 1, time_zone="UTC")
RAW_LIMIT = 65536

OUTPUT = pa.schema([
    pa.field("line_no", pa.int64()), pa.field("record_id", pa.uint64()),
    pa.field("ts", pa.timestamp("ms", tz="UTC")), pa.field("client_ip", pa.string()),
    pa.field("remote_user", pa.string()), pa.field("vhost", pa.string()),
    pa.field("method", pa.string()), pa.field("path", pa.string()), pa.field("query", pa.string()),
    pa.field("protocol", pa.string()), pa.field("status", pa.int16()),
    pa.field("bytes", pa.int64()), pa.field("referrer", pa.string()),
    pa.field("user_agent", pa.string()), pa.field("request_time_ms", pa.float64()),
    pa.field("is_static", pa.bool_()), pa.field("visitor_key", pa.string()),
    pa.field("format", pa.string()),
])


@dataclass(frozen=True)
class Clock:
    """How a format writes time: ``clf`` (``20/Nov/2026:18:04:05 +0100``), ``iso``
    (RFC 3339 with an offset or ``Z``), ``utc`` (``2026-11-20 18:04:05``, in UTC),
    ``epoch`` (seconds, fractions allowed), ``epoch_ms``, ``epoch_us``, ``auto``
    (``epoch`` for numbers, else ``iso``) or ``strftime`` with `pattern`."""

    kind: str = "clf"
    pattern: str = ""


CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"


def parse_time(text: pl.Expr, clock: Clock) -> pl.Expr:
    """The UTC instant of each time text (null when it cannot be read)."""
    if clock.kind == "auto":
        numeric = text.str.contains(r"^\d+(\.\d*)?$")
        return pl.when(numeric).then(parse_time(text, Clock("epoch"))).otherwise(
            parse_time(text, Clock("iso")))
    if clock.kind.startswith("epoch"):
        per_ms = {"epoch": 1000, "epoch_ms": 1, "epoch_us": 0.001}[clock.kind]
        ms = (text.cast(pl.Float64, strict=False) * per_ms).round().cast(pl.Int64, strict=False)
        return pl.from_epoch(ms, time_unit="ms").dt.replace_time_zone("UTC")
    if clock.kind == "utc":
        value = text.str.replace("T", " ", literal=True).str.strip_suffix("Z")
        parsed = value.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us")
        return parsed.dt.replace_time_zone("UTC")
    pattern = {"clf": CLF_TIME, "iso": "%+"}.get(clock.kind, clock.pattern)
    return text.str.to_datetime(pattern, strict=False, time_unit="us", time_zone="UTC")


def decoded(values: pl.Series, decode: Callable[[str], str]) -> pl.Series:
    """`decode` applied once per distinct value (percent-encoded user agents and the like)."""
    distinct = values.drop_nulls().unique()
    if distinct.is_empty():
        return values
    mapping = dict(zip(distinct.to_list(), map(decode, distinct.to_list())))
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)


def _dash(name: str) -> pl.Expr:
    """The column with ``-`` and empty text as null."""
    col = pl.col(name)
    return pl.when(col.is_in(["-", ""])).then(None).otherwise(col)


def _columns(df: pl.DataFrame) -> pl.DataFrame:
    """`df` with every RAW column (missing ones null)."""
    missing = [pl.lit(None, pl.String).alias(c) for c in RAW if c not in df.columns]
    return df.with_columns(missing) if missing else df


def _request_parts(df: pl.DataFrame) -> pl.DataFrame:
    """method, uri, protocol from the request line where the format gave only that.

    ``METHOD URI HTTP/x`` is split on its spaces; the few other lines (a URI with a
    space, HTTP/0.9, text that is not HTTP) go through REQUEST_RE."""
    if df.get_column("request").null_count() == df.height:
        return df.with_columns(_opaque=pl.lit(False))
    split = df.get_column("request").str.splitn(" ", 3).struct.unnest()
    split.columns = ["_m1", "_u1", "_p1"]
    plain = pl.col("_m1").str.contains("^[A-Z][A-Z_-]*$") & pl.col("_p1").str.starts_with("HTTP")
    df = pl.concat([df, split], how="horizontal").with_columns(_plain=plain.fill_null(False))
    odd = df.filter(~pl.col("_plain") & pl.col("request").is_not_null())
    if odd.height:
        groups = pl.col("request").str.extract_groups(REQUEST_RE).struct
        found = odd.select("line_no", _m2=groups.field("method"), _u2=groups.field("uri"),
                           _p2=groups.field("protocol"))
        df = df.join(found, on="line_no", how="left")
    else:
        df = df.with_columns(**{c: pl.lit(None, pl.String) for c in ("_m2", "_u2", "_p2")})
    fast = pl.col("_plain")
    parsed = pl.when(fast).then("_u1").otherwise("_u2")
    return df.with_columns(
        method=pl.coalesce("method", pl.when(fast).then("_m1").otherwise("_m2")),
        uri=pl.coalesce("uri", parsed, "request"),
        protocol=pl.coalesce(_dash("protocol"), pl.when(fast).then("_p1").otherwise("_p2")),
        _opaque=pl.col("uri").is_null() & parsed.is_null(),  # the request line is not HTTP
    ).drop("_plain", "_m1", "_u1", "_p1", "_m2", "_u2", "_p2")


def _uri_parts(df: pl.DataFrame) -> pl.DataFrame:
    """path, query (and vhost from an absolute URI) from the uri where not given."""
    uri = pl.col("uri")
    if df.select((uri.str.starts_with("/") | uri.is_null()).all()).item():
        host = pl.lit(None, pl.String)
    else:  # an absolute URI (proxies, load balancers): its host, and the path after it
        absolute = uri.str.extract_groups(ABSOLUTE_RE)
        host = absolute.struct.field("host").str.replace(r":\d+$", "").replace("", None)
        uri = pl.coalesce(absolute.struct.field("rest").replace("", "/"), uri)
    split = uri.str.splitn("?", 2)
    http = ~pl.col("_opaque")
    return df.with_columns(
        vhost=pl.coalesce(_dash("vhost"), host),
        path=pl.coalesce(_dash("path"), pl.when(http).then(split.struct.field("field_0"))
                         .otherwise(pl.col("uri"))),
        query=pl.when(pl.col("path").is_not_null()).then(_dash("query").str.strip_prefix("?"))
        .otherwise(pl.when(http).then(split.struct.field("field_1"))),
    )


def _typed(df: pl.DataFrame, clock: Clock, time_unit_ms: float) -> pl.DataFrame:
    status = pl.col("status").str.strip_chars().cast(pl.Int32, strict=False)
    size = _dash("bytes").str.strip_chars()
    given = "ts" in df.columns  # typed by the format already (nginx_json)
    ts = pl.col("ts") if given else parse_time(pl.col("time").str.strip_chars(), clock)
    return df.with_columns(
        ts=ts.dt.cast_time_unit("ms"),
        status_n=status,
        bytes_n=size.cast(pl.Int64, strict=False),
        bytes_bad=size.is_not_null() & size.cast(pl.Int64, strict=False).is_null(),
        request_time_ms=(_dash("request_time").cast(pl.Float64, strict=False) * time_unit_ms),
    )


def _reason(fmt: str) -> pl.Expr:
    """The first rule a line breaks, or null for a good request."""
    return (
        pl.when(~pl.col("_matched")).then(pl.lit(f"not a {fmt} line"))
        .when(pl.col("ts").is_null())
        .then(pl.lit("invalid time: ") + pl.col("time").fill_null("(none)").str.slice(0, 80))
        .when((pl.col("ts") < TS_MIN) | (pl.col("ts") >= TS_MAX))
        .then(pl.lit("time out of range: ") + pl.col("time").str.slice(0, 80))
        .when(pl.col("status_n").is_null() | ~pl.col("status_n").is_between(100, 599))
        .then(pl.lit("invalid status: ") + pl.col("status").fill_null("(none)").str.slice(0, 40))
        .when(pl.col("bytes_bad")).then(pl.lit("invalid size: ") + pl.col("bytes").str.slice(0, 40))
        .when(pl.col("bytes_n") < 0).then(pl.lit("negative size: ") + pl.col("bytes"))
    )


def file_base(context: ParseContext) -> int:
    """A 64-bit number of the file (its fingerprint), mixed with line numbers into record ids."""
    name = context.file_id or context.path
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


_MIX = 0x9E3779B97F4A7C15  # odd: multiplying by it is a bijection on 64-bit numbers


def record_ids(line_no: pl.Expr, base: int) -> pl.Expr:
    """One id per (file, line): distinct for every line of the file."""
    return (line_no.cast(pl.UInt64) * pl.lit(_MIX, pl.UInt64)) ^ pl.lit(base, pl.UInt64)


def visitor_keys(con: duckdb.DuckDBPyConnection, df: pl.DataFrame,
                 context: ParseContext) -> pl.DataFrame:
    """`df` with ``visitor_key``, hashed once per distinct (client_ip, user_agent) of the
    file (parse.keys): the salted SHA-256, the same in every run."""
    keys = context.keys or PairKeys(context.salt)
    return keys.add(con, df, "visitor_key")


def finish(con: duckdb.DuckDBPyConnection, raw: pl.DataFrame, context: ParseContext, fmt: str,
           clock: Clock = Clock(), time_unit_ms: float = 1000.0) -> Parsed:
    """Typed requests and rejects from a frame of `line_no`, `line`, `_matched` and RAW
    text columns; `time_unit_ms` turns ``request_time`` into milliseconds."""
    df = _typed(_uri_parts(_request_parts(_columns(raw))), clock, time_unit_ms)
    df = df.with_columns(reason=_reason(fmt))
    bad = df.filter(pl.col("reason").is_not_null())
    good = df.drop("line")  # the text of good lines is not kept: no copy of it
    if bad.height:
        good = good.filter(pl.col("reason").is_null())
    good = good.with_columns(
        _dash("client_ip").alias("client_ip"), _dash("remote_user").alias("remote_user"),
        _dash("referrer").alias("referrer"), _dash("user_agent").alias("user_agent"),
        pl.col("vhost").str.to_lowercase(),
        status=pl.col("status_n"), bytes=pl.col("bytes_n"),
        is_static=pl.col("path").str.contains(STATIC_RE).fill_null(False),
        record_id=record_ids(pl.col("line_no"), file_base(context)),
        format=pl.lit(fmt),
    )
    requests = visitor_keys(con, good, context) if good.height else good
    rejects = bad.select("line_no", "reason", raw=pl.col("line").str.slice(0, RAW_LIMIT))
    return Parsed(requests=_conform(requests), rejects=rejects.to_arrow() if bad.height else None)


_POLARS_TYPES = {"status": pl.Int16, "bytes": pl.Int64, "request_time_ms": pl.Float64,
                 "is_static": pl.Boolean, "record_id": pl.UInt64}


def _conform(df: pl.DataFrame) -> pa.Table | None:
    """The OUTPUT columns in order (text as Arrow string views, as Polars holds it)."""
    if df.is_empty():
        return None
    columns = [
        (pl.col(f.name) if f.name in df.columns else pl.lit(None))
        .cast(_POLARS_TYPES.get(f.name, pl.String)).alias(f.name)
        for f in OUTPUT if f.name not in ("line_no", "ts")
    ]
    selected = df.select("line_no", pl.col("ts").dt.cast_time_unit("ms"), *columns)
    return selected.to_arrow(compat_level=pl.CompatLevel.newest())  # text as views: no copy
