"""Counters of one serve process, in the Prometheus text exposition format (``/metrics``)."""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict
from typing import Any

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.started = time.time()
        self._lock = threading.Lock()
        self.accepted: dict[str, int] = defaultdict(int)  # endpoint → records written
        self.rejected: dict[tuple[str, str], int] = defaultdict(int)  # (endpoint, reason) → records
        self.write_buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self.write_sum = 0.0
        self.write_count = 0
        self.gauges: dict[str, float] = {}
        self.ingest_errors = 0
        self.ingests = 0

    def wrote(self, endpoint: str, records: int, seconds: float) -> None:
        with self._lock:
            self.accepted[endpoint] += records
            self.write_buckets[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self.write_sum += seconds
            self.write_count += 1

    def reject(self, endpoint: str, reason: str, count: int = 1) -> None:
        with self._lock:
            self.rejected[(endpoint, reason.split(":")[0][:60])] += count

    def set(self, name: str, value: float) -> None:
        self.gauges[name] = value

    def render(self, extra: dict[str, float] | None = None) -> str:
        out: list[str] = []

        def family(name: str, kind: str, text: str) -> None:
            out.append(f"# HELP {name} {text}")
            out.append(f"# TYPE {name} {kind}")

        with self._lock:
            family("playlog_records_accepted_total", "counter",
                   "Records written to incoming/ and acknowledged.")
            for endpoint, n in sorted(self.accepted.items()):
                out.append(f'playlog_records_accepted_total{{endpoint="{endpoint}"}} {n}')
            family("playlog_records_rejected_total", "counter",
                   "Records refused (400, or listed as rejected in a batch).")
            for (endpoint, reason), n in sorted(self.rejected.items()):
                out.append(f'playlog_records_rejected_total{{endpoint="{endpoint}",'
                           f'reason="{_escape(reason)}"}} {n}')
            family("playlog_write_seconds", "histogram",
                   "From a write request's arrival to its records being on disk (fsync).")
            total = 0
            for bound, n in zip(LATENCY_BUCKETS, self.write_buckets):
                total += n
                out.append(f'playlog_write_seconds_bucket{{le="{bound}"}} {total}')
            out.append(f'playlog_write_seconds_bucket{{le="+Inf"}} {self.write_count}')
            out.append(f"playlog_write_seconds_sum {self.write_sum:.6f}")
            out.append(f"playlog_write_seconds_count {self.write_count}")
            family("playlog_ingest_runs_total", "counter", "Timer ingests run.")
            out.append(f"playlog_ingest_runs_total {self.ingests}")
            family("playlog_ingest_errors_total", "counter", "Timer ingests that failed.")
            out.append(f"playlog_ingest_errors_total {self.ingest_errors}")
            gauges: dict[str, Any] = {"playlog_start_time_seconds": self.started,
                                      **self.gauges, **(extra or {})}
        for name, value in sorted(gauges.items()):
            family(name, "gauge", GAUGE_HELP.get(name, name.replace("_", " ")))
            out.append(f"{name} {value}")
        return "\n".join(out) + "\n"


GAUGE_HELP = {
    "playlog_start_time_seconds": "When this serve process started (Unix time).",
    "playlog_last_ingest_timestamp_seconds": "When the last timer ingest ended (Unix time).",
    "playlog_last_ingest_duration_seconds": "Wall time of the last timer ingest.",
    "playlog_last_ingest_records": "Lines the last timer ingest read.",
    "playlog_last_ingest_quarantined": "Lines the last timer ingest quarantined.",
    "playlog_last_cleanup_timestamp_seconds": "When the last daily cleanup ended (Unix time).",
    "playlog_incoming_files": "Files of this host waiting in incoming/ (after the last tidy).",
    "playlog_write_commits_total": "fsyncs of the writer (concurrent requests share one).",
    "playlog_written_bytes_total": "Bytes appended to incoming/ by this process.",
    "playlog_report_computations_total": "Reports computed, not answered from the cache.",
}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
