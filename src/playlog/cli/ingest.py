"""`playlog ingest PATH…`"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from playlog.cli.errors import STORE_COMMANDS, command
from playlog.cli.options import DataOpt, SummaryFormat, SummaryFormatOpt

READING = "Reading"
ENRICHING = "Enrichment"

INGEST_HELP = """Read logs (plain, .gz, .bz2 or .zst) into the store: only what is new.

Native JSON Lines, web-server access logs (nginx, Apache, IIS, CloudFront,
ELB/ALB, Caddy, Traefik …), Icecast access and playlist logs, SHOUTcast W3C
logs, and listening exports (Spotify streaming histories, Last.fm CSV,
ListenBrainz, Maloja, Rockbox .scrobbler.log; --user names whose they are
when they do not). Files are read as given; folders are searched for log
files and exports (recursively). A JSON export is read whole once complete,
and a play imported twice, or in two overlapping exports, counts once. Each file's format is detected from its first lines,
or named with --log-format: a format name, or the server's own nginx
log_format / Apache LogFormat string. Only the lines added since the last run
are read, so cron can run it every minute; a log rotated or compressed
meanwhile is recognised by its content. A last line without its newline is
read once the file has not changed for --idle-after (or is compressed); `-`
reads standard input, whole (zcat export.jsonl.gz | playlog ingest -). Lines that cannot be read go to the quarantine
with their reason, and the summary counts them. From cron, with a fixed data
directory:

\b
  * * * * *  playlog ingest --data /var/lib/playlog /var/log/playlog/

Examples:
  playlog ingest sample_data/logs --catalog sample_data/tracks.csv
  playlog ingest sample_data/logs/stream.jsonl --format json
  playlog ingest sample_data/logs/access.log --log-format combined
  playlog ingest sample_data/logs/access.log --log-format '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
  PLAYLOG_CONFIG=sample_data/playlog.toml playlog ingest sample_data/logs/access.log
  playlog ingest sample_data/logs/icecast
  playlog ingest sample_data/exports --user alice --data alice
"""


def register(app: typer.Typer) -> None:
    command(app, "ingest", INGEST_HELP, STORE_COMMANDS)(ingest_command)


def ingest_command(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH...", help="Log files, or folders holding them; - for standard input.",
        show_default=False)],
    data: DataOpt = None,
    fmt: SummaryFormatOpt = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with status 1 when any line went to the quarantine.")] = False,
    session_timeout: Annotated[str | None, typer.Option(
        "--session-timeout", metavar="DURATION", rich_help_panel=READING,
        help="Idle time that closes a session: 30m (the default), 1h, 90s …")] = None,
    wait: Annotated[float | None, typer.Option(
        "--wait", metavar="SECONDS",
        help="Wait this long for another run's lock (default: fail at once, status 3).")] = None,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress",
        help="A progress bar on stderr (default: when stderr is a terminal).")] = None,
    geoip_db: Annotated[Path | None, typer.Option(
        "--geoip-db", metavar="FILE", rich_help_panel=ENRICHING,
        help="MaxMind-format city database (else $PLAYLOG_GEOIP_DB, the config file, "
        "the standard locations; see playlog doctor).")] = None,
    no_geoip: Annotated[bool, typer.Option(
        "--no-geoip", rich_help_panel=ENRICHING, help="Skip IP geolocation.")] = False,
    no_enrich: Annotated[bool, typer.Option(
        "--no-enrich", rich_help_panel=ENRICHING,
        help="Skip all enrichment (user agents, GeoIP, traffic sources).")] = False,
    anonymize_ip: Annotated[bool, typer.Option(
        "--anonymize-ip", rich_help_panel=ENRICHING,
        help="Store IPv4 /24 and IPv6 /48 prefixes only.")] = False,
    catalog: Annotated[Path | None, typer.Option(
        "--catalog", metavar="CSV", help="Import this track catalog first "
        "(as playlog catalog import does).")] = None,
    log_format: Annotated[str | None, typer.Option(
        "--log-format", metavar="FORMAT", rich_help_panel=READING,
        help="Read every file as this format: a name (combined, w3c, native …) or an nginx "
        "log_format / Apache LogFormat string (default: detected per file).")] = None,
    idle_after: Annotated[str | None, typer.Option(
        "--idle-after", metavar="DURATION", rich_help_panel=READING,
        help="Read a last line without its newline once the file has not changed for this "
        "long: 1m (the default), 10s, 1h …")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", metavar="ID", rich_help_panel=READING,
        help="The user of listening exports that name none (Last.fm, Rockbox …).")] = None,
) -> None:
    from playlog.config import load_settings
    from playlog.errors import InputError, RejectedLinesError
    from playlog.pipeline import ingest, make_enricher

    settings = load_settings(data=data, session_timeout=session_timeout, geoip_db=geoip_db,
                             idle_after=idle_after)
    if catalog is not None:
        from playlog.catalog import import_catalog

        import_catalog(catalog, settings.data_dir, store_mode=settings.store_mode)
    enricher = make_enricher(settings, enabled=not no_enrich, geoip=not no_geoip)
    show_bar = progress if progress is not None else sys.stderr.isatty()
    try:
        with _progress_bar(show_bar, forced=progress is True) as on_progress:
            summary = ingest(
                paths, settings, on_progress=on_progress, wait=wait or 0.0, enricher=enricher,
                anonymize_ip=anonymize_ip, log_format=log_format, user=_user(user),
            )
    finally:
        if enricher is not None:
            enricher.close()
    _warn(summary)
    if fmt == SummaryFormat.json:
        sys.stdout.write(json.dumps(summary.as_dict(), indent=2) + "\n")
    else:
        _print_summary(summary.as_dict())
    unread = [*summary.skipped, *summary.damaged]
    if unread and not summary.formats:  # nothing at all could be read from what was named
        formats = any("log format" in why for why in summary.skipped.values())
        raise InputError(", ".join(unread), "nothing could be read",
                         hint="name the format with --log-format NAME" if formats else None)
    if strict and summary.quarantined:
        raise RejectedLinesError(
            f"{summary.quarantined} line(s) rejected (see the quarantine in {settings.data_dir})"
        )


def _warn(summary) -> None:
    """One line on stderr per path not read, or read only up to damaged data."""
    for path, why in summary.skipped.items():
        suffix = "" if Path(path).is_dir() else " (not read)"
        sys.stderr.write(f"playlog: warning: {path}: {why}{suffix}\n")
    for path, why in summary.damaged.items():
        sys.stderr.write(f"playlog: warning: {path}: {why}\n")


def _user(user: str | None) -> str | None:
    from playlog.errors import UsageError

    if user is not None and not user.strip():
        raise UsageError("--user", "the user ID is empty")
    return user.strip() if user else None


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="ingest", show_header=False, box=None)
    keys = ("files", "bytes", "records", "sessions", "events", "requests", "quarantined",
            "duplicates")
    for key in keys:
        table.add_row(key, f"{summary[key]:,}")
    table.add_row("seconds", f"{summary['seconds']:.2f}")
    console.print(table)
    for reason, count in summary.get("quarantine_reasons", {}).items():
        console.print(f"  rejected: {count:,} x {reason}", style="yellow", highlight=False)


class _progress_bar:
    """A rich progress bar over bytes read, drawn on stderr; a no-op when off."""

    def __init__(self, enabled: bool, forced: bool = False) -> None:
        self.enabled = enabled
        self.forced = forced  # --progress: draw it even when stderr is not a terminal
        self._progress = None
        self._task = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True, force_terminal=self.forced or None),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("ingest", total=None)
        return self._update

    def _update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
