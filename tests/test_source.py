"""Traffic source classification (SPEC §3 traffic_sources)."""

from __future__ import annotations

import polars as pl
import pytest

from playlog.enrich.source import SourceCache, network_of, sources

PAGE = "https://events.example.com/e/42"


def classify(referrer, page_url=PAGE):
    frame = pl.DataFrame(
        {"referrer": [referrer], "page_url": [page_url]},
        schema={"referrer": pl.String, "page_url": pl.String},
    )
    return sources(frame).row(0, named=True)


@pytest.mark.parametrize("referrer", [None, "", "-", "  "])
def test_empty_referrer_is_direct(referrer):
    assert classify(referrer)["source"] == "direct"


@pytest.mark.parametrize(
    "referrer",
    [
        "https://events.example.com/",
        "https://www.example.com/list",
        "http://m.example.com/x?y=1",
        "https://EVENTS.EXAMPLE.COM:443/",
    ],
)
def test_same_site_is_direct(referrer):
    assert classify(referrer)["source"] == "direct"


@pytest.mark.parametrize(
    ("referrer", "source"),
    [
        ("https://www.google.com/", "google"),
        ("https://www.google.co.uk/search?q=gig", "google"),
        ("https://google.com.br/", "google"),
        ("https://news.google.de/", "google"),
        ("android-app://com.google.android.googlequicksearchbox/", "google"),
        ("https://www.bing.com/search?q=x", "bing"),
        ("https://duckduckgo.com/", "duckduckgo"),
        ("https://t.co/AbCd123", "twitter"),
        ("https://x.com/someone/status/1", "twitter"),
        ("https://twitter.com/", "twitter"),
        ("https://l.facebook.com/l.php?u=x", "facebook"),
        ("https://m.facebook.com/", "facebook"),
        ("https://fb.me/abc", "facebook"),
        ("https://l.instagram.com/", "instagram"),
        ("https://www.linkedin.com/feed/", "linkedin"),
        ("https://lnkd.in/abc", "linkedin"),
        ("https://out.reddit.com/t3_x", "reddit"),
        ("https://youtu.be/xyz", "youtube"),
        ("https://www.tiktok.com/@x", "tiktok"),
        ("https://t.me/channel", "telegram"),
        ("https://bsky.app/profile/x", "bluesky"),
    ],
)
def test_known_networks(referrer, source):
    assert classify(referrer)["source"] == source


def test_unknown_host_is_the_host_without_www():
    assert classify("https://WWW.Blog.Example.ORG/post/1")["source"] == "blog.example.org"
    assert classify("https://news.ycombinator.com/item?id=1")["source"] == "news.ycombinator.com"


def test_lookalike_hosts_are_not_networks():
    assert network_of("notgoogle.com") == "notgoogle.com"
    assert network_of("google.example.com") == "google.example.com"
    assert network_of("at.co") == "at.co"


def test_utm_source_wins_and_campaign_fields_are_kept():
    page = PAGE + "?utm_source=Newsletter&utm_medium=E-Mail&utm_campaign=Nov%20Launch+2026"
    row = classify("https://www.google.com/", page)
    assert row == {
        "source": "newsletter",
        "utm_source": "newsletter",
        "utm_medium": "e-mail",
        "utm_campaign": "Nov Launch 2026",
    }


def test_blank_utm_source_does_not_win():
    assert (
        classify("https://t.co/x", PAGE + "?utm_source=&utm_medium=social")["source"] == "twitter"
    )


def test_sessions_without_page_url_use_the_referrer_alone():
    frame = pl.DataFrame({"referrer": ["https://www.google.fr/", None]})
    assert sources(frame)["source"].to_list() == ["google", "direct"]


def test_cache_answers_chunk_after_chunk_in_row_order():
    cache = SourceCache()
    first = pl.DataFrame({"referrer": ["https://t.co/a", None], "page_url": [PAGE, PAGE]})
    second = pl.DataFrame(
        {"referrer": [None, "https://t.co/a", "https://bing.com/"], "page_url": [PAGE, PAGE, None]}
    )
    assert cache.sources(first)["source"].to_list() == ["twitter", "direct"]
    assert cache.sources(second)["source"].to_list() == ["direct", "twitter", "bing"]
