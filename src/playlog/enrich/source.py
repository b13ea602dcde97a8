"""Referrer + page URL → traffic ``source`` and the ``utm_*`` campaign fields.

Contract (SPEC §3 ``traffic_sources``), in order:

1. a non-empty ``utm_source`` query parameter of ``page_url`` wins (decoded, lowercased);
2. ``direct`` when the referrer is empty (or ``-``) or on the same site as ``page_url``
   (same registrable domain, so ``m.example.com`` → ``www.example.com`` is direct);
3. a known network name (``google``, ``facebook``, ``twitter`` …, :data:`NETWORKS`)
   matched on the referrer's host, ``google.co.uk`` and ``l.facebook.com`` included;
4. else the referrer's host, lowercased, ``www.`` stripped.

``utm_medium`` is decoded and lowercased, ``utm_campaign`` decoded as given.
Referrers and page URLs are classified once per distinct value (Polars string
expressions over the distinct values, then a join back onto the rows).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

import polars as pl

from playlog.enrich.cache import LookupCache

_HOST = r"^\s*(?:[A-Za-z][A-Za-z0-9+.\-]*:)?(?://)?(?:[^@/?#\s]*@)?([^/?#:\s]+)"
# The registrable domain: the last two labels, three under a two-letter
# country code with a generic second level (example.co.uk, example.com.br).
_SITE = r"([^.]+\.(?:(?:co|com|org|net|gov|edu|ac|ne|or|go)\.[a-z]{2}|[^.]+))$"

NETWORKS: tuple[tuple[str, str], ...] = (
    ("google", r"(^|\.)google\.(com?\.)?[a-z]{2,3}$|^com\.google\.android\.googlequicksearchbox$"),
    ("bing", r"(^|\.)bing\.com$"),
    ("duckduckgo", r"(^|\.)duckduckgo\.com$"),
    ("yahoo", r"(^|\.)yahoo\.(com?\.)?[a-z]{2,3}$"),
    ("baidu", r"(^|\.)baidu\.com$"),
    ("yandex", r"(^|\.)yandex\.(com?\.)?[a-z]{2,3}$|(^|\.)ya\.ru$"),
    ("ecosia", r"(^|\.)ecosia\.org$"),
    ("qwant", r"(^|\.)qwant\.com$"),
    ("brave", r"^search\.brave\.com$"),
    ("facebook", r"(^|\.)(facebook\.com|fb\.me|fb\.com|messenger\.com)$|^com\.facebook\.\w+$"),
    ("instagram", r"(^|\.)instagram\.com$|^com\.instagram\.android$"),
    ("twitter", r"^t\.co$|(^|\.)(twitter\.com|x\.com)$|^com\.twitter\.android$"),
    ("linkedin", r"(^|\.)(linkedin\.com|lnkd\.in)$|^com\.linkedin\.android$"),
    ("reddit", r"(^|\.)(reddit\.com|redd\.it)$|^com\.reddit\.frontpage$"),
    ("youtube", r"(^|\.)(youtube\.com|youtu\.be)$|^com\.google\.android\.youtube$"),
    ("tiktok", r"(^|\.)tiktok\.com$"),
    ("pinterest", r"(^|\.)pinterest\.(com?\.)?[a-z]{2,3}$|^pin\.it$"),
    ("whatsapp", r"(^|\.)(whatsapp\.com|wa\.me)$"),
    ("telegram", r"^t\.me$|(^|\.)(telegram\.org|telegram\.me)$"),
    ("snapchat", r"(^|\.)snapchat\.com$"),
    ("threads", r"(^|\.)threads\.(net|com)$"),
    ("bluesky", r"(^|\.)(bsky\.app|bsky\.social)$"),
    ("mastodon", r"(^|\.)(mastodon\.[a-z]+|mstdn\.[a-z]+)$"),
    ("discord", r"(^|\.)(discord\.com|discordapp\.com|discord\.gg)$"),
    ("vk", r"(^|\.)(vk\.com|vk\.ru)$"),
    ("tumblr", r"(^|\.)tumblr\.com$"),
)
_NETWORKS = tuple((name, re.compile(pattern)) for name, pattern in NETWORKS)


def network_of(host: str) -> str:
    """The known network a (lowercased, ``www.``-less) host belongs to, else the host."""
    for name, pattern in _NETWORKS:
        if pattern.search(host):
            return name
    return host


def host_expr(column: str) -> pl.Expr:
    """The host of a URL column: lowercased, trailing dot and leading ``www.`` removed."""
    return (
        pl.col(column)
        .str.extract(_HOST, 1)
        .str.to_lowercase()
        .str.strip_suffix(".")
        .str.replace(r"^www\d*\.", "")
    )


def site_expr(host: pl.Expr) -> pl.Expr:
    """The registrable domain of a host expression (the host itself when it has one label)."""
    return pl.coalesce(host.str.extract(_SITE, 1), host)


def _param_expr(column: str, name: str) -> pl.Expr:
    return pl.col(column).str.extract(rf"[?&]{name}=([^&#]*)", 1).alias(name)


class SourceCache:
    """Classifies referrers and page URLs once per distinct value, for a whole run."""

    def __init__(self, max_rows: int = 2_000_000) -> None:
        text = pl.String()
        self._referrers = LookupCache(
            "referrer", {"ref_site": text, "network": text}, _referrer_rows, max_rows
        )
        self._pages = LookupCache(
            "page_url",
            {"page_site": text, "utm_source": text, "utm_medium": text, "utm_campaign": text},
            _page_rows,
            max_rows,
        )

    def sources(self, df: pl.DataFrame) -> pl.DataFrame:
        """``source``, ``utm_source``, ``utm_medium``, ``utm_campaign`` for each row of
        ``df`` (which has ``referrer`` and ``page_url`` columns, possibly null)."""
        parts = pl.concat(
            [self._referrers.answer(df["referrer"]), self._pages.answer(df["page_url"])],
            how="horizontal",
        )
        source = (
            pl.when(pl.col("utm_source").is_not_null())
            .then(pl.col("utm_source"))
            .when(pl.col("network").is_null())
            .then(pl.lit("direct"))
            .when((pl.col("ref_site") == pl.col("page_site")).fill_null(False))
            .then(pl.lit("direct"))
            .otherwise(pl.col("network"))
        )
        return parts.select(source.alias("source"), "utm_source", "utm_medium", "utm_campaign")


def sources(df: pl.DataFrame) -> pl.DataFrame:
    """One-off classification of ``df`` (see :class:`SourceCache`)."""
    frame = df.select(
        pl.col(name).cast(pl.String) if name in df.columns else pl.lit(None, pl.String).alias(name)
        for name in ("referrer", "page_url")
    )
    return SourceCache().sources(frame)


def _referrer_rows(referrers: list[str]) -> list[tuple[str | None, ...]]:
    """(site, network) per referrer; an empty or ``-`` referrer has neither."""
    hosts = pl.DataFrame({"referrer": referrers}, schema={"referrer": pl.String}).select(
        host=host_expr("referrer")
    )
    hosts = hosts.with_columns(
        pl.when(pl.col("host") == "-").then(None).otherwise(pl.col("host")).alias("host")
    ).with_columns(site=site_expr(pl.col("host")))
    return [
        (site, network_of(host) if host else None)
        for host, site in hosts.select("host", "site").iter_rows()
    ]


def _page_rows(pages: list[str]) -> list[tuple[str | None, ...]]:
    """(site, utm_source, utm_medium, utm_campaign) per page URL."""
    frame = pl.DataFrame({"page_url": pages}, schema={"page_url": pl.String}).select(
        site_expr(host_expr("page_url")).alias("site"),
        _param_expr("page_url", "utm_source"),
        _param_expr("page_url", "utm_medium"),
        _param_expr("page_url", "utm_campaign"),
    )
    return [
        (site, _decode(source, lower=True), _decode(medium, lower=True), _decode(campaign))
        for site, source, medium, campaign in frame.iter_rows()
    ]


def _decode(raw: str | None, *, lower: bool = False) -> str | None:
    """Percent-decoded, trimmed, blank → null."""
    if raw is None:
        return None
    text = unquote_plus(raw).strip()
    return (text.lower() if lower else text) or None
