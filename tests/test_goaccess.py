"""On the same log, `playlog traffic --include-bots` equals GoAccess day by day.

GoAccess (1.7, `goaccess LOG --log-format=COMBINED -o report.json`) is run as a
real process; its `visitors` panel gives requests, visitors and bandwidth per
day, its `status_codes` panel the requests per code. Skipped when goaccess is
not installed (.ci/run installs it).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from logs import run
from typer.testing import CliRunner
from weblogs import BOT, PHONE, UA, combined, write

from playlog.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
GOACCESS = shutil.which("goaccess")
pytestmark = pytest.mark.skipif(GOACCESS is None, reason="goaccess is not installed")


def goaccess(log: Path, out: Path) -> tuple[dict, dict]:
    """(by day, by status code) from GoAccess's JSON report of `log`."""
    subprocess.run([GOACCESS, str(log), "--log-format=COMBINED", "--no-global-config",
                    "--no-progress", "-o", str(out)], check=True, capture_output=True)
    report = json.loads(out.read_text())
    days = {f"{d['data'][:4]}-{d['data'][4:6]}-{d['data'][6:]}": {
        "requests": d["hits"]["count"], "visitors": d["visitors"]["count"],
        "bandwidth": d["bytes"]["count"]} for d in report["visitors"]["data"]}
    codes = {item["data"][:3]: item["hits"]["count"]
             for group in report["status_codes"]["data"] for item in group["items"]}
    return days, codes


def playlog(log: Path, data: Path, tz: str, days: list[str]) -> tuple[dict, dict]:
    run(log, data, enricher="auto")
    last = datetime.fromisoformat(days[-1]) + timedelta(days=1)
    result = CliRunner().invoke(app, ["traffic", "--data", str(data), "--include-bots",
                                      "--format", "json", "--tz", tz, "--from", days[0],
                                      "--to", last.date().isoformat()])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    by_day = {day: row for day, row in report["by_day"].items() if row["requests"]}
    return by_day, report["status_codes"]


def test_the_sample_access_log_equals_goaccess(tmp_path):
    log = ROOT / "sample_data" / "logs" / "access.log"
    days, codes = goaccess(log, tmp_path / "goaccess.json")
    assert len(days) == 7
    # the log is written in Paris time (+0100): its own days are Paris days
    assert playlog(log, tmp_path / "d", "Europe/Paris", sorted(days)) == (days, codes)


def edge_log(path: Path) -> Path:
    """Three days of generated traffic in New York time, and the lines that trip parsers."""
    sys.path.insert(0, str(ROOT / "sample_data"))
    try:
        from weblog import access_lines
    finally:
        sys.path.pop(0)
    offset = timedelta(hours=-5)
    first = datetime(2026, 11, 17, tzinfo=timezone(offset))
    lines = list(access_lines(first_day=first, days=3, visits_per_day=80, seed=11,
                              offset=offset))
    rng = random.Random(5)
    noon = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
    odd = [
        combined(agent='Mozilla/5.0 \\"quoted\\" agent', when=noon, offset=-5),
        combined(ip="2001:db8:85a3::8a2e:370:7334", size="-", status=304, when=noon, offset=-5),
        combined(request="-", status=400, size=0, agent="-", when=noon, offset=-5),
        combined(request="\\x16\\x03\\x01\\x02\\x00\\x01", status=400, size=157, agent="-",
                 when=noon, offset=-5),
        combined(ip="192.0.2.44", status=403, when=noon, offset=-5),  # 4xx only: no visitor
        combined(ip="192.0.2.44", status=401, request="GET /admin HTTP/1.1", when=noon,
                 offset=-5),
        combined(agent=BOT, status=500, when=noon, offset=-5),
        combined(agent=PHONE, status=503, when=noon + timedelta(hours=6), offset=-5),
        combined(status=301, request="GET /old HTTP/1.0", when=noon, offset=-5),
    ]
    same = combined(agent=UA, request="GET /static/app.css HTTP/2.0", when=noon, offset=-5)
    odd += [same, same]  # the same line twice is two requests
    for text in odd:
        lines.insert(rng.randrange(len(lines)), text)
    # cut in its last quoted field (the closing quote is missing): both read it; GoAccess
    # takes the agent of such a line for another one (docs/metrics.md), so a lone visitor
    cut = combined(ip="192.0.2.99", agent=UA, when=noon, offset=-5)[:-1]
    return write(path, [*lines, cut])


def test_an_edge_case_log_equals_goaccess(tmp_path):
    log = edge_log(tmp_path / "access.log")
    days, codes = goaccess(log, tmp_path / "goaccess.json")
    assert len(days) == 3 and {"400", "401", "403", "500", "503", "301"} <= set(codes)
    assert playlog(log, tmp_path / "d", "America/New_York", sorted(days)) == (days, codes)
