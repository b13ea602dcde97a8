"""The ASGI application of `playlog serve` (Starlette): routes onto writes, reads and tasks.

The handlers own no report logic: reads go through query.run (the same call
as the report commands), writes through collect (the same writer as
`playlog.collect.Collector`). See docs/serve.md for every endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from playlog.collect.writer import LogWriter
from playlog.serve.access import authorized
from playlog.serve.config import ServeConfig
from playlog.serve.dashboard import page
from playlog.serve.metrics import Metrics
from playlog.serve.openapi import document
from playlog.serve.reads import QueryError, Reports
from playlog.serve.tasks import Background
from playlog.serve.writes import AsyncWriter, Writes, error, route
from playlog.store.layout import Layout

JSON = "application/json"
STARTED = 0.5  # seconds after start-up when the background work begins


def create_app(config: ServeConfig, *, on_ready: Any = None) -> Any:
    """The ASGI callable of serve (see the module docstring)."""
    metrics = Metrics()
    writes = Writes(config, metrics)
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        # The writer thread hands each group commit back to the event loop: with the
        # default 5 ms switch interval every hand-over can wait that long behind a busy loop.
        sys.setswitchinterval(0.0005)
        writer = LogWriter(Layout(config.settings.data_dir).incoming)
        writes.out = AsyncWriter(writer)
        state["reports"] = Reports(config)
        warm_reports = asyncio.get_running_loop().create_task(state["reports"].keep_warm())
        state["writer"] = writer
        background = Background(config, metrics, writer)
        background.start()
        warm = threading.Thread(target=_warm, name="playlog-warm", daemon=True)
        asyncio.get_running_loop().call_later(STARTED, warm.start)  # once listening
        if on_ready:
            on_ready(config)
        try:
            yield
        finally:
            warm_reports.cancel()
            await background.stop()
            await asyncio.to_thread(writer.close)

    def reader(kind: str, item_param: str | None = None):
        async def handle(request: Request) -> Response:
            if not authorized(request, config):
                return _unauthorized()
            item = request.path_params.get(item_param) if item_param else None
            try:
                body = await state["reports"].answer(kind, item, request)
            except QueryError as exc:
                return error(exc.status, exc.message, exc.field)
            return Response(body, media_type=JSON)

        return handle

    async def dashboard(request: Request) -> Response:
        if not authorized(request, config):
            return _unauthorized()
        try:
            body = await state["reports"].answer("report", None, request)
        except QueryError as exc:
            return error(exc.status, exc.message, exc.field)
        return HTMLResponse(page(orjson.loads(body), "/api/analytics/report"))

    async def realtime_ws(ws: WebSocket) -> None:
        if not authorized(ws, config):
            await ws.close(code=1008)
            return
        await ws.accept()
        reports: Reports = state["reports"]
        try:
            while True:
                try:
                    body = await reports.answer("realtime", None, ws)
                except QueryError as exc:
                    await ws.send_text(orjson.dumps({"error": exc.message,
                                                     "field": exc.field}).decode())
                    await ws.close(code=1008)
                    return
                await ws.send_text(body.decode())
                await asyncio.sleep(config.push_every)
        except (WebSocketDisconnect, RuntimeError):
            return

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type=JSON)

    async def metrics_page(request: Request) -> Response:
        writer: LogWriter = state["writer"]
        extra = {"playlog_write_commits_total": writer.commits,
                 "playlog_written_bytes_total": writer.bytes_written,
                 "playlog_report_computations_total": state["reports"].computed}
        return PlainTextResponse(metrics.render(extra),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    openapi_body = orjson.dumps(document())

    async def openapi(request: Request) -> Response:
        return Response(openapi_body, media_type=JSON)

    routes = [
        Route("/api/events/top", reader("top-events"), methods=["GET"]),
        Route("/api/analytics/tracks/{id}", reader("track", "id"), methods=["GET"]),
        Route("/api/analytics/users/{id}", reader("user", "id"), methods=["GET"]),
        Route("/api/analytics/realtime", reader("realtime"), methods=["GET"]),
        Route("/api/analytics/report", reader("report"), methods=["GET"]),
        Route("/api/analytics/top-tracks", reader("top-tracks"), methods=["GET"]),
        Route("/api/analytics/top-artists", reader("top-artists"), methods=["GET"]),
        Route("/api/analytics/top-albums", reader("top-albums"), methods=["GET"]),
        Route("/api/analytics/top-genres", reader("top-genres"), methods=["GET"]),
        Route("/api/analytics/recent", reader("recent"), methods=["GET"]),
        Route("/api/breakdown/{dimension}", reader("breakdown", "dimension"), methods=["GET"]),
        Route("/api/events/{id}/analytics", reader("event", "id"), methods=["GET"]),
        Route("/api/events/{id}/analytics/periods", reader("event-periods", "id"),
              methods=["GET"]),
        Route("/api/traffic", reader("traffic"), methods=["GET"]),
        WebSocketRoute("/api/analytics/realtime/ws", realtime_ws),
        Route("/", dashboard, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(404, "no such endpoint (see /openapi.json)", None)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error(405, f"{request.method} is not allowed here", None)

    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={404: not_found, 405: not_allowed})

    async def front(scope: Any, receive: Any, send: Any) -> None:
        """The write paths straight to their handler, everything else to Starlette."""
        if scope["type"] == "http":
            found = route(scope["path"])
            if found is not None:
                await writes.handle(scope, receive, send, *found)
                return
        await app(scope, receive, send)

    return front


def _warm() -> None:
    """Import what the first write and the first read need, after the port is open."""
    from playlog.parse.check import rules
    from playlog.query import run  # noqa: F401
    from playlog.store import reader  # noqa: F401

    rules()
    # Everything loaded so far lives as long as the server: keep it out of the
    # collector's way, and collect the young generation less often, so a collection
    # does not stall the answers queued behind it.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _unauthorized() -> Response:
    return error(401, "a read token is needed: Authorization: Bearer <token>", "authorization",
                 headers={"www-authenticate": 'Bearer realm="playlog"'})
