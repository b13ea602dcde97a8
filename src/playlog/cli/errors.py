"""One place where library errors become a line on stderr and an exit status.

Besides `PlaylogError`s, two failures of reading the store are handled here for
every command: a file removed by a commit while a query read it (the command
runs again, on a new snapshot: see store.reader.retry_on_vanished), and a store
file that cannot be read (one line naming it: see store.check.explain).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import typer

from playlog.errors import PlaylogError, StoreError

READ_RETRIES = 5

# The sections of `playlog --help`'s list of commands besides "Reports".
STORE_COMMANDS = "Store"


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command: a PlaylogError prints ``playlog: error: …`` and exits with its status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return _run(func, args, kwargs)
        except PlaylogError as exc:
            if os.environ.get("PLAYLOG_TRACEBACK"):
                raise
            sys.stderr.write(f"playlog: error: {exc}\n")
            raise typer.Exit(int(exc.status)) from None

    return wrapper


def _run(func: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """The command, again when a commit removed a file it was reading; a store file that
    cannot be read becomes a StoreError naming it."""
    attempt = 0
    while True:
        try:
            return func(*args, **kwargs)
        except (PlaylogError, typer.Exit, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # only store-reading failures are kept
            if not _from_data_libraries(exc):
                raise
            from playlog.store.reader import is_vanished_file

            if is_vanished_file(exc) and attempt < READ_RETRIES:
                attempt += 1
                continue
            explained = _explain(exc, kwargs)
            if explained is None:
                raise
            raise explained from exc


def _from_data_libraries(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.split(".")[0].lstrip("_") in ("duckdb", "pyarrow", "polars")


def _explain(exc: BaseException, kwargs: dict) -> StoreError | None:
    from playlog.config import load_settings
    from playlog.store.check import explain

    try:
        data_dir = load_settings(data=kwargs.get("data")).data_dir
    except PlaylogError:
        return None
    return explain(exc, data_dir)


def command(app: typer.Typer, name: str, help: str, section: str | None = None
            ) -> Callable[[Callable[..., Any]], Any]:
    """Register ``func`` as command ``name`` with error handling and a man-page help
    (``section`` groups it in the list of commands of ``playlog --help``)."""
    from playlog.cli.help import ManCommand

    def decorate(func: Callable[..., Any]) -> Any:
        return app.command(name, help=help, cls=ManCommand, rich_help_panel=section)(
            handle_errors(func))

    return decorate
