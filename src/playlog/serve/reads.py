"""The read endpoints: the JSON of the report commands, computed by query.run.

Query parameters are the commands' options, same names and values (``days``,
``from``, ``to``, ``until``/``at``, ``tz``, ``limit``, ``by``, ``period``,
``of``, ``include_bots``, and ``filter``, repeatable: ``?filter=country=FR&filter=
source=google``). An answer is the command's ``--format json`` object.

Answers are cached per query until the store changes (an ingest, a cleanup or
a catalog import commits; see `generation`); one for a window that ends *now*
for at most 30 seconds (realtime: ``--push-every``). The queries asked for in
the last ten minutes are recomputed in the background as soon as the store
changes or their answer expires (`Reports.keep_warm`). Concurrent identical queries share one
computation, and at most two reports are computed at once. A read that meets
a commit (a file replaced under it) is read again on a fresh connection, so a
read never fails because of an ingest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from playlog.errors import NotFoundError, PlaylogError, UsageError
from playlog.query.run import ReportOptions
from playlog.serve.config import ServeConfig
from playlog.store.layout import Layout

PARAMS = {"days", "from", "to", "until", "at", "tz", "limit", "by", "period", "include_bots",
          "period_type", "start_date", "end_date", "access_token", "filter", "of"}
RETRIES = 5
LIVE_SECONDS = 30.0  # how long an answer for a window ending now holds
HOT_SECONDS = 600.0  # answers asked for within this are kept warm
HOT_KEYS = 8


class QueryError(Exception):
    def __init__(self, status: int, message: str, field: str | None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def options_from(conn: HTTPConnection, config: ServeConfig) -> ReportOptions:
    """The report options of a request's query string (UsageError on a bad value)."""
    q = conn.query_params
    unknown = sorted(set(q) - PARAMS)
    if unknown:
        raise UsageError(unknown[0], "unknown query parameter",
                         hint="use the report's options: days, from, to, until, tz, …")

    def number(name: str) -> int | None:
        text = q.get(name)
        if text is None or text == "":
            return None
        try:
            return int(text)
        except ValueError:
            raise UsageError(f"--{name}", f"'{text}' is not a whole number") from None

    if q.get("until") and q.get("at"):
        raise UsageError("--at", "cannot be used with until: they are the same option")
    bots = (q.get("include_bots") or "false").lower()
    if bots not in {"", "1", "0", "true", "false", "yes", "no"}:
        raise UsageError("--include-bots", f"'{bots}' is not true or false")
    limit = number("limit")
    return ReportOptions(
        days=number("days"),
        from_=q.get("from") or q.get("start_date") or None,
        to=q.get("to") or q.get("end_date") or None,
        until=q.get("until") or q.get("at") or None,
        tz=q.get("tz") or config.settings.tz,
        include_bots=bots in {"", "1", "true", "yes"} and "include_bots" in q,
        by=q.get("by") or None,
        limit=limit,
        period=q.get("period_type") or q.get("period") or None,
        filters=tuple(sorted(q.getlist("filter"))),
        of=q.get("of") or None,
    )


def generation(layout: Layout) -> tuple:
    """Changes whenever a commit changes what reports read."""
    marks = []
    for path in (layout.ledger, layout.retention, layout.catalog, layout.event_catalog,
                 layout.journal):
        try:
            st = os.stat(path)
            marks.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            marks.append(None)
    return tuple(marks)


class Reports:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.layout = Layout(config.settings.data_dir)
        self.cache: dict[tuple, tuple[tuple, float, bytes]] = {}
        self.running: dict[tuple, asyncio.Future] = {}
        self.used: dict[tuple, float] = {}  # key → when it was last asked for
        self.slots = asyncio.Semaphore(2)
        self.computed = 0  # reports computed (not answered from the cache)

    async def answer(self, kind: str, item: str | None, conn: HTTPConnection) -> bytes:
        """The JSON bytes of report `kind` (raises QueryError)."""
        try:
            options = options_from(conn, self.config)
        except UsageError as exc:
            raise QueryError(400, str(exc), _field(exc.option)) from None
        key = (kind, item, options)
        self.used[key] = time.monotonic()
        return await self.get(key)

    async def get(self, key: tuple, *, fresh: bool = False) -> bytes:
        now = time.monotonic()
        mark = generation(self.layout)
        cached = self.cache.get(key)
        if not fresh and cached is not None and cached[0] == mark and now < cached[1]:
            return cached[2]
        if key in self.running:
            return await asyncio.shield(self.running[key])
        future = asyncio.get_running_loop().create_future()
        self.running[key] = future
        try:
            async with self.slots:
                body = await run_in_threadpool(self._compute, *key)
            self.computed += 1
            if mark[-1] is None:  # no commit under way: the answer holds until the next one
                self.cache[key] = (mark, now + self._lasts(key), body)
                if len(self.cache) > 512:
                    self.cache.pop(next(iter(self.cache)))
            future.set_result(body)
            return body
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marks it retrieved when nobody else waits
            raise
        except BaseException:
            future.cancel()
            raise
        finally:
            del self.running[key]

    def _lasts(self, key: tuple) -> float:
        """How long an answer holds while the store does not change: for ever when its
        window is fixed; when it ends now, LIVE_SECONDS (realtime: --push-every)."""
        kind, _, options = key
        if options.until is not None or options.to is not None:
            return float("inf")
        return self.config.push_every if kind == "realtime" else LIVE_SECONDS

    async def keep_warm(self) -> None:
        """Recompute the answers asked for lately as soon as a commit (serve's ingest,
        cron's, another host's) changes the store, or before they expire, so that a
        dashboard polling them does not wait for a cold report."""
        while True:
            await asyncio.sleep(1.0)
            now, mark = time.monotonic(), generation(self.layout)
            if mark[-1] is not None:
                continue  # a commit under way: after it
            hot = sorted((k for k, at in self.used.items() if now - at < HOT_SECONDS),
                         key=self.used.get, reverse=True)[:HOT_KEYS]
            for key in list(self.used):
                if now - self.used[key] >= HOT_SECONDS:
                    del self.used[key]
            for key in hot:
                cached = self.cache.get(key)
                if cached is None or cached[0] != mark or cached[1] - now < 2.0:
                    with contextlib.suppress(Exception):
                        await self.get(key, fresh=True)

    def _compute(self, kind: str, item: str | None, options: ReportOptions) -> bytes:
        import duckdb

        from playlog.query.run import run_report
        from playlog.render.jsonout import plain
        from playlog.store.reader import connect

        for attempt in range(RETRIES):
            con = connect(self.config.settings.data_dir)
            try:
                return orjson.dumps(plain(run_report(con, kind, options, item)))
            except NotFoundError as exc:
                raise QueryError(404, str(exc), "id") from None
            except UsageError as exc:
                raise QueryError(400, str(exc), _field(exc.option)) from None
            except PlaylogError as exc:
                raise QueryError(500, str(exc), None) from None
            except (duckdb.IOException, FileNotFoundError, duckdb.InvalidInputException):
                if attempt == RETRIES - 1:  # not a commit passing by: a real failure
                    raise
                time.sleep(0.05 * (attempt + 1))  # a commit replaced a file: read again
            finally:
                con.close()
        raise AssertionError("unreachable")


def _field(option: str) -> str:
    """``--days`` → ``days`` (the query parameter of the option)."""
    name = option.lstrip("-").replace("-", "_")
    return {"from_": "from"}.get(name, name).lower()  # an argument: DIMENSION → dimension
