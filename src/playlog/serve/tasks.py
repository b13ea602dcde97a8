"""serve's background work: ingest on a timer, tidy incoming/, clean up once a day.

Ingest and cleanup run in one child process (so their CPU and memory do not
slow the answers), which dies with serve. Each run is the ordinary one —
`pipeline.ingest` over ``<data>/incoming`` and `retention.cleanup` with the
config's [cleanup] settings — under the data directory's lock: when cron or
another run holds it, the tick is skipped. After every ingest (and once at
start) `collect.incoming.tidy` seals and removes this host's finished,
fully-ingested files.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import signal
import sys
import time
from typing import Any

from playlog.config import Settings
from playlog.serve.config import ServeConfig
from playlog.serve.metrics import Metrics

log = logging.getLogger("playlog.serve")
DAY = 86400.0
STOP_WAIT = 20.0  # seconds a stop waits for an ingest or cleanup under way


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        # PR_SET_PDEATHSIG (1): a killed serve leaves no orphan. The signal is passed
        # as the unsigned long the kernel reads.
        libc.prctl(1, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0), ctypes.c_ulong(0),
                   ctypes.c_ulong(0))


def ingest_job(settings: Settings, ingest: bool) -> dict[str, Any]:
    """In the child: ingest incoming/ (unless only tidying), then tidy it."""
    from playlog.collect.incoming import tidy
    from playlog.errors import LockedError
    from playlog.store.layout import Layout

    layout = Layout(settings.data_dir)
    out: dict[str, Any] = {}
    if ingest and layout.fs.is_dir(layout.incoming):
        from playlog.pipeline import ingest as run_ingest

        try:
            out["summary"] = run_ingest([layout.incoming], settings, wait=5.0).as_dict()
        except LockedError as exc:
            out["busy"] = str(exc)
            return out
    tidied = tidy(layout)
    out["tidy"] = {"removed": len(tidied.removed), "cut": tidied.cut, "pending": tidied.pending}
    return out


def cleanup_job(settings: Settings) -> dict[str, Any]:
    from playlog.retention import cleanup, configured_cleanup

    return cleanup(settings, wait=60.0, **configured_cleanup(settings)).as_dict()


class Background:
    def __init__(self, config: ServeConfig, metrics: Metrics, writer: Any) -> None:
        self.config = config
        self.metrics = metrics
        self.writer = writer
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(1, mp_context=context, initializer=_die_with_parent)
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.tasks.append(loop.create_task(self._ingest_loop()))
        self.tasks.append(loop.create_task(self._rotate_loop()))
        if self.config.cleanup:
            self.tasks.append(loop.create_task(self._cleanup_loop()))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        # A run under way finishes (it would be safe to kill, but a clean stop need not).
        stopping = asyncio.to_thread(self.pool.shutdown, wait=True, cancel_futures=True)
        try:
            await asyncio.wait_for(stopping, STOP_WAIT)
        except TimeoutError:
            log.warning("playlog serve: stopping without waiting for the ingest under way")

    async def run(self, job: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, job, *args)

    async def ingest_now(self, ingest: bool = True) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            out = await self.run(ingest_job, self.config.settings, ingest)
        except Exception as exc:  # noqa: BLE001 - a failed run is counted and logged, serve goes on
            self.metrics.ingest_errors += 1
            log.error("playlog serve: ingest failed: %s", exc)
            return {"error": str(exc)}
        summary = out.get("summary")
        if summary is not None:
            self.metrics.ingests += 1
            self.metrics.set("playlog_last_ingest_timestamp_seconds", round(time.time(), 3))
            self.metrics.set("playlog_last_ingest_duration_seconds",
                             round(time.perf_counter() - started, 3))
            self.metrics.set("playlog_last_ingest_records", summary["records"])
            self.metrics.set("playlog_last_ingest_quarantined", summary["quarantined"])
        if "tidy" in out:
            self.metrics.set("playlog_incoming_files", out["tidy"]["pending"])
        return out

    async def _ingest_loop(self) -> None:
        await asyncio.sleep(1.0)  # let the server start listening before the child starts
        await self.ingest_now(ingest=False)  # seal what a killed collector left, first
        every = self.config.ingest_every
        while True:
            await asyncio.sleep(every if every > 0 else 60.0)
            await self.ingest_now(ingest=every > 0)

    async def _rotate_loop(self) -> None:
        while True:
            await asyncio.sleep(min(60.0, self.writer.max_age))
            self.writer.rotate_if_old()

    async def _cleanup_loop(self) -> None:
        await asyncio.sleep(2.0)
        while True:
            try:
                await self.run(cleanup_job, self.config.settings)
                self.metrics.set("playlog_last_cleanup_timestamp_seconds", round(time.time(), 3))
            except Exception as exc:  # noqa: BLE001 - logged; the next day tries again
                log.error("playlog serve: cleanup failed: %s", exc)
            await asyncio.sleep(DAY)
