"""The `playlog` command: builds the typer app and maps errors to exit statuses.

Bare ``playlog`` (or ``playlog catalog``) prints the help page on stdout and
exits with status 2, as a command line without a command is a usage error
(git does the same with status 1).
"""

from __future__ import annotations

import os
import sys

import typer

from playlog import __version__
from playlog.cli.help import ManGroup, option_name

ROOT_HELP = """Listening and event-page analytics over log files.

Collectors append play sessions and event-page records to log files; `playlog
ingest` reads what is new into a day-partitioned Parquet store (run it from
cron), the report commands answer from the store, and `playlog cleanup`
applies retention. The store is the --data directory, else $PLAYLOG_DATA,
else the config file's `data`, else ~/.local/share/playlog. Each command's
--help has examples that work on the shipped sample data.

Exit status: 0 done, 1 the command could not do its job (e.g. an unknown id),
2 a usage error, 3 the store is locked by another run, 4 an input that cannot
be read, 5 a data directory that cannot be written.

Examples:
  playlog ingest sample_data/logs --catalog sample_data/tracks.csv
  playlog report --from 2026-11-14 --to 2026-11-21
  playlog top-tracks --until 2026-11-21 --by listeners --format json
"""

app = typer.Typer(
    name="playlog",
    help=ROOT_HELP,
    cls=ManGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    traceback: bool = typer.Option(
        False, "--traceback", callback=_traceback, is_eager=True,
        help="On an error, show the full Python traceback.",
    ),
) -> None:
    """Listening and event-page analytics over log files."""


def _register() -> None:
    from playlog.cli import (
        catalog,
        doctor,
        ingest,
        live,
        quarantine,
        rankings,
        reports,
        retention,
        serve,
        status,
        traffic,
    )

    for module in (ingest, reports, rankings, traffic, live, catalog, quarantine, status, doctor,
                   retention, serve):
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
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `playlog`: the help page only
            sys.stdout.write(exc.format_message().rstrip("\n") + "\n")
            raise SystemExit(2) from None
        sys.stderr.write(f"playlog: error: {_one_line(exc)}\n")
        raise SystemExit(exc.exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def _one_line(exc: Exception) -> str:
    if type(exc).__name__ == "MissingParameter" and getattr(exc, "param", None) is not None:
        message = f"missing {option_name(exc.param)}"
    else:
        message = " ".join(exc.format_message().split())
    hint = getattr(exc, "ctx", None)
    usage = f" (see '{hint.command_path} --help')" if hint is not None else ""
    return message + usage
