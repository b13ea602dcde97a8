"""--filter on hand-made stores: each operator, each family of dimensions (session
columns, catalog columns, event-page columns, web requests), roll-up windows, and
the usage errors."""

from __future__ import annotations

import json

import pytest
from logs import run
from storebuild import event, store
from test_query_top_report import EVENTS, SESSIONS
from test_traffic import LINES
from typer.testing import CliRunner
from weblogs import write

from playlog.cli.app import app
from playlog.errors import UsageError
from playlog.query.filters import DIMENSIONS, parse_filters
from playlog.query.run import ReportOptions, run_report
from playlog.store.reader import connect

WEEK = {"from_": "2026-11-16", "to": "2026-11-23"}
CATALOG = [
    {"track_id": "tA", "title": "A", "artist": "Xavier", "album": "One", "genre": "jazz",
     "duration_ms": 180_000},
    {"track_id": "tB", "title": "B", "artist": "Yann", "album": "Two", "genre": "rock",
     "duration_ms": 180_000},
    {"track_id": "tC", "title": "C", "artist": "Xavier", "album": "One", "genre": "jazz",
     "duration_ms": 180_000},
]  # tD is not in the catalog: its artist, album and genre are "unknown"
DEMOGRAPHIC_EVENTS = [
    *EVENTS,
    event("eD", "view", "2026-11-18 11:00", session_id="s9", age_group="25-34", gender="f",
          page_url="https://ev.example/e/eD?utm_source=mail", utm_source="mail", os="Android"),
    event("eD", "view", "2026-11-18 11:00", session_id="s8", age_group="35-44", gender="m",
          page_url="https://ev.example/e/eD", country="DE"),
]


@pytest.fixture
def con(tmp_path):
    return connect(store(tmp_path, sessions=SESSIONS, events=DEMOGRAPHIC_EVENTS,
                         catalog=CATALOG))


def plays(con, *filters: str) -> int:
    found = run_report(con, "report", ReportOptions(**WEEK, filters=filters))
    assert found["filters"] == list(filters)
    return found["totals"]["total_plays"]


def views(con, *filters: str) -> int:
    return run_report(con, "report", ReportOptions(**WEEK, filters=filters))[
        "events"]["total_views"]


@pytest.mark.parametrize("filters, expected", [
    ((), 10),
    (("country=FR",), 9),  # all but b1
    (("country!=FR",), 1),
    (("country=FR|DE",), 10),
    (("country!=FR|DE",), 0),
    (("quality~LO",), 2),  # contains, any letter case: d1, d2
    (("quality!~lo",), 8),
    (("platform=mobile",), 1),
    (("track=tA|tD",), 5),
    (("user=unknown",), 1),  # c3 has no user id
    (("country=FR", "platform=web"), 8),  # filters add up (AND)
    (("device=desktop",), 10),
])
def test_operators_on_session_columns(con, filters, expected):
    assert plays(con, *filters) == expected


@pytest.mark.parametrize("filters, expected", [
    (("genre=jazz",), 6),  # tA 3 + tC 3
    (("genre!=jazz",), 4),  # tB 2 + tD 2 (tD: unknown)
    (("genre=unknown",), 2),
    (("artist~xav",), 6),
    (("album=Two",), 2),
    (("artist=Yann|Xavier", "genre!=rock"), 6),
])
def test_catalog_dimensions_filter_through_the_track(con, filters, expected):
    assert plays(con, *filters) == expected


@pytest.mark.parametrize("filters, expected", [
    ((), 6),
    (("event=eB",), 2),
    (("source=google",), 1),
    (("device=mobile",), 1),
    (("event_type=click",), 0),
    (("age_group=25-34",), 1),
    (("gender!=f",), 5),  # a missing gender is "unknown"
    (("page~/e/ed",), 2),
    (("utm_source=mail",), 1),
    (("os=Android",), 1),
    (("country=DE",), 1),
])
def test_event_page_dimensions(con, filters, expected):
    assert views(con, *filters) == expected


def test_filters_apply_to_rankings_and_the_previous_window(con):
    found = run_report(con, "top-tracks", ReportOptions(**WEEK, filters=("genre=jazz",)))
    assert [(r["track_id"], r["total_plays"], r["previous_rank"]) for r in found["top_tracks"]] \
        == [("tA", 3, 1), ("tC", 3, None)]
    other = run_report(con, "top-tracks", ReportOptions(**WEEK, filters=("user!=u1",)))
    assert "tA" in [r["track_id"] for r in other["top_tracks"]]
    assert next(r for r in other["top_tracks"] if r["track_id"] == "tA")["previous_rank"] is None


def test_per_item_reports_take_filters(con):
    track = run_report(con, "track", ReportOptions(**WEEK, filters=("country=FR",)), "tB")
    assert track["total_plays"] == 1 and track["filters"] == ["country=FR"]
    event_page = run_report(con, "event", ReportOptions(**WEEK, filters=("device=mobile",)), "eB")
    assert event_page["total_views"] == 1


def test_a_section_without_the_dimension_is_left_out_and_said(con):
    found = run_report(con, "report", ReportOptions(**WEEK, filters=("quality=high",)))
    assert "events" not in found and found["totals"]["total_plays"] == 8
    assert "The event-page figures are left out: events have no quality." in found["notes"]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    run(write(root / "access.log", LINES), root / "d", enricher="auto")
    return root / "d"


@pytest.mark.parametrize("filters, expected", [
    ((), 8),
    (("status=4xx",), 3),  # 404, 403 and the scanner's 400
    (("status=404|403",), 2),
    (("status!=2xx",), 4),
    (("page~/e/",), 3),
    (("browser=Firefox",), 5),
    (("device=mobile",), 2),
])
def test_web_request_dimensions(web, filters, expected):
    found = run_report(connect(web), "traffic", ReportOptions(
        from_="2026-11-19", to="2026-11-21", filters=filters))
    assert found["totals"]["requests"] == expected


def test_a_filter_over_rollups_is_exact_where_they_carry_the_dimension(tmp_path):
    from logs import write_log
    from test_retention import traffic
    from test_rollup_zones import WINDOW, answer, expire

    data = tmp_path / "data"
    run(write_log(tmp_path / "logs" / "all.jsonl", traffic(per_day=150)), data)
    exact = ("quality=low", "track=t3|t4", "platform!=web")
    before = {f: answer(data, "report", *WINDOW, "--filter", f) for f in exact}
    raw_only = answer(data, "report", *WINDOW, "--filter", "user=unknown")
    expire(data)  # the raw rows of all but the last 4 days are gone: roll-ups answer
    for text in exact:
        rolled = answer(data, "report", *WINDOW, "--filter", text)
        assert rolled["totals"]["total_plays"] == before[text]["totals"]["total_plays"] > 0, text
        assert rolled["plays_by_day"] == before[text]["plays_by_day"], text
        assert rolled["filters"] == [text]
    # user is not in the roll-ups: only the raw rows left are read, and notes say so
    partial = answer(data, "report", *WINDOW, "--filter", "user=unknown")
    assert 0 < partial["totals"]["total_plays"] < raw_only["totals"]["total_plays"]
    assert any("user" in note and "raw" in note for note in partial["notes"]), partial["notes"]


@pytest.mark.parametrize("text, message", [
    ("colour=red", "unknown dimension 'colour'"),
    ("country", "'country' is not DIMENSION=VALUE"),
    ("country=", "has an empty value"),
    ("country=FR|", "has an empty value"),
    ("status=4x4", "is not a code like 404 or a class like 4xx"),
])
def test_bad_filters_are_usage_errors(text, message):
    with pytest.raises(UsageError) as caught:
        parse_filters([text])
    assert message in str(caught.value)


def test_an_unknown_dimension_is_one_line_listing_them(tmp_path):
    data = store(tmp_path, sessions=SESSIONS)
    result = CliRunner().invoke(app, ["top-tracks", "--data", str(data), "--filter", "colour=red"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--filter" in lines[0]
    assert all(name in lines[0] for name in DIMENSIONS)


def test_a_dimension_the_report_does_not_read_is_an_error(tmp_path):
    data = store(tmp_path, sessions=SESSIONS)
    result = CliRunner().invoke(app, ["top-tracks", "--data", str(data), "--filter", "status=404"])
    assert result.exit_code == 2
    assert "top-tracks has no dimension status" in result.stderr


def test_values_are_bound_not_pasted(con):
    assert plays(con, "user=u1' OR '1'='1") == 0
    assert plays(con, "artist~'; DROP TABLE catalog; --") == 0
    assert plays(con, "genre=jazz") == 6


def test_the_cli_states_its_filters(tmp_path):
    data = store(tmp_path, sessions=SESSIONS, catalog=CATALOG)
    args = ["top-artists", "--data", str(data), "--from", "2026-11-16", "--to", "2026-11-23",
            "--filter", "country=FR"]
    found = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).stdout)
    assert found["filters"] == ["country=FR"]
    table = CliRunner().invoke(app, [*args, "--format", "table"]).stdout
    assert "country=FR" in table


def test_serve_takes_filters_as_query_parameters(tmp_path):
    from servehelp import Server

    data = store(tmp_path, sessions=SESSIONS, catalog=CATALOG)
    with Server(data) as server:
        answer = server.client.get("/api/analytics/top-tracks", params=[
            ("from", "2026-11-16"), ("to", "2026-11-23"), ("filter", "genre=jazz"),
            ("filter", "country=FR")])
        assert answer.status_code == 200, answer.text
        assert [r["track_id"] for r in answer.json()["top_tracks"]] == ["tA", "tC"]
        bad = server.client.get("/api/analytics/top-tracks", params={"filter": "colour=red"})
        assert bad.status_code == 400 and "filter" in bad.text
