"""Help pages that read like man pages, and usage errors in plain words.

Every command and group of the app is a ``ManCommand`` / ``ManGroup``. Their
``--help`` is plain text, wrapped to the terminal (at most 80 columns):

    Usage: playlog top-tracks [OPTIONS]

      <the description: the command's help text up to its "Examples:" line>

    Arguments:   NAME  help                       (commands with arguments)
    <Section>:   one section per ``rich_help_panel`` of the options, in the
                 order they are declared; options without one go to "Options"
    Examples:    the help text's "Examples:" block, one command per line

An option shows its metavar (``--days N``, ``--format table|json|csv``);
flags show none. A value that does not convert (``--days foo``) is reported as
``--days: 'foo' is not a whole number``, not in the words of the validation
library underneath.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from typer._click import exceptions as click_errors
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

EXAMPLES = "Examples:"
DEFAULT_SECTION = "Options"
# Sections in this order; any other between Window and Output, as first declared.
SECTION_ORDER = ("Options", "Window", "Filters", None, "Output", "Store")


class OptionValueError(click_errors.BadParameter):
    """A bad option value, worded ``--days: 'foo' is not a whole number``."""

    def format_message(self) -> str:
        return f"{option_name(self.param)}: {self.message}"


def option_name(param: Any) -> str:
    if param is None:
        return "value"
    if getattr(param, "param_type_name", "") == "argument":
        return metavar(param)
    return max(param.opts, key=len)


_NOT_A = re.compile(r"^(?P<given>'.*') is not a valid (?P<kind>[a-z ]+?)\.?$")
_OUT_OF = re.compile(r"^(?P<given>\S+) is not in the range (?P<range>\S+?)\.?$")


def plain_message(exc: click_errors.BadParameter) -> str:
    """The reason a value was refused, in plain words (from the parser's own wording:
    ``'foo' is not a valid int range.``, ``0 is not in the range x>=1.``)."""
    text = str(exc.message)
    found = _NOT_A.match(text)
    if found:
        kind = found["kind"]
        what = "a whole number" if kind.startswith("int") else \
            "a number" if kind.startswith("float") else kind
        return f"{found['given']} is not {what}"
    found = _OUT_OF.match(text)
    if found:
        return _range(found["given"], found["range"])
    return _choices(text)


def _range(given: str, bounds: str) -> str:
    """``0``, ``x>=1`` → ``must be at least 1, not 0``; ``1<=x<=5`` → between."""
    low = re.match(r"^(-?[\d.]+)<=?x", bounds)
    high = re.search(r"x<=?(-?[\d.]+)$", bounds)
    if low and high:
        return f"must be between {low.group(1)} and {high.group(1)}, not {given}"
    if low or bounds.startswith("x>"):
        limit = low.group(1) if low else bounds.lstrip("x>=")
        return f"must be at least {limit}, not {given}"
    if high:
        return f"must be at most {high.group(1)}, not {given}"
    return f"{given} is out of range ({bounds})"


def _choices(text: str) -> str:
    """``'xml' is not one of 'table', 'json'.`` → ``'xml' is not one of table, json``."""
    match = re.match(r"^('.*') is not one of (.*?)\.?$", text)
    if not match:
        return text
    names = ", ".join(n.strip().strip("'") for n in match.group(2).split(","))
    return f"{match.group(1)} is not one of {names}"


def metavar(param: Any) -> str:
    """What an option's value or an argument looks like in help and usage."""
    if param.metavar:
        return param.metavar
    choices = getattr(param.type, "choices", None)
    if choices:
        return "|".join(str(c.value if isinstance(c, Enum) else c) for c in choices)
    return (param.name or "value").upper()


def _option_row(param: Any) -> tuple[str, str]:
    names = sorted(param.opts, key=lambda name: name.startswith("--"))  # -n before --limit
    text = ", ".join(names)
    if param.secondary_opts:
        text += ", " + ", ".join(param.secondary_opts)
    elif not (param.is_flag or param.count):
        text += " " + metavar(param)
    return text, param.help or ""


def _argument_usage(param: Any) -> str:
    name = metavar(param)
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if param.required else f"[{name}]"


def split_help(text: str) -> tuple[str, list[str]]:
    """(description, example lines) of a help text; examples follow its "Examples:" line."""
    head, _, tail = (text or "").partition(EXAMPLES)
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return head.strip(), lines


def summary_line(command: Any) -> str:
    """The first paragraph of a command's help, for the list of commands."""
    first = split_help(command.help or "")[0].split("\n\n")[0]
    return " ".join(first.split())


def examples(command: Any) -> list[str]:
    """The runnable example lines of a command's help (comments left out)."""
    return [line for line in split_help(command.help or "")[1] if not line.startswith("#")]


def _sections(params: list[Any]) -> dict[str, list[tuple[str, str]]]:
    sections: dict[str, list[tuple[str, str]]] = {}
    for param in params:
        if getattr(param, "hidden", False) or param.param_type_name != "option":
            continue
        sections.setdefault(param.rich_help_panel or DEFAULT_SECTION, []).append(
            _option_row(param))
    rank = {name: i for i, name in enumerate(SECTION_ORDER)}
    return dict(sorted(sections.items(), key=lambda kv: rank.get(kv[0], rank[None])))


def _write_page(command: Any, ctx: Any, formatter: HelpFormatter, extra: Any = None) -> None:
    params = command.get_params(ctx)
    usage = " ".join(["[OPTIONS]", *(_argument_usage(p) for p in params
                                     if p.param_type_name == "argument")])
    if isinstance(command, TyperGroup):
        usage += " COMMAND [ARGS]..."
    formatter.write_usage(ctx.command_path, usage)
    description, lines = split_help(command.help or "")
    if description:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(description)
    arguments = [(metavar(p), p.help or "") for p in params if p.param_type_name == "argument"]
    if arguments:
        with formatter.section("Arguments"):
            formatter.write_dl(arguments)
    if extra is not None:
        extra(formatter)
    for name, rows in _sections(params).items():
        with formatter.section(name):
            formatter.write_dl(rows)
    if lines:
        with formatter.section(EXAMPLES.rstrip(":")):
            for line in lines:
                formatter.write(" " * formatter.current_indent + line + "\n")


class ManCommand(TyperCommand):
    """A command whose help is a man page and whose value errors are plain words."""

    def format_help(self, ctx: Any, formatter: HelpFormatter) -> None:
        _write_page(self, ctx, formatter)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click_errors.MissingParameter:
            raise
        except click_errors.BadParameter as exc:
            raise OptionValueError(plain_message(exc), ctx=exc.ctx, param=exc.param) from None


class ManGroup(TyperGroup):
    """A group of commands: the same page, with its commands listed by section."""

    def format_help(self, ctx: Any, formatter: HelpFormatter) -> None:
        _write_page(self, ctx, formatter, extra=lambda f: self._write_commands(ctx, f))

    def _write_commands(self, ctx: Any, formatter: HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            sub = self.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            panel = getattr(sub, "rich_help_panel", None) or "Commands"
            sections.setdefault(panel, []).append((name, summary_line(sub)))
        for panel, rows in sections.items():
            with formatter.section(panel):
                formatter.write_dl(rows)
