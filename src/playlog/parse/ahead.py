"""Reading and parsing the next block in a thread while the caller works on this one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import duckdb
import pyarrow as pa

from playlog.parse.lines import Block, cap_lines, split_block
from playlog.parse.registry import Parsed, Parser, with_invalid_lines


def connect() -> duckdb.DuckDBPyConnection:
    """A connection for parsing: UTC, no spilling of a block's worth of lines."""
    con = duckdb.connect(config={"memory_limit": "1GB"})
    con.execute("SET TimeZone = 'UTC'")
    return con


_DONE = object()


def parse_block(con: duckdb.DuckDBPyConnection, parser: Parser, block: Block) -> Parsed:
    """The block's lines through `parser`; lines that are not valid UTF-8 or are too long
    for any parser never reach it: they come back as rejects."""
    lines, invalid = split_block(block)
    lines, too_long = cap_lines(block, lines)
    parsed = with_invalid_lines(parser.parse(con, lines), invalid)
    if too_long is not None:
        parsed.rejects = too_long if parsed.rejects is None else pa.concat_tables(
            [parsed.rejects, too_long], promote_options="permissive"
        )
    return parsed


def parse_ahead(blocks: Iterator[Block], parser: Parser) -> Iterator[tuple[Block, Parsed]]:
    """``(block, parser.parse(block))`` for each block, read and parsed in a thread;
    lines that are not valid UTF-8 or too long never reach the parser (`parse_block`).

    The thread reads, splits and parses the next block (DuckDB and Arrow release
    the GIL) while the caller works on this one; it stays at most one block
    ahead, so memory holds about two blocks. Blocks are parsed in order, so a
    parser may keep state from one block to the next. Close the iterator (or
    exhaust it) before closing the stream `blocks` reads from."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def work() -> None:
        con = connect()
        try:
            for block in blocks:
                if stop.is_set():
                    return
                put((block, parse_block(con, parser, block)))
            put(_DONE)
        except BaseException as exc:  # handed to the caller, raised there
            put(exc)
        finally:
            con.close()

    worker = threading.Thread(target=work, name="playlog-parse", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
