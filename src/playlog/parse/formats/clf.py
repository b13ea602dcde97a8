"""The Common Log Format family — combined, common, vcombined, common_vhost — and any
nginx ``log_format`` or Apache ``LogFormat`` definition given to ``--log-format``.

Each format is a definition compiled by parse.logformat into one regular
expression; a block of lines is matched in one vectorised pass (Polars
``extract_groups``), and parse.requests types the fields. The known formats are
Apache's own definitions; each also reads lines with more fields at the end
(nginx's ``main`` format adds ``"$http_x_forwarded_for"``), so on a tie the
format with more fields wins (its `specificity`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from playlog.parse.logformat import Compiled, compile_format, looks_like_definition
from playlog.parse.registry import Format, ParseContext, Parsed, register, register_factory
from playlog.parse.requests import finish

QUOTE_ESCAPED = ("request", "referrer", "user_agent")


class RegexParser:
    """Parses blocks of one file with a compiled definition (no state between blocks)."""

    def __init__(self, compiled: Compiled, name: str, context: ParseContext) -> None:
        self.compiled = compiled
        self.name = name
        self.context = context
        self.pattern = "^(?P<_m>)" + compiled.pattern.removeprefix("^")

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        df = pl.from_arrow(lines).filter(pl.col("line").str.strip_chars() != "")
        if df.is_empty():
            return Parsed()
        groups = df.get_column("line").str.extract_groups(self.pattern).struct.unnest()
        raw = pl.concat([df, groups], how="horizontal").with_columns(
            _matched=pl.col("_m").is_not_null(),
            **{name: pl.col(name).str.replace_all('\\"', '"', literal=True)
               for name in QUOTE_ESCAPED if name in groups.columns},
        )
        return finish(con, raw, self.context, self.name, self.compiled.clock,
                      self.compiled.time_unit_ms)

    def state(self) -> dict[str, Any]:
        return {}


def _sniffer(compiled: Compiled) -> Callable[[Sequence[str]], int]:
    regex = re.compile(compiled.pattern)

    def sniff(sample: Sequence[str]) -> int:
        return sum(1 for text in sample if regex.match(text))

    return sniff


def _near(compiled: Compiled) -> Callable[[Sequence[str]], tuple[float, str]]:
    """How far into the definition the sample's lines match: (share of pieces, the first
    field that does not match on the line that goes furthest)."""
    prefixes = [re.compile(compiled.prefix(n)) for n in range(1, len(compiled.pieces) + 1)]

    def near(sample: Sequence[str]) -> tuple[float, str]:
        best = 0
        for text in sample[:10]:
            reached = next((n for n in range(len(prefixes), 0, -1)
                            if prefixes[n - 1].match(text)), 0)
            best = max(best, reached)
        if best == len(prefixes):
            return 1.0, "the lines match"
        label = next((lab for _, lab in compiled.pieces[best:] if lab), "the end of the line")
        return best / len(prefixes), f"lines stop matching at its {label} field"

    return near


def define(name: str, definition: str, summary: str, sample: str, specificity: int,
           aliases: tuple[str, ...] = ()) -> Format:
    """A Format read through `definition` (an Apache or nginx format string)."""
    compiled = compile_format(definition)
    return Format(
        name=name, summary=summary, sample=sample, sniff=_sniffer(compiled),
        open=lambda context, state: RegexParser(compiled, name, context),
        specificity=specificity, aliases=aliases, near=_near(compiled),
    )


COMMON = '%h %l %u %t "%r" %>s %b'
COMBINED = COMMON + ' "%{Referer}i" "%{User-Agent}i"'
VCOMBINED = '%v:%p ' + COMBINED
COMMON_VHOST = "%v " + COMMON

register(define(
    "combined", COMBINED,
    "nginx's default access log and Apache's combined LogFormat",
    '203.0.113.7 - - [20/Nov/2026:18:04:05 +0100] "GET /e/ev003?utm_source=newsletter HTTP/1.1" '
    '200 5120 "https://www.google.com/" "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 '
    'Firefox/132.0"',
    specificity=30, aliases=("nginx", "apache", "clf_combined"),
))
register(define(
    "common", COMMON,
    "the Common Log Format (Apache's common LogFormat): no referrer or user agent",
    '203.0.113.7 - alice [20/Nov/2026:18:04:05 +0100] "GET /e/ev003 HTTP/1.1" 200 5120',
    specificity=10, aliases=("clf",),
))
register(define(
    "vcombined", VCOMBINED,
    "combined with the virtual host and port first (Apache's vhost_combined)",
    'events.example.com:443 203.0.113.7 - - [20/Nov/2026:18:04:05 +0100] "GET /e/ev003 HTTP/2.0" '
    '200 5120 "-" "curl/8.5.0"',
    specificity=40, aliases=("vhost_combined",),
))
register(define(
    "common_vhost", COMMON_VHOST,
    "common with the virtual host first (Apache's vhost_common)",
    'events.example.com 203.0.113.7 - - [20/Nov/2026:18:04:05 +0100] "GET /e/ev003 HTTP/1.1" '
    '200 5120',
    specificity=20, aliases=("vhost_common",),
))


def _from_definition(text: str) -> Format | None:
    """A format for an nginx or Apache definition given to --log-format."""
    if not looks_like_definition(text):
        return None
    compiled = compile_format(text)
    kind = "nginx log_format" if compiled.kind == "nginx" else "Apache LogFormat"
    return Format(
        name=text, summary=f"the {kind} given to --log-format", sample="",
        sniff=_sniffer(compiled),
        open=lambda context, state: RegexParser(compiled, "custom", context),
        near=None,
    )


register_factory(_from_definition)
