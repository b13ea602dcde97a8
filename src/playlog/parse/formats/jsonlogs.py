"""Web-server access logs written as one JSON object per line: Caddy, Traefik, nginx.

- ``caddy``: Caddy's ``http.log.access`` entries (``ts`` in epoch seconds or
  ISO 8601, ``request.remote_ip`` / ``client_ip``, ``request.headers`` lists,
  ``duration`` in seconds, ``size``, ``status``);
- ``traefik``: Traefik's JSON access log (``ClientHost``, ``RequestMethod``,
  ``RequestPath``, ``DownstreamStatus``, ``DownstreamContentSize``,
  ``Duration`` in nanoseconds, ``StartUTC``; headers as ``request_User-Agent``
  and ``request_Referer`` when Traefik is told to keep them);
- ``nginx_json``: an nginx ``log_format … escape=json`` keyed by variable names
  (``remote_addr``, ``time_iso8601`` or ``time_local`` or ``msec``, ``request``
  or ``request_method`` + ``request_uri``, ``status``, ``body_bytes_sent``,
  ``http_referer``, ``http_user_agent``, ``host``, ``request_time``), or by the
  keys of Matomo's documented nginx JSON format (``ip``, ``host``, ``path``,
  ``status``, ``referrer``, ``user_agent``, ``length``,
  ``generation_time_milli`` — seconds, despite its name — ``date``).
  nginx's default escaping (``\\x22``) is read too.

Each block is one DuckDB query: every line is parsed once (``json_transform``
into the keys the format knows) and the fields come out as text for
parse.requests; a line that is not JSON, or lacks the status, is a reject.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from playlog.parse.numbers import epoch_micros_sql
from playlog.parse.registry import Format, ParseContext, Parsed, json_objects, register
from playlog.parse.requests import Clock, finish


@dataclass(frozen=True)
class JsonDialect:
    name: str
    structure: dict[str, Any]  # the keys read, as json_transform takes them
    fields: dict[str, str]  # request field → SQL over the parsed object `r`
    matched: str  # SQL: the line is an entry of this format
    clock: Clock
    time_unit_ms: float
    keys: Callable[[dict[str, Any]], bool]  # for detection: does a parsed line look right


V = "VARCHAR"


def _first(*names: str) -> str:
    return "coalesce(" + ", ".join(f'nullif(r."{n}", \'\')' for n in names) + ")"


CADDY = JsonDialect(
    name="caddy",
    structure={"ts": V, "logger": V, "user_id": V, "duration": V, "size": V, "status": V,
               "request": {"remote_ip": V, "client_ip": V, "proto": V, "method": V, "host": V,
                           "uri": V, "headers": {"User-Agent": [V], "Referer": [V]}}},
    fields={
        "time": "r.ts", "client_ip": "coalesce(r.request.client_ip, r.request.remote_ip)",
        "remote_user": "nullif(r.user_id, '')", "vhost": "r.request.host",
        "method": "r.request.method", "uri": "r.request.uri", "protocol": "r.request.proto",
        "status": "r.status", "bytes": "r.size",
        "referrer": "r.request.headers.\"Referer\"[1]",
        "user_agent": "r.request.headers.\"User-Agent\"[1]", "request_time": "r.duration",
    },
    matched="r.request IS NOT NULL AND r.status IS NOT NULL",
    clock=Clock("auto"), time_unit_ms=1000.0,
    keys=lambda o: isinstance(o.get("request"), dict) and "status" in o
    and ("remote_ip" in o["request"] or "client_ip" in o["request"]),
)

TRAEFIK = JsonDialect(
    name="traefik",
    structure={k: V for k in (
        "ClientHost", "ClientAddr", "ClientUsername", "RequestHost", "RequestMethod",
        "RequestPath", "RequestProtocol", "DownstreamStatus", "DownstreamContentSize",
        "Duration", "StartUTC", "StartLocal", "time", "request_User-Agent", "request_Referer")},
    fields={
        "time": _first("StartUTC", "StartLocal", "time"),
        "client_ip": "coalesce(nullif(r.ClientHost, ''), "
                     "regexp_replace(r.ClientAddr, ':[0-9]+$', ''))",
        "remote_user": 'r."ClientUsername"', "vhost": 'r."RequestHost"',
        "method": 'r."RequestMethod"', "uri": 'r."RequestPath"',
        "protocol": 'r."RequestProtocol"', "status": 'r."DownstreamStatus"',
        "bytes": 'r."DownstreamContentSize"', "referrer": 'r."request_Referer"',
        "user_agent": 'r."request_User-Agent"', "request_time": 'r."Duration"',
    },
    matched='r."DownstreamStatus" IS NOT NULL',
    clock=Clock("iso"), time_unit_ms=1e-6,
    keys=lambda o: "DownstreamStatus" in o and ("RequestMethod" in o or "RequestPath" in o),
)

_NGINX_KEYS = (
    "time_iso8601", "time_local", "msec", "date", "time", "timestamp", "@timestamp",
    "remote_addr", "ip", "client_ip", "realip_remote_addr", "remote_user", "host", "http_host",
    "server_name", "request", "request_method", "method", "request_uri", "path", "uri",
    "document_uri", "args", "query_string", "server_protocol", "protocol", "status",
    "body_bytes_sent", "bytes_sent", "length", "size", "http_referer", "http_referrer",
    "referer", "referrer", "http_user_agent", "user_agent", "request_time",
    "generation_time_milli",
)

NGINX_JSON = JsonDialect(
    name="nginx_json",
    structure={k: V for k in _NGINX_KEYS},
    fields={
        "time": _first("time_iso8601", "date", "@timestamp", "timestamp", "time", "time_local",
                       "msec"),
        "client_ip": _first("remote_addr", "ip", "client_ip", "realip_remote_addr"),
        "remote_user": _first("remote_user"), "vhost": _first("host", "http_host", "server_name"),
        "request": _first("request"), "method": _first("request_method", "method"),
        "uri": _first("request_uri", "path"), "path": _first("uri", "document_uri"),
        "query": _first("args", "query_string"), "protocol": _first("server_protocol", "protocol"),
        "status": _first("status"),
        "bytes": _first("body_bytes_sent", "bytes_sent", "length", "size"),
        "referrer": _first("http_referer", "http_referrer", "referer", "referrer"),
        "user_agent": _first("http_user_agent", "user_agent"),
        "request_time": _first("request_time", "generation_time_milli"),
    },
    matched="r.status IS NOT NULL",
    clock=Clock("iso"), time_unit_ms=1000.0,
    keys=lambda o: "status" in o and any(k in o for k in ("remote_addr", "ip", "client_ip"))
    and any(k in o for k in ("request", "request_uri", "path", "uri")),
)

# nginx_json times come in several shapes: typed in SQL, one expression per shape.
NGINX_TS = """coalesce(
    TRY_CAST({first_iso} AS TIMESTAMPTZ),
    try_strptime(nullif(r.time_local, ''), '%d/%b/%Y:%H:%M:%S %z'),
    make_timestamptz({msec}))"""


def _sql(dialect: JsonDialect) -> str:
    structure = json.dumps(dialect.structure).replace("'", "''")
    columns = ",\n       ".join(f"CAST({expr} AS VARCHAR) AS {name}"
                                for name, expr in dialect.fields.items())
    typed = ""
    if dialect.name == "nginx_json":
        iso = _first("time_iso8601", "date", "@timestamp", "timestamp", "time")
        msec = epoch_micros_sql("nullif(r.msec, '')")
        typed = f",\n       {NGINX_TS.format(first_iso=iso, msec=msec)} AS ts"
    return f"""
SELECT line_no, line, coalesce(r IS NOT NULL AND ({dialect.matched}), false) AS _matched,
       {columns}{typed}
FROM (SELECT line_no, line, try(json_transform({_prepared(dialect)}, '{structure}')) AS r
      FROM lines WHERE trim(line) <> '')
"""


def _prepared(dialect: JsonDialect) -> str:
    """nginx without escape=json writes bytes as \\xNN, which JSON does not know."""
    if dialect.name == "nginx_json":
        return "CASE WHEN contains(line, '\\x') THEN replace(line, '\\x', '\\u00') ELSE line END"
    return "line"


class JsonParser:
    def __init__(self, dialect: JsonDialect, context: ParseContext) -> None:
        self.dialect = dialect
        self.context = context
        self.sql = _sql(dialect)

    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed:
        con.register("lines", lines)
        try:
            raw = pl.from_arrow(con.sql(self.sql).to_arrow_table())
        finally:
            con.unregister("lines")
        if raw.is_empty():
            return Parsed()
        if "ts" in raw.columns:
            raw = raw.with_columns(pl.col("ts").dt.convert_time_zone("UTC"))
        return finish(con, raw, self.context, self.dialect.name, self.dialect.clock,
                      self.dialect.time_unit_ms)

    def state(self) -> dict[str, Any]:
        return {}


def _sniffer(dialect: JsonDialect) -> Callable[[Sequence[str]], int]:
    def sniff(sample: Sequence[str]) -> int:
        return sum(1 for entry in json_objects(sample, lambda text: text.replace("\\x", "\\u00"))
                   if dialect.keys(entry))

    return sniff


def _register(dialect: JsonDialect, summary: str, sample: str, specificity: int) -> None:
    register(Format(
        name=dialect.name, summary=summary, sample=sample, sniff=_sniffer(dialect),
        open=lambda context, state: JsonParser(dialect, context), specificity=specificity,
    ))


_register(CADDY, "Caddy's JSON access log (http.log.access)",
          '{"level":"info","ts":1795194245.52,"logger":"http.log.access","msg":"handled request",'
          '"request":{"remote_ip":"203.0.113.7","remote_port":"51234","client_ip":"203.0.113.7",'
          '"proto":"HTTP/2.0","method":"GET","host":"events.example.com","uri":"/e/ev003",'
          '"headers":{"User-Agent":["curl/8.5.0"],"Referer":["https://www.google.com/"]}},'
          '"bytes_read":0,"user_id":"","duration":0.031,"size":5120,"status":200}', 30)
_register(TRAEFIK, "Traefik's JSON access log",
          '{"ClientAddr":"203.0.113.7:51234","ClientHost":"203.0.113.7","ClientUsername":"-",'
          '"DownstreamContentSize":5120,"DownstreamStatus":200,"Duration":31000000,'
          '"RequestHost":"events.example.com","RequestMethod":"GET","RequestPath":"/e/ev003",'
          '"RequestProtocol":"HTTP/1.1","StartUTC":"2026-11-20T17:04:05.123456789Z",'
          '"request_User-Agent":"curl/8.5.0","level":"info","msg":""}', 30)
_register(NGINX_JSON, "nginx JSON access logs (log_format … escape=json; Matomo's keys too)",
          '{"time_iso8601":"2026-11-20T18:04:05+01:00","remote_addr":"203.0.113.7",'
          '"remote_user":"","request":"GET /e/ev003 HTTP/1.1","status":"200",'
          '"body_bytes_sent":"5120","request_time":"0.031",'
          '"http_referer":"https://www.google.com/","http_user_agent":"curl/8.5.0",'
          '"host":"events.example.com"}', 20)
