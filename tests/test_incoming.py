"""What becomes of incoming files: cut when a writer died mid-line, removed once ingested,
never touched while a writer holds them."""

from __future__ import annotations

import json

from logs import modified
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.collect import Collector
from playlog.collect.incoming import tidy
from playlog.collect.writer import host_name
from playlog.store.layout import Layout

LINE = {"type": "event", "ts": "2026-11-20T12:00:00Z", "event_id": "e1", "event_type": "view"}


def ingest(data):
    result = CliRunner().invoke(app, ["ingest", str(data / "incoming"), "--data", str(data),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_dead_writers_half_line_is_cut_then_the_file_goes_once_ingested(tmp_path):
    data = tmp_path / "data"
    layout = Layout(data)
    layout.incoming.mkdir(parents=True)
    dead = layout.incoming / f"{host_name()}-99999-1-0001.jsonl"
    whole = "".join(json.dumps({**LINE, "session_id": f"v{i}"}) + "\n" for i in range(3))
    dead.write_text(whole + '{"type":"event","ts":"2026-11-20T12:0')  # killed mid-append
    other_host = layout.incoming / "elsewhere-1-1-0001.jsonl"
    theirs = "".join(json.dumps({**LINE, "session_id": f"o{i}"}) + "\n" for i in range(3))
    other_host.write_text(theirs + '{"half')
    modified(other_host)  # just written, by playlog's clock: its last line is not idle yet
    first = tidy(layout)
    assert first.cut == {dead.name: len('{"type":"event","ts":"2026-11-20T12:0')}
    assert dead.read_text() == whole and first.removed == [] and first.pending == 1
    assert other_host.read_text().endswith('{"half')  # another host's file is its own
    summary = ingest(data)
    assert summary["events"] == 6 and summary["quarantined"] == 0
    second = tidy(layout)
    assert second.removed == [dead.name] and not dead.exists() and other_host.exists()


def test_a_file_a_writer_holds_is_never_cut_or_removed(tmp_path):
    data = tmp_path / "data"
    with Collector(data) as collector:
        collector.track_event("e1", "view", session_id="w1")
        current = collector.writer.current
        ingest(data)  # read to its end, but still being written
        result = tidy(Layout(data))
        assert current.exists() and result.removed == [] and result.cut == {}
        collector.track_event("e1", "view", session_id="w2")
    # Closed: finished, but its last line is not ingested yet.
    assert tidy(Layout(data)).removed == [] and current.exists()
    assert ingest(data)["events"] == 1
    assert tidy(Layout(data)).removed == [current.name]


def test_tidy_does_nothing_while_another_run_holds_the_lock(tmp_path):
    from playlog.store.lock import exclusive

    data = tmp_path / "data"
    layout = Layout(data)
    layout.incoming.mkdir(parents=True)
    (layout.incoming / f"{host_name()}-99999-1-0001.jsonl").write_text('{"half')
    with exclusive(layout.lock):
        assert tidy(layout).busy
    assert (layout.incoming / f"{host_name()}-99999-1-0001.jsonl").read_text() == '{"half'
