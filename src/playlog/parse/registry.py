"""The log formats playlog reads, by name.

A format is one module of ``playlog.parse.formats`` that calls `register` with a
`Format`: its name, a one-line summary and a sample line (for ``--help`` and
docs/formats.md), how to recognise its lines (`sniff`) and how to open a parser
for one file (`open`). Detection (`detect`), ``--log-format NAME`` (`resolve`),
the pipeline and the docs all read this one table, so a new format is one new
module and nothing else.

A parser turns a table of lines (``line_no``, ``line``; see parse.lines) into a
`Parsed`: typed records of the native format (the columns of
parse.formats.native, rejects included with their ``reason``), web-server
requests (the columns of parse.requests), and/or rejects of its own. It is
created once per file and called on the file's blocks in order,
so it may keep state (a W3C ``#Fields:`` header); `Parser.state` returns that
state as JSON, which the ledger keeps, so that a later run resuming the file in
the middle gets it back through `Format.open`. Formats of listening exports also
return the titles, artists and albums their records name (`Parsed.catalog`).

A *document* format (`Format.document`: a JSON array or object, not lines) is
read whole, once its content is complete: its parser gets one table with a
single row, ``line_no`` 1 and ``line`` the whole content, and numbers the
records it finds in ``line_no`` (the quarantine's ``line`` is then the record's
number in the document). The ledger knows such a file by a hash of its whole
content: an unchanged copy is not read again, a changed one is read whole.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import pyarrow as pa

from playlog.errors import UsageError

if TYPE_CHECKING:
    from playlog.parse.keys import PairKeys


@dataclass(frozen=True)
class ParseContext:
    """What a parser may need besides the lines."""

    path: str  # the file being read (for messages)
    salt: str  # the store's secret salt, for anonymous keys
    file_id: str = ""  # the ledger's fingerprint of the file: with a line number, names a line
    user: str | None = None  # the user of exports that name none (``ingest --user``)
    tz: str = "UTC"  # the configured zone, for logs written in local time without an offset
    # the file's visitor keys, each pair hashed once for all its blocks (None: per block)
    keys: PairKeys | None = field(default=None, compare=False)


@dataclass
class Parsed:
    """What one block of lines became."""

    records: pa.Table | None = None  # native typed records; rows with a `reason` are rejects
    rejects: pa.Table | None = None  # line_no, reason, raw (+ raw_bytes): lines nothing came from
    requests: pa.Table | None = None  # web-server requests (parse.requests.REQUEST_COLUMNS)
    catalog: pa.Table | None = None  # track_id, title, artist, album, duration_ms (for the catalog)
    playlist: pa.Table | None = None  # a streaming server's titles (schema.PLAYLIST_SCHEMA)


class Parser(Protocol):
    def parse(self, con: duckdb.DuckDBPyConnection, lines: pa.Table) -> Parsed: ...

    def state(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Format:
    name: str
    summary: str  # one line: what writes it
    sample: str  # one typical line
    sniff: Callable[[Sequence[str]], int]  # how many of these (non-blank) lines are this format
    open: Callable[[ParseContext, dict[str, Any] | None], Parser]  # a parser for one file
    specificity: int = 0  # breaks ties in detection: the more specific format wins
    aliases: tuple[str, ...] = field(default=())
    # How close lines no format matched come to this one: (0..1, what differs), for the message
    near: Callable[[Sequence[str]], tuple[float, str]] | None = None
    document: bool = False  # one JSON document, read whole once complete (see above)


_FORMATS: dict[str, Format] = {}
_FACTORIES: list[Callable[[str], Format | None]] = []
_BUILT: dict[str, Format] = {}
_loaded = False


def register(fmt: Format) -> Format:
    """Add a format to the table (called by the modules of playlog.parse.formats)."""
    for name in (fmt.name, *fmt.aliases):
        _FORMATS[name] = fmt
    return fmt


def register_factory(build: Callable[[str], Format | None]) -> None:
    """Add a builder of formats from definitions (None: not a definition it reads)."""
    _FACTORIES.append(build)


def formats() -> list[Format]:
    """Every known format, by name."""
    _load()
    return sorted({id(f): f for f in _FORMATS.values()}.values(), key=lambda f: f.name)


def get(name: str) -> Format | None:
    """The format of that name, or built from that definition; None if neither."""
    _load()
    known = _FORMATS.get(name.strip().lower())
    if known is not None or not name.strip():
        return known
    if name not in _BUILT:
        for build in _FACTORIES:
            built = build(name)
            if built is not None:
                _BUILT[name] = built
                break
    return _BUILT.get(name)


def resolve(text: str, option: str = "--log-format") -> Format:
    """The format `text` names; a usage error listing the known names otherwise."""
    fmt = get(text)
    if fmt is None:
        names = ", ".join(f.name for f in formats())
        raise UsageError(option, f"unknown log format '{text}'",
                         hint=f"known formats: {names}; or an nginx log_format or Apache "
                              "LogFormat string")
    return fmt


@dataclass(frozen=True)
class Detection:
    format: Format | None  # the best match, None when no line of the sample matched any
    matched: int  # how many sample lines it matched
    lines: int  # how many sample lines there were


def detect(sample: Sequence[str], documents: bool = False) -> Detection:
    """The format that matches most of `sample` (a file's first non-blank lines);
    on a tie, the more specific one, then the first by name. With `documents`,
    only document formats are tried."""
    best: Format | None = None
    best_key = (0, 0)
    for fmt in formats():
        if documents and not fmt.document:
            continue
        key = (fmt.sniff(sample), fmt.specificity)
        if key[0] > 0 and key > best_key:
            best, best_key = fmt, key
    return Detection(best, best_key[0], len(sample))


NEAR_ENOUGH = 0.3  # a share of a format's structure below this says nothing


def closest(sample: Sequence[str]) -> tuple[Format, str] | None:
    """For lines no format matches: the format they come closest to, and how they differ
    (None when none comes near)."""
    best: tuple[float, Format, str] | None = None
    for fmt in formats():
        if fmt.near is None:
            continue
        score, why = fmt.near(sample)
        if score >= NEAR_ENOUGH and (best is None or score > best[0]):
            best = (score, fmt, why)
    return (best[1], best[2]) if best else None


def unmatched(sample: Sequence[str]) -> str:
    """Why a file of these first lines is not read, naming the format they come closest to."""
    text = f"no known log format matches its first {len(sample)} line(s)"
    near = closest(sample)
    if near is not None:
        text += f"; closest: {near[0].name} ({near[1]})"
    return text


def json_objects(sample: Sequence[str],
                 prepare: Callable[[str], str] | None = None) -> Iterator[dict[str, Any]]:
    """The lines of a detection sample that are JSON objects, decoded (`prepare` first
    rewrites each line's text): what the sniffers of JSON formats count."""
    for text in sample:
        if not text.lstrip().startswith("{"):
            continue
        try:
            value = json.loads(prepare(text) if prepare else text)
        except ValueError:
            continue
        if isinstance(value, dict):
            yield value


def with_invalid_lines(parsed: Parsed, invalid: pa.Table | None) -> Parsed:
    """`parsed` with the lines that were not text (parse.lines.split_block) as rejects."""
    if invalid is None or not invalid.num_rows:
        return parsed
    from playlog.parse.lines import NOT_UTF8

    bad = invalid.append_column("reason", pa.array([NOT_UTF8] * invalid.num_rows, pa.string()))
    if parsed.rejects is not None and parsed.rejects.num_rows:
        bad = pa.concat_tables([parsed.rejects, bad], promote_options="permissive")
    parsed.rejects = bad
    return parsed


def _load() -> None:
    """Import every module of playlog.parse.formats once (each registers itself)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from playlog.parse import formats as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
