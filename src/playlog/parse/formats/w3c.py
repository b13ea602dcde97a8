"""W3C extended log files (IIS and others), read through their ``#Fields:`` header.

A file starts with directives (``#Software:``, ``#Version:``, ``#Date:``,
``#Fields: date time c-ip cs-method cs-uri-stem …``); each data line holds the
fields the last ``#Fields:`` line named, separated by spaces (IIS writes spaces
inside values as ``+``). The header may change in the middle of a file (IIS
starts a new one when its settings change, or when the service restarts): every
data line is read through the ``#Fields:`` line before it. The parser keeps the
current header as its state, so a later run resuming the file mid-way reads the
new lines through it.

A block is read in one vectorised pass per header it holds (usually one): lines
are split on the separator, and each field is taken by its position. A line
with another number of fields than its header names is a reject, as is a data
line before any header.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from playlog.parse.registry import Format, ParseContext, Parsed, register
from playlog.parse.requests import Clock, decoded, finish

# W3C field name → the request field it gives (parse.requests.RAW).
IIS_FIELDS = {
    "c-ip": "client_ip", "cs-username": "remote_user", "cs-host": "vhost", "cs(host)": "vhost",
    "cs-method": "method", "cs-uri-stem": "path", "cs-uri-query": "query",
    "cs-uri": "uri", "cs-version": "protocol", "sc-status": "status", "sc-bytes": "bytes",
    "cs(referer)": "referrer", "cs(user-agent)": "user_agent", "time-taken": "request_time",
}


@dataclass(frozen=True)
class Dialect:
    """What differs between W3C writers."""

    name: str
    fields: dict[str, str]
    separator: str = " "
    time_taken_ms: float = 1.0  # IIS: milliseconds
    plus_is_space: bool = True  # IIS writes spaces as '+' in the user agent
    percent_encoded: tuple[str, ...] = ()  # fields written %-encoded (CloudFront)
    preferred: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field → names, best first


class FieldsParser:
    """Reads blocks through the current ``#Fields:`` header (kept as state)."""

    def __init__(self, dialect: Dialect, context: ParseContext,
                 state: dict[str, Any] | None) -> None:
        self.dialect = dialect
        self.context = context
        self.header: str | None = (state or {}).get("fields")

    def state(self) -> dict[str, Any]:
        return {"fields": self.header} if self.header else {}

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        df = pl.from_arrow(lines).filter(pl.col("line").str.strip_chars() != "")
        if df.is_empty():
            return Parsed()
        fields_line = pl.when(pl.col("line").str.starts_with("#Fields:")).then(pl.col("line"))
        df = df.with_columns(
            _header=fields_line.forward_fill().fill_null(pl.lit(self.header, pl.String)))
        last = df.get_column("_header").drop_nulls()
        if last.len():
            self.header = last[-1]
        data = df.filter(~pl.col("line").str.starts_with("#"))
        frames = [self._through(part, header)
                  for (header,), part in data.partition_by("_header", as_dict=True,
                                                           include_key=False).items()]
        if not frames:
            return Parsed()
        raw = pl.concat(frames, how="diagonal_relaxed")
        return finish(con, raw, self.context, self.dialect.name, Clock("utc"),
                      self.dialect.time_taken_ms)

    def _through(self, part: pl.DataFrame, header: str | None) -> pl.DataFrame:
        """The rows of `part` read through one header (all rejected without one)."""
        if header is None:
            return part.select("line_no", "line", _matched=pl.lit(False))
        names = [n.lower() for n in header.removeprefix("#Fields:").split()]
        values = pl.col("line").str.split(self.dialect.separator)
        part = part.with_columns(_values=values)
        count = pl.col("_values").list.len()
        columns = {"_matched": count == len(names)}
        for role, name in self._roles(names).items():
            columns[role] = pl.col("_values").list.get(names.index(name), null_on_oob=True)
        if "date" in names and "time" in names:
            columns["time"] = pl.concat_str(
                pl.col("_values").list.get(names.index("date"), null_on_oob=True),
                pl.col("_values").list.get(names.index("time"), null_on_oob=True), separator=" ")
        out = part.with_columns(**columns).drop("_values", "_header", strict=False)
        return self._decode(out)

    def _roles(self, names: list[str]) -> dict[str, str]:
        roles: dict[str, str] = {}
        for name in names:
            role = self.dialect.fields.get(name)
            if role is None:
                continue
            best = self.dialect.preferred.get(role, ())
            current = roles.get(role)
            if current is None or (name in best and (current not in best
                                                     or best.index(name) < best.index(current))):
                roles[role] = name
        return roles

    def _decode(self, df: pl.DataFrame) -> pl.DataFrame:
        from urllib.parse import unquote

        if self.dialect.plus_is_space and "user_agent" in df.columns:
            df = df.with_columns(pl.col("user_agent").str.replace_all("+", " ", literal=True))
        for name in self.dialect.percent_encoded:
            if name in df.columns:
                df = df.with_columns(decoded(df.get_column(name), unquote).alias(name))
        return df


def sniffer(dialect: Dialect, wanted: Callable[[list[str]], bool]) -> Callable:
    """Lines of the sample that are directives of a header `wanted` accepts, or data lines
    with as many fields as it names."""
    def sniff(sample: Sequence[str]) -> int:
        header = next((s for s in sample if s.startswith("#Fields:")), None)
        if header is None:
            return 0
        names = [n.lower() for n in header.removeprefix("#Fields:").split()]
        if not wanted(names):
            return 0
        return sum(1 for s in sample
                   if s.startswith("#") or len(s.split(dialect.separator)) == len(names))

    return sniff


IIS = Dialect("w3c", IIS_FIELDS, preferred={"vhost": ("cs-host", "cs(host)")})

register(Format(
    name="w3c",
    summary="W3C extended log files (IIS and others), read through their #Fields: header",
    sample="#Fields: date time s-sitename s-ip cs-method cs-uri-stem cs-uri-query s-port "
           "cs-username c-ip cs-version cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus "
           "sc-win32-status sc-bytes cs-bytes time-taken\n"
           "2026-11-20 17:04:05 W3SVC1 10.0.0.4 GET /e/ev003 utm_source=newsletter 443 - "
           "203.0.113.7 HTTP/1.1 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) "
           "https://www.google.com/ events.example.com 200 0 0 5120 412 31",
    sniff=sniffer(IIS, lambda names: "date" in names and "x-edge-location" not in names),
    open=lambda context, state: FieldsParser(IIS, context, state),
    specificity=20,
    aliases=("iis",),
))
