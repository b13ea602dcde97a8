"""The OpenAPI 3.1 document of ``/openapi.json``, built from the same tables as the
handlers: the body fields of collect.records.KINDS and the report options."""

from __future__ import annotations

from typing import Any

from playlog import __version__
from playlog.collect.records import KINDS, NUMBER, OBJECT

ERROR = {"$ref": "#/components/schemas/Error"}
REPORT_PARAMS = {
    "days": ("integer", "the N x 24 h ending at until"),
    "from": ("string", "window start, ISO 8601 date or time (inclusive)"),
    "to": ("string", "window end, ISO 8601 date or time (exclusive)"),
    "until": ("string", "end of the window / the instant T (alias: at); default now"),
    "tz": ("string", "time zone of hours, days and weekdays"),
    "include_bots": ("boolean", "count bots too"),
    "filter": ("string", "DIM=VALUE, DIM!=VALUE, DIM~TEXT, DIM!~TEXT, A|B: repeatable, all "
               "apply (docs/metrics.md#filters)"),
}
RANKING = {"limit": ("integer", "rows to list (default 10)"),
           "by": ("string", "plays, listeners, time (tracks, artists, albums, genres); views, "
                  "unique, clicks, tickets (events)"),
           "period": ("string", "week or month: one ranked list per period")}
BREAKDOWN = {"of": ("string", "sessions, events or requests (default: the first with the "
                    "dimension)"),
             "by": ("string", "the metric to rank on (docs/metrics.md#breakdowns)"),
             "limit": ("integer", "rows to list (default 10)")}
PERIODS = {"period_type": ("string", "hour, day, week or month"),
           "start_date": ("string", "as from"), "end_date": ("string", "as to")}


def _body(kind: str) -> dict[str, Any]:
    props = {}
    for field in KINDS[kind].fields:
        json_type = {NUMBER: "number", OBJECT: "object"}.get(field.kind, "string")
        props[field.key] = {"type": json_type, "description": field.doc or field.native}
    required = [f.key for f in KINDS[kind].fields if f.required]
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": props, "required": required,
        "description": "keys in snake_case or camelCase"}}}}


def _params(table: dict[str, tuple[str, str]], path_id: bool = False) -> list[dict[str, Any]]:
    out = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}] \
        if path_id else []
    return out + [{"name": k, "in": "query", "schema": {"type": t}, "description": d}
                  for k, (t, d) in table.items()]


def _read(summary: str, params: list[dict[str, Any]], not_found: bool = False) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "the JSON of the matching command (docs/metrics.md)",
                "content": {"application/json": {"schema": {}}}},
        "400": {"description": "a bad option", "content": {"application/json": {"schema": ERROR}}},
        "401": {"description": "a read token is configured and missing"},
    }
    if not_found:
        responses["404"] = {"description": "unknown id",
                            "content": {"application/json": {"schema": ERROR}}}
    return {"get": {"summary": summary, "parameters": params, "responses": responses,
                    "security": [{"bearer": []}, {}]}}


def _write(method: str, summary: str, kind: str | None, status: str, answer: Any,
           path_id: bool = True) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {
        status: {"description": "written to disk",
                 **({"content": {"application/json": {"schema": answer}}} if answer else {})},
        "400": {"description": "invalid input; nothing written",
                "content": {"application/json": {"schema": ERROR}}},
        "413": {"description": "body too large"},
    }}
    if path_id:
        op["parameters"] = _params({}, True)
    if kind:
        op["requestBody"] = _body(kind)
    return {method: op}


def document() -> dict[str, Any]:
    window = _params(REPORT_PARAMS)
    paths = {
        "/api/analytics/session/start": _write(
            "post", "Start a play session", "session_start", "201",
            {"type": "object", "properties": {"sessionId": {"type": "string"}}}, False),
        "/api/analytics/session/{id}/progress": _write(
            "put", "Report a session's progress", "session_progress", "204", None),
        "/api/analytics/session/{id}/end": _write(
            "post", "End a session", "session_end", "204", None),
        "/api/events/{id}/analytics/track": _write(
            "post", "Record an event-page event", "event", "200",
            {"type": "object", "properties": {"success": {"type": "boolean"}}}),
        "/api/analytics/records": {"post": {
            "summary": "A batch of native records (docs/formats.md), at most 4 MiB",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "array", "items": {"type": "object"}}}}},
            "responses": {"202": {"description": "accepted and rejected records", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "accepted": {"type": "integer"},
                    "rejected": {"type": "array", "items": {"type": "object", "properties": {
                        "index": {"type": "integer"}, "reason": {"type": "string"}}}}}}}}},
                "400": {"description": "not a JSON array"}, "413": {"description": "too large"}},
        }},
        "/api/analytics/tracks/{id}": _read("playlog track ID", _params(REPORT_PARAMS, True), True),
        "/api/analytics/users/{id}": _read("playlog user ID", _params(REPORT_PARAMS, True), True),
        "/api/analytics/realtime": _read("playlog realtime", _params(
            {"at": ("string", "the instant T (default now)"), "tz": REPORT_PARAMS["tz"],
             "include_bots": REPORT_PARAMS["include_bots"], "filter": REPORT_PARAMS["filter"]})),
        "/api/analytics/report": _read("playlog report", window),
        "/api/analytics/top-tracks": _read("playlog top-tracks", window + _params(RANKING)),
        "/api/analytics/top-artists": _read("playlog top-artists", window + _params(RANKING)),
        "/api/analytics/top-albums": _read("playlog top-albums", window + _params(RANKING)),
        "/api/analytics/top-genres": _read("playlog top-genres", window + _params(RANKING)),
        "/api/analytics/recent": _read("playlog recent", window + _params(
            {"limit": ("integer", "plays to list (default 20)")})),
        "/api/breakdown/{dimension}": _read("playlog breakdown DIMENSION", [
            {"name": "dimension", "in": "path", "required": True, "schema": {"type": "string"}},
            *window, *_params(BREAKDOWN)]),
        "/api/events/top": _read("playlog top-events", window + _params(RANKING)),
        "/api/events/{id}/analytics": _read("playlog event ID", _params(REPORT_PARAMS, True), True),
        "/api/events/{id}/analytics/periods": _read(
            "playlog event ID --period", _params(REPORT_PARAMS, True) + _params(PERIODS), True),
        "/api/traffic": _read("playlog traffic", window),
        "/api/analytics/realtime/ws": {"get": {
            "summary": "WebSocket: the realtime object at once, then every --push-every",
            "responses": {"101": {"description": "switching protocols"}}}},
        "/healthz": {"get": {"summary": "liveness", "responses": {"200": {"description": "ok"}}}},
        "/metrics": {"get": {"summary": "Prometheus text",
                             "responses": {"200": {"description": "metrics"}}}},
        "/": {"get": {"summary": "the dashboard (HTML)",
                      "responses": {"200": {"description": "page"}}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "playlog", "version": __version__,
                 "description": "Collector and read API of playlog serve (docs/serve.md)."},
        "paths": paths,
        "components": {
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "string"}, "field": {"type": ["string", "null"]}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
