"""One place where library errors become a line on stderr and an exit status."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable

import typer

from playlog.errors import PlaylogError


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


def command(app: typer.Typer, name: str, help: str) -> Callable[[Callable[..., Any]], Any]:
    """Register ``func`` as command ``name`` with error handling."""

    def decorate(func: Callable[..., Any]) -> Any:
        return app.command(name, help=help)(handle_errors(func))

    return decorate
