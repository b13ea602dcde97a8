"""Helpers for web-server access logs in tests: lines, files, stored requests."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
from logs import read

UA = ("Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0")
PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def clf_time(moment: datetime, offset_hours: int = 0) -> str:
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).strftime(
        "%d/%b/%Y:%H:%M:%S %z")


def combined(ip: str = "203.0.113.7", request: str = "GET / HTTP/1.1", status: int = 200,
             size: int | str = 512, referrer: str = "-", agent: str = UA, *,
             minutes: float = 0, when: datetime | None = None, user: str = "-",
             offset: int = 0) -> str:
    moment = when or T0 + timedelta(minutes=minutes)
    return (f'{ip} - {user} [{clf_time(moment, offset)}] "{request}" {status} {size} '
            f'"{referrer}" "{agent}"')


def write(path: Path, lines: list[str], *, gz: bool = False, mode: str = "w") -> Path:
    text = "".join(line + "\n" for line in lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        with path.open(mode, encoding="utf-8") as fh:
            fh.write(text)
    return path


def requests(data: Path) -> pl.DataFrame:
    df = read(data, "requests")
    return df.sort("ts", "record_id") if df.height else df
