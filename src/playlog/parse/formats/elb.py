"""AWS Elastic Load Balancing access logs: classic ELB and ALB alike.

Classic::

    2026-11-20T17:04:05.123456Z my-lb 203.0.113.7:51234 10.0.0.4:80 0.000043 0.001 0.00002
    200 200 0 5120 "GET https://events.example.com:443/e/ev003 HTTP/1.1" "curl/8.5.0" …

ALB lines start with the connection type (``http``, ``https``, ``h2``, ``grpcs``,
``ws``, ``wss``) and carry more fields after the user agent, which are not
kept. The client is ``ip:port`` (the port is dropped); the request's absolute
URI gives the virtual host; the status is the load balancer's; the size is
``sent_bytes``; the duration is the sum of the three processing times (none
when one is ``-1``: the request did not reach a target). Times are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from playlog.parse.registry import Format, ParseContext, Parsed, register
from playlog.parse.requests import Clock, finish

QUOTED = r'(?:[^"\\]|\\.)*'
PATTERN = (
    r"^(?P<_m>)(?:(?P<kind>[a-z0-9]+) )?(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) "
    r"(?P<elb>\S+) (?P<client>\S+) (?P<target>\S+) (?P<t1>\S+) (?P<t2>\S+) (?P<t3>\S+) "
    rf'(?P<status>\S+) (?P<target_status>\S+) (?P<received>\S+) (?P<bytes>\S+) "(?P<request>{QUOTED})"'
    rf' "(?P<user_agent>{QUOTED})"'
)
_SNIFF = re.compile(PATTERN)


def _duration() -> pl.Expr:
    times = [pl.col(t).cast(pl.Float64, strict=False) for t in ("t1", "t2", "t3")]
    failed = pl.any_horizontal([t < 0 for t in times])
    total = times[0] + times[1] + times[2]
    return pl.when(failed).then(None).otherwise(total).cast(pl.String).alias("request_time")


class ElbParser:
    def __init__(self, context: ParseContext, state: dict[str, Any] | None = None) -> None:
        self.context = context

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        df = pl.from_arrow(lines).filter(pl.col("line").str.strip_chars() != "")
        if df.is_empty():
            return Parsed()
        groups = df.get_column("line").str.extract_groups(PATTERN).struct.unnest()
        raw = pl.concat([df, groups], how="horizontal").with_columns(
            _duration(),
            _matched=pl.col("_m").is_not_null(),
            client_ip=pl.col("client").str.replace(r":\d+$", "").str.strip_chars("[]"),
        )
        return finish(con, raw, self.context, "elb", Clock("iso"), 1000.0)

    def state(self) -> dict[str, Any]:
        return {}


def sniff(sample: Sequence[str]) -> int:
    return sum(1 for text in sample if _SNIFF.match(text))


register(Format(
    name="elb",
    summary="AWS load balancer access logs (classic ELB and ALB)",
    sample='h2 2026-11-20T17:04:05.123456Z app/events/50dc6c495c0c9188 203.0.113.7:51234 '
           '10.0.0.4:80 0.000 0.031 0.000 200 200 412 5120 '
           '"GET https://events.example.com:443/e/ev003?utm_source=newsletter HTTP/2.0" '
           '"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0" '
           'TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:eu-west-3:1:targetgroup/'
           'events/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" '
           '"events.example.com" "-" 0 2026-11-20T17:04:05.092000Z "forward" "-" "-" '
           '"10.0.0.4:80" "200" "-" "-" TID_1',
    sniff=sniff,
    open=ElbParser,
    specificity=30,
    aliases=("alb",),
))
