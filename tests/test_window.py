"""Windows: --days/--from/--to/--until/--tz into half-open UTC intervals."""

from __future__ import annotations

from datetime import date

import pytest
from storebuild import at

from playlog.errors import UsageError
from playlog.query.window import EPOCH, Window, iso_utc, resolve_window

NOW = at("2026-11-20 12:34:56")


def test_days_is_n_times_24h_ending_at_until():
    w = resolve_window(days=7, until="2026-11-20T18:00:00Z", now=NOW)
    assert (w.start, w.end) == (at("2026-11-13 18:00"), at("2026-11-20 18:00"))


def test_days_default_ends_now():
    w = resolve_window(days=1, now=NOW)
    assert (w.start, w.end) == (at("2026-11-19 12:34:56"), NOW)


def test_from_to_dates_are_local_midnights_to_exclusive():
    w = resolve_window(from_="2026-11-01", to="2026-11-08", tz="Europe/Paris", now=NOW)
    assert (w.start, w.end) == (at("2026-10-31 23:00"), at("2026-11-07 23:00"))


def test_dst_change_makes_a_25_hour_local_day():
    # Europe/Paris leaves summer time on 2026-10-25: that local day lasts 25 h.
    w = resolve_window(from_="2026-10-25", to="2026-10-26", tz="Europe/Paris", now=NOW)
    assert (w.start, w.end) == (at("2026-10-24 22:00"), at("2026-10-25 23:00"))
    assert w.local_days() == [date(2026, 10, 25)]


def test_offsets_win_over_the_zone():
    w = resolve_window(from_="2026-11-01T10:00+02:00", to="2026-11-02T00:00Z", tz="Asia/Tokyo")
    assert w.start == at("2026-11-01 08:00")


def test_default_none_is_all_time():
    w = resolve_window(until="2026-11-20", default_days=None)
    assert w.start == EPOCH and w.all_time and w.end == at("2026-11-20 00:00")


def test_previous_window_has_the_same_length():
    w = Window(at("2026-11-13 00:00"), at("2026-11-20 00:00"))
    assert w.previous() == Window(at("2026-11-06 00:00"), at("2026-11-13 00:00"))


def test_params_bound_the_utc_days_exactly():
    w = Window(at("2026-11-13 00:00"), at("2026-11-20 00:00"))
    assert w.params() == ["2026-11-13", "2026-11-19", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z"]


@pytest.mark.parametrize(
    "kwargs, option",
    [
        ({"days": 7, "from_": "2026-11-01"}, "--days"),
        ({"from_": "2026-11-31"}, "--from"),
        ({"to": "yesterday"}, "--to"),
        ({"until": "20/11/2026"}, "--until"),
        ({"tz": "Europe/Pariss"}, "--tz"),
        ({"from_": "2026-11-10", "to": "2026-11-01"}, "--from"),
    ],
)
def test_malformed_options_name_the_option(kwargs, option):
    with pytest.raises(UsageError) as caught:
        resolve_window(now=NOW, **kwargs)
    assert caught.value.option == option


def test_iso_utc_has_a_z_and_milliseconds_only_when_needed():
    assert iso_utc(at("2026-11-20 18:04:05")) == "2026-11-20T18:04:05Z"
    assert iso_utc(at("2026-11-20 18:04:05.123")) == "2026-11-20T18:04:05.123Z"


def test_long_windows_read_through_a_view(tmp_path):
    """A report over more than 14 days reads the files through a view: same answers."""
    from playlog.query.report import period_report
    from playlog.store.reader import connect
    from storebuild import session, store

    rows = [session(f"s{i}", f"2026-11-{1 + i:02d} 10:00", 3, user_id=f"u{i % 3}") for i in range(20)]
    con = connect(store(tmp_path, sessions=rows))
    long = period_report(con, resolve_window(from_="2026-11-01", to="2026-11-21"))
    assert long["totals"]["total_plays"] == 20 and long["totals"]["unique_listeners"] == 3
    assert long["top_tracks"][0]["total_plays"] == 20 and len(long["plays_by_day"]) == 20


def test_inline_takes_only_window_values():
    from playlog.query.common import inline

    assert inline("a = ? AND b = ?", ["2026-11-01", "2026-11-02T00:00:00Z"]) == (
        "a = '2026-11-01' AND b = '2026-11-02T00:00:00Z'"
    )
    assert inline("x >= $start", {"start": "2026-11-01"}) == "x >= '2026-11-01'"
    with pytest.raises(ValueError):
        inline("a = ?", ["x' OR 1=1 --"])
