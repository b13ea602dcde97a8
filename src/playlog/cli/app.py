"""The `playlog` command: builds the typer app and maps errors to exit statuses."""

from __future__ import annotations

import os
import sys

import typer

from playlog import __version__

app = typer.Typer(
    name="playlog",
    help=(
        "Listening and event-page analytics over log files.\n\n"
        "Ingest logs from cron, ask for reports, apply retention; each command's "
        "--help has examples.\n\n"
        "Examples:\n\n"
        "  playlog ingest /var/log/playlog/\n\n"
        "  playlog report --days 7\n\n"
        "  playlog top-tracks --days 30 --by listeners --format json"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"playlog {__version__}")
        raise typer.Exit()


def _traceback(value: bool) -> None:
    if value:
        os.environ["PLAYLOG_TRACEBACK"] = "1"


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
    traceback: bool = typer.Option(
        False, "--traceback", callback=_traceback, is_eager=True, help="Show full tracebacks."
    ),
) -> None:
    """Listening and event-page analytics over log files."""


def _register() -> None:
    from playlog.cli import catalog, doctor, ingest, live, reports, retention, serve, traffic

    for module in (ingest, reports, traffic, live, catalog, doctor, retention, serve):
        module.register(app)


_register()


def main() -> None:
    """The console entry point: usage errors become one line, like every other error."""
    try:
        code = app(prog_name="playlog", standalone_mode=False)
    except KeyboardInterrupt:
        sys.stderr.write("playlog: error: interrupted\n")
        raise SystemExit(130) from None
    except BrokenPipeError:
        raise SystemExit(0) from None
    except Exception as exc:  # the CLI framework's usage errors carry their exit code
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        sys.stderr.write(f"playlog: error: {_one_line(exc)}\n")
        raise SystemExit(exc.exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def _one_line(exc: Exception) -> str:
    message = " ".join(exc.format_message().split())
    hint = getattr(exc, "ctx", None)
    usage = f" (see '{hint.command_path} --help')" if hint is not None else ""
    return message + usage
