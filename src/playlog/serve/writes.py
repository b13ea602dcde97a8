"""The write endpoints: sessions, event-page events and batches of native records.

Each call becomes native log lines (collect.records) that the shared
`LogWriter` appends and fsyncs; the answer (201, 204, 200 or 202) is sent only
once they are on disk. Invalid input gets 400 ``{"error", "field"}`` and
writes nothing; a body over the limit gets 413.

These are the hot paths of serve, so they are plain ASGI: `Writes.route`
recognises the five write paths from the raw path and `Writes.handle` answers
them without the router, request and response objects of the framework (which
cost more than the write itself; docs/performance.md). Every other path goes
to the Starlette app.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from starlette.requests import HTTPConnection
from starlette.responses import Response

from playlog import clock
from playlog.collect import batch_lines, line, new_session_id
from playlog.collect.records import RecordError, build
from playlog.collect.writer import LogWriter
from playlog.serve.access import client_ip, cors_headers
from playlog.serve.config import BATCH_LIMIT, WRITE_LIMIT, ServeConfig
from playlog.serve.metrics import Metrics

# kind → (method, status, answer)
ROUTES = {
    "session_start": ("POST", 201, None),
    "session_progress": ("PUT", 204, None),
    "session_end": ("POST", 204, None),
    "event": ("POST", 200, b'{"success":true}'),
    "records": ("POST", 202, None),
}
JSON_TYPE = [(b"content-type", b"application/json")]


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is over {limit // 1024} KiB")
        self.limit = limit


def error(status: int, message: str, field: str | None = None,
          headers: dict[str, Any] | None = None) -> Response:
    return Response(orjson.dumps({"error": message, "field": field}), status,
                    media_type="application/json", headers=headers)


class AsyncWriter:
    """Awaitable writes through the thread of a LogWriter (one call_soon per batch)."""

    def __init__(self, writer: LogWriter) -> None:
        self.writer = writer
        self.loop = asyncio.get_running_loop()

    async def write(self, data: bytes) -> None:
        future = self.loop.create_future()
        self.writer.submit(data, self._sink, future)
        await future

    def _sink(self, futures: list[asyncio.Future], error: BaseException | None) -> None:
        self.loop.call_soon_threadsafe(_resolve, futures, error)


def _resolve(futures: list[asyncio.Future], error: BaseException | None) -> None:
    for future in futures:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


def route(path: str) -> tuple[str, str | None] | None:
    """(kind, id) of a write path, else None."""
    if path == "/api/analytics/session/start":
        return "session_start", None
    if path == "/api/analytics/records":
        return "records", None
    parts = path.split("/")
    if len(parts) == 6 and parts[1] == "api" and parts[5] and parts[4]:
        if parts[2] == "analytics" and parts[3] == "session":
            kind = {"progress": "session_progress", "end": "session_end"}.get(parts[5])
            return (kind, parts[4]) if kind else None
        if parts[2] == "events" and parts[4] == "analytics" and parts[5] == "track":
            return "event", parts[3]
    return None


async def read_body(receive: Any, declared: str | None, limit: int) -> bytes:
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Any, status: int, body: bytes | None, headers: dict[str, Any]) -> None:
    raw = [(k.encode(), str(v).encode()) for k, v in headers.items()]
    if body is not None:
        raw += JSON_TYPE
        raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body or b""})


class Writes:
    def __init__(self, config: ServeConfig, metrics: Metrics) -> None:
        self.config = config
        self.metrics = metrics
        self.out: AsyncWriter | None = None  # set at start-up, inside the event loop

    async def handle(self, scope: Any, receive: Any, send: Any, kind: str,
                     item: str | None) -> None:
        conn = HTTPConnection(scope)
        method, status, answer = ROUTES[kind]
        if scope["method"] == "OPTIONS":
            headers = cors_headers(conn, self.config, preflight=True)
            await _send(send, 204 if headers else 403, None, headers)
            return
        cors = cors_headers(conn, self.config)
        if scope["method"] != method:
            await self._refuse(send, 405, f"{scope['method']} is not allowed here (use {method})",
                               None, {**cors, "allow": f"{method}, OPTIONS"})
            return
        started = time.perf_counter()
        limit = BATCH_LIMIT if kind == "records" else WRITE_LIMIT
        try:
            raw = await read_body(receive, conn.headers.get("content-length"), limit)
            if kind == "records":
                status_body = await self._batch(raw, started)
                await _send(send, 202, status_body, cors)
                return
            body = orjson.loads(raw) if raw.strip() else {}
            context, answer = self._context(kind, item, conn, answer)
            record = build(kind, body, ts=clock.stamp_ms(), **context)
        except BodyTooLarge as exc:
            await self._refuse(send, 413, str(exc), "body", cors)
            return
        except orjson.JSONDecodeError as exc:
            self.metrics.reject(kind, "invalid JSON")
            await self._refuse(send, 400, f"invalid JSON: {exc}", "body", cors)
            return
        except RecordError as exc:
            self.metrics.reject(kind, exc.message)
            await self._refuse(send, 400, exc.message, exc.field, cors)
            return
        except ConnectionError:
            return
        except OSError as exc:
            await self._refuse(send, 503, f"could not write the records: {exc}", None, cors)
            return
        try:
            await self.out.write(line(record))
        except OSError as exc:
            await self._refuse(send, 503, f"could not write the record: {exc}", None, cors)
            return
        self.metrics.wrote(kind, 1, time.perf_counter() - started)
        await _send(send, status, answer, cors)

    def _context(self, kind: str, item: str | None, conn: HTTPConnection,
                 answer: bytes | None) -> tuple[dict[str, Any], bytes | None]:
        if kind == "session_start":
            sid = new_session_id()
            return ({"session_id": sid, "client_ip": client_ip(conn, self.config),
                     "user_agent": conn.headers.get("user-agent")},
                    orjson.dumps({"sessionId": sid}))
        if kind == "event":
            return ({"event_id": item, "client_ip": client_ip(conn, self.config),
                     "user_agent": conn.headers.get("user-agent"),
                     "referrer": conn.headers.get("referer")}, answer)
        return {"session_id": item}, answer

    async def _batch(self, raw: bytes, started: float) -> bytes:
        body = orjson.loads(raw)
        if not isinstance(body, list):
            raise RecordError("the body must be a JSON array of native records", "body")
        data, result = batch_lines(body)
        if data:
            await self.out.write(data)
        self.metrics.wrote("records", result.accepted, time.perf_counter() - started)
        for reject in result.rejected:
            self.metrics.reject("records", reject["reason"])
        return orjson.dumps({"accepted": result.accepted, "rejected": result.rejected})

    async def _refuse(self, send: Any, status: int, message: str, field: str | None,
                      headers: dict[str, Any]) -> None:
        body = orjson.dumps({"error": message, "field": field})
        await _send(send, status, body, headers)
