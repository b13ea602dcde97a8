"""The period report over raw days from the roll-ups of totals (query/blend.py): the same
answer as from raw rows alone, on random windows, in zones with half-hour offsets and
across a daylight-saving change."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlog.query import blend
from playlog.query.run import ReportOptions, run_report
from playlog.query.window import Window, iso_utc
from playlog.store.reader import connect

ROOT = Path(__file__).resolve().parent.parent
# Paris leaves summer time on 2026-10-25 at 01:00 UTC: the data spans it.
FIRST = datetime(2026, 10, 21, tzinfo=UTC)
END = datetime(2026, 10, 29, tzinfo=UTC)
TOTALS = ("rollup_play_totals", "rollup_event_totals")
ZONES = ("UTC", "Asia/Kolkata", "Europe/Paris", "America/St_Johns")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(store with roll-ups of totals, the same store without them, the same with them on
    some days only): every window must read the same from all three."""
    base = tmp_path_factory.mktemp("blend")
    logs = base / "logs"
    subprocess.run([sys.executable, str(ROOT / "sample_data" / "generate.py"), "--out", str(logs),
                    "--days", "8", "--end", iso_utc(END), "--records", "30000",
                    "--single-file", "--no-bad-lines"], check=True, capture_output=True)
    full = base / "full"
    subprocess.run([sys.executable, "-m", "playlog", "ingest", str(logs), "--data", str(full),
                    "--no-progress", "--format", "json"], check=True, capture_output=True)
    raw, mixed = base / "raw", base / "mixed"
    shutil.copytree(full, raw)
    shutil.copytree(full, mixed)
    for name in TOTALS:
        shutil.rmtree(raw / name)
        for day in ("2026-10-23", "2026-10-25"):  # as if an older release wrote these days
            shutil.rmtree(mixed / name / f"date={day}")
    return full, raw, mixed


def report(data: Path, window: Window, include_bots: bool, filters: tuple = ()) -> dict:
    options = ReportOptions(from_=iso_utc(window.start), to=iso_utc(window.end), tz=window.tz,
                            include_bots=include_bots, filters=filters)
    found = run_report(connect(data), "report", options)
    return json.loads(json.dumps(found, default=str), parse_float=lambda x: round(float(x), 9))


instants = st.integers(0, int((END - FIRST).total_seconds()) - 1).map(
    lambda s: FIRST + timedelta(seconds=s))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=instants, b=instants, tz=st.sampled_from(ZONES), bots=st.booleans())
def test_roll_ups_answer_as_raw_rows_do(stores, a, b, tz, bots):
    if a == b:
        return
    window = Window(min(a, b), max(a, b), tz)
    full, raw, mixed = (report(d, window, bots) for d in stores)
    assert full == raw
    assert mixed == raw


@pytest.mark.parametrize("tz", ZONES)
def test_whole_days_around_the_change_of_time(stores, tz):
    """Whole local days, Paris's 25-hour day among them: plays by day and hour add up."""
    window = Window(datetime(2026, 10, 22, tzinfo=UTC), datetime(2026, 10, 28, tzinfo=UTC), tz)
    full, raw, _ = (report(d, window, False) for d in stores)
    assert full == raw
    assert sum(full["plays_by_day"].values()) == full["totals"]["total_plays"] > 0
    assert sum(full["plays_by_hour"].values()) == full["totals"]["total_plays"]


FILTERS = (("country=FR",), ("country!=FR|DE", "platform=web|mobile"), ("device~mob",),
           ("os=unknown",))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=instants, b=instants, tz=st.sampled_from(ZONES), filters=st.sampled_from(FILTERS))
def test_filtered_reports_answer_as_raw_rows_do(stores, a, b, tz, filters):
    """Filters on dimensions the roll-ups of totals carry apply to their rows; others (os)
    read raw rows."""
    if a == b:
        return
    window = Window(min(a, b), max(a, b), tz)
    full, raw, mixed = (report(d, window, False, filters) for d in stores)
    assert full == raw
    assert mixed == raw


def test_whole_quarter_hours_are_read_from_the_roll_up(stores, tmp_path):
    """Doubling the plays of the roll-up doubles the report's plays of its quarter hours
    (and only those): the report reads the roll-up, not the raw rows, for them."""
    full = tmp_path / "store"
    shutil.copytree(stores[0], full)
    for path in (full / "rollup_play_totals").glob("date=2026-10-24/*.parquet"):
        table = pq.read_table(path)
        plays = table.column("plays").to_pylist()
        pq.write_table(table.set_column(table.schema.get_field_index("plays"), "plays",
                                        [[2 * n for n in plays]]), path)
    window = Window(datetime(2026, 10, 23, 23, 50, tzinfo=UTC),
                    datetime(2026, 10, 25, 0, 5, tzinfo=UTC))
    before, after = report(stores[0], window, False), report(full, window, False)
    day = before["plays_by_day"]
    assert after["plays_by_day"]["2026-10-24"] == 2 * day["2026-10-24"] > 0
    assert after["plays_by_day"]["2026-10-23"] == day["2026-10-23"]  # a raw edge
    assert after["totals"]["unique_listeners"] == before["totals"]["unique_listeners"]


covered_days = st.sets(st.dates(date(2026, 10, 20), date(2026, 10, 30)))


@given(a=instants, b=instants, covered=covered_days)
def test_pieces_cover_the_window_once(a, b, covered):
    if a == b:
        return
    window = Window(min(a, b), max(a, b))
    found = blend.pieces(window, covered)
    assert found[0].start == window.start and found[-1].end == window.end
    for one, two in itertools.pairwise(found):
        assert one.end == two.start and one.rollup != two.rollup
    for piece in found:
        if piece.rollup:
            assert piece.start.timestamp() % 900 == 0 and piece.end.timestamp() % 900 == 0
            assert piece.start.date() in covered
            assert (piece.end - timedelta(milliseconds=1)).date() in covered
        else:  # a raw piece holds no whole covered quarter hour
            quarter = blend._up(piece.start)
            while quarter + blend.GRAIN <= piece.end:
                assert quarter.date() not in covered
                quarter += blend.GRAIN


def test_compact_adds_the_totals_an_older_release_did_not_write(stores, tmp_path):
    """`playlog compact` on a store without the roll-ups of totals builds them for its raw
    days; the answers stay the same."""
    data = tmp_path / "store"
    shutil.copytree(stores[1], data)
    window = Window(datetime(2026, 10, 22, 7, 5, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC),
                    "Asia/Kolkata")
    before = report(data, window, False)
    subprocess.run([sys.executable, "-m", "playlog", "compact", "--data", str(data), "--format",
                    "json"], check=True, capture_output=True)
    for name in TOTALS:
        assert sorted(p.name for p in (data / name).iterdir()) == sorted(
            p.name for p in (stores[0] / name).iterdir())
    assert report(data, window, False) == before
    con = connect(data)
    assert blend.covered_days(con, blend.PLAYS, window) == {
        date(2026, 10, 22) + timedelta(days=i) for i in range(5)}
