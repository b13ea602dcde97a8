"""Errors the library raises and the exit statuses the command line maps them to.

The library never prints or exits: it raises a PlaylogError carrying what the
user needs to act (the file, the line, the option), and the CLI turns it into
one line on stderr and an exit status.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # the command could not do its job (unknown id, rejected lines with --strict)
    USAGE = 2  # a malformed option or argument
    LOCKED = 3  # another run holds the data directory lock
    NO_INPUT = 4  # a path to read does not exist or cannot be read
    NOT_WRITABLE = 5  # the data directory cannot be written


class PlaylogError(Exception):
    """Base error: `message` is one line meant for a person."""

    status = ExitStatus.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(PlaylogError):
    """A malformed option value; `option` names it."""

    status = ExitStatus.USAGE

    def __init__(self, option: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{option}: {message}", hint=hint)
        self.option = option


class InputError(PlaylogError):
    """A path that cannot be read."""

    status = ExitStatus.NO_INPUT

    def __init__(self, path: str, message: str, *, line: int | None = None,
                 hint: str | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


class StoreError(PlaylogError):
    """The data directory cannot be used (not writable, corrupt state)."""

    status = ExitStatus.NOT_WRITABLE

    def __init__(self, path: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}", hint=hint)
        self.path = path


class LockedError(PlaylogError):
    status = ExitStatus.LOCKED


class NotFoundError(PlaylogError):
    """An unknown track, user or event id."""

    status = ExitStatus.ERROR


class RejectedLinesError(PlaylogError):
    """--strict and at least one line went to quarantine."""

    status = ExitStatus.ERROR
