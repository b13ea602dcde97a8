"""The Enricher over frames: columns, dtypes, given platforms, caching across chunks."""

from __future__ import annotations

import polars as pl
import pytest

from playlog.config import load_settings
from playlog.enrich import OUTPUT_COLUMNS, Enricher
from playlog.schema import EVENT_SCHEMA

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def enricher():
    with Enricher.from_settings(load_settings()) as enricher:
        yield enricher


def events() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "event_id": ["a", "b", "c", "d"],
            "user_agent": ["okhttp/4.12.0", IPHONE, "curl/8.4.0", None],
            "client_ip": ["81.2.69.160", "10.0.0.1", "garbage", None],
            "referrer": ["https://www.google.co.uk/", None, "https://t.co/x", "https://ex.org/"],
            "page_url": [
                "https://events.example.com/e/1",
                "https://events.example.com/e/1?utm_source=Mail&utm_medium=email",
                None,
                "https://events.example.com/e/2",
            ],
            "platform": [None, "Desktop", "bogus", "embedded"],
        }
    )


def test_columns_and_dtypes_match_the_stored_schema(enricher):
    out = enricher.enrich(events())
    assert set(OUTPUT_COLUMNS) <= set(out.columns)
    expected = pl.from_arrow(EVENT_SCHEMA.empty_table()).schema
    for name in OUTPUT_COLUMNS:
        assert out.schema[name] == expected[name], name
    assert out["event_id"].to_list() == ["a", "b", "c", "d"]


def test_values(enricher):
    out = enricher.enrich(events())
    rows = out.select("platform", "device_type", "is_bot", "country", "city", "source").rows()
    assert rows == [
        ("mobile", "mobile", False, "GB", "Willesden", "google"),
        ("desktop", "mobile", False, None, None, "mail"),
        ("unknown", "bot", True, None, None, "twitter"),
        ("embedded", "other", False, None, None, "ex.org"),
    ]
    assert out["utm_medium"].to_list() == [None, "email", None, None]


def test_missing_input_columns_count_as_null_and_are_not_added(enricher):
    out = enricher.enrich(pl.DataFrame({"session_id": ["s1"], "user_agent": [IPHONE]}))
    assert "page_url" not in out.columns and "client_ip" not in out.columns
    assert out.select("platform", "device_type", "source", "country").row(0) == (
        "web",
        "mobile",
        "direct",
        None,
    )


def test_existing_enrichment_columns_are_overwritten(enricher):
    frame = events().with_columns(pl.lit("stale").alias("source"), pl.lit(True).alias("is_bot"))
    out = enricher.enrich(frame)
    assert out["source"].to_list() == ["google", "mail", "twitter", "ex.org"]
    assert out["is_bot"].to_list() == [False, False, True, False]
    assert out.columns.count("source") == 1


def test_chunks_reuse_the_cache():
    enricher = Enricher(parse_agents=True)
    enricher.enrich(events())
    learned = len(enricher._agents)
    out = enricher.enrich(events().reverse())
    assert len(enricher._agents) == learned == 3
    assert out["device_type"].to_list() == ["other", "bot", "mobile", "mobile"]


def test_baseline_without_parsing_or_geoip():
    out = Enricher(parse_agents=False).enrich(events())
    assert out["platform"].to_list() == ["unknown", "desktop", "unknown", "embedded"]
    assert out["device_type"].to_list() == [None] * 4
    assert out["is_bot"].to_list() == [False] * 4
    assert out["country"].to_list() == [None] * 4
    assert out["source"].to_list() == ["google", "mail", "twitter", "ex.org"]


def test_empty_frame(enricher):
    out = enricher.enrich(events().clear())
    assert out.height == 0 and set(OUTPUT_COLUMNS) <= set(out.columns)


def test_describe(enricher):
    described = enricher.describe()
    assert described["geoip"]["database_type"] == "GeoLite2-City"
    assert described["user_agents"]["playlog_rules"]
