"""One place where library errors become a line on stderr and an exit status."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import typer

from playlog.errors import PlaylogError

# The sections of `playlog --help`'s list of commands besides "Reports".
STORE_COMMANDS = "Store"


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command: a PlaylogError prints ``playlog: error: …`` and exits with its status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PlaylogError as exc:
            if os.environ.get("PLAYLOG_TRACEBACK"):
                raise
            sys.stderr.write(f"playlog: error: {exc}\n")
            raise typer.Exit(int(exc.status)) from None

    return wrapper


def command(app: typer.Typer, name: str, help: str, section: str | None = None
            ) -> Callable[[Callable[..., Any]], Any]:
    """Register ``func`` as command ``name`` with error handling and a man-page help
    (``section`` groups it in the list of commands of ``playlog --help``)."""
    from playlog.cli.help import ManCommand

    def decorate(func: Callable[..., Any]) -> Any:
        return app.command(name, help=help, cls=ManCommand, rich_help_panel=section)(
            handle_errors(func))

    return decorate
