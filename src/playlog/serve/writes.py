"""The write endpoints: sessions, event-page events and batches of native records.

Each call becomes native log lines (collect.records) that the shared
`LogWriter` appends and fsyncs; the answer (201, 204, 200 or 202) is sent only
once they are on disk. Invalid input gets 400 ``{"error", "field"}`` and
writes nothing; a body over the limit gets 413.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from playlog import clock
from playlog.collect import batch_lines, line, new_session_id
from playlog.collect.records import RecordError, build
from playlog.collect.writer import LogWriter
from playlog.serve.access import client_ip, cors_headers
from playlog.serve.config import BATCH_LIMIT, WRITE_LIMIT, ServeConfig
from playlog.serve.metrics import Metrics


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


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


class Writes:
    def __init__(self, config: ServeConfig, metrics: Metrics) -> None:
        self.config = config
        self.metrics = metrics
        self.out: AsyncWriter | None = None  # set at start-up, inside the event loop

    async def session_start(self, request: Request) -> Response:
        sid = new_session_id()
        return await self._one(request, "session_start", 201, {"sessionId": sid},
                               session_id=sid, client_ip=client_ip(request, self.config),
                               user_agent=request.headers.get("user-agent"))

    async def session_progress(self, request: Request) -> Response:
        return await self._one(request, "session_progress", 204, None,
                               session_id=request.path_params["id"])

    async def session_end(self, request: Request) -> Response:
        return await self._one(request, "session_end", 204, None,
                               session_id=request.path_params["id"])

    async def event(self, request: Request) -> Response:
        return await self._one(request, "event", 200, {"success": True},
                               event_id=request.path_params["id"],
                               client_ip=client_ip(request, self.config),
                               user_agent=request.headers.get("user-agent"),
                               referrer=request.headers.get("referer"))

    async def records(self, request: Request) -> Response:
        started = time.perf_counter()
        cors = cors_headers(request, self.config)
        try:
            body = orjson.loads(await read_body(request, BATCH_LIMIT))
        except BodyTooLarge as exc:
            return error(413, str(exc), "body", cors)
        except orjson.JSONDecodeError as exc:
            return error(400, f"invalid JSON: {exc}", "body", cors)
        if not isinstance(body, list):
            return error(400, "the body must be a JSON array of native records", "body", cors)
        data, result = batch_lines(body)
        if data:
            await self.out.write(data)
        self.metrics.wrote("records", result.accepted, time.perf_counter() - started)
        for reject in result.rejected:
            self.metrics.reject("records", reject["reason"])
        answer = {"accepted": result.accepted, "rejected": result.rejected}
        return Response(orjson.dumps(answer), 202, media_type="application/json", headers=cors)

    async def preflight(self, request: Request) -> Response:
        headers = cors_headers(request, self.config, preflight=True)
        return Response(status_code=204 if headers else 403, headers=headers)

    async def _one(self, request: Request, kind: str, status: int, answer: Any,
                   **context: Any) -> Response:
        started = time.perf_counter()
        cors = cors_headers(request, self.config)
        try:
            raw = await read_body(request, WRITE_LIMIT)
            body = orjson.loads(raw) if raw.strip() else {}
            record = build(kind, body, ts=clock.stamp_ms(), **context)
        except BodyTooLarge as exc:
            return error(413, str(exc), "body", cors)
        except orjson.JSONDecodeError as exc:
            self.metrics.reject(kind, "invalid JSON")
            return error(400, f"invalid JSON: {exc}", "body", cors)
        except RecordError as exc:
            self.metrics.reject(kind, exc.message)
            return error(400, exc.message, exc.field, cors)
        await self.out.write(line(record))
        self.metrics.wrote(kind, 1, time.perf_counter() - started)
        if answer is None:
            return Response(status_code=status, headers=cors)
        return Response(orjson.dumps(answer), status, media_type="application/json", headers=cors)
