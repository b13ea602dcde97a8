"""User agent → platform, device type, OS, browser and bot flag.

Contract: ``classify(ua)`` returns an :class:`Agent` for one user-agent string and
``classify_many(uas)`` one per string, in order;
callers parse each *distinct* string once (the :class:`~playlog.enrich.Enricher`
caches the answers). The base is the ``user-agents`` package over the
``ua-parser`` rules (with the compiled ``ua-parser-rs`` resolver when it is
installed); playlog's own ordered rules come first for what those rules do not
know: bots and scripts, embedded players (speakers, TVs, cars, consoles),
desktop players and streaming/podcast app clients.

``platform`` is one of web, mobile, desktop, embedded, unknown and
``device_type`` one of mobile, tablet, desktop, bot, other (SPEC §2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import metadata
from typing import Any

import polars as pl

RULES_VERSION = "2026.11.1"


@dataclass(frozen=True, slots=True)
class Agent:
    platform: str
    device_type: str
    os: str | None
    browser: str | None
    is_bot: bool


@dataclass(frozen=True)
class Rule:
    """One family: the first rule whose pattern matches (case-insensitively) decides.

    Patterns use the syntax common to Python's ``re`` and Rust's ``regex`` (no
    look-around): Polars matches them over a column of distinct agents.
    """

    family: str | None  # None: the matched text names the family
    pattern: str
    platform: str
    device_type: str  # "auto": tablet when the agent names a tablet, else mobile
    os: str | None = None
    exclude: str | None = None  # agents matching this are not of the family

    @property
    def regex(self) -> str:
        return "(?i)" + self.pattern

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.regex)


def _rule(
    family: str | None,
    pattern: str,
    platform: str,
    device_type: str,
    os: str | None = None,
    exclude: str | None = None,
) -> Rule:
    return Rule(family, pattern, platform, device_type, os, exclude)


BOT, EMBEDDED, DESKTOP, MOBILE = "bot", "embedded", "desktop", "mobile"

# Ordered: bots first (headless browsers carry a browser token), then embedded
# players (smart TVs and Chromecast carry one too), desktop players, then apps.
RULES: tuple[Rule, ...] = (
    _rule("HeadlessChrome", r"HeadlessChrome", "unknown", BOT),
    _rule("PhantomJS", r"PhantomJS|Puppeteer|Playwright|Selenium|Lighthouse", "unknown", BOT),
    _rule("curl", r"^curl/", "unknown", BOT),
    _rule("Wget", r"^Wget/", "unknown", BOT),
    _rule(
        "python-requests", r"python-requests|python-urllib|aiohttp|httpx|^Python/", "unknown", BOT
    ),
    _rule("Go-http-client", r"Go-http-client", "unknown", BOT),
    _rule("Java", r"^Java/|Apache-HttpClient", "unknown", BOT),
    _rule(
        None,
        r"libwww-perl|Scrapy|node-fetch|axios/|^http\.rb|HTTPie|PostmanRuntime",
        "unknown",
        BOT,
    ),
    _rule(
        "UptimeRobot",
        r"UptimeRobot|Pingdom|StatusCake|Site24x7|Better Uptime|Uptime-Kuma|\bmonitoring\b",
        "unknown",
        BOT,
    ),
    _rule(
        None,
        r"facebookexternalhit|Facebot|Slackbot|Slack-ImgProxy|Twitterbot|Discordbot|"
        r"WhatsApp/|TelegramBot|LinkedInBot|Embedly|SkypeUriPreview|redditbot|Iframely",
        "unknown",
        BOT,
    ),
    _rule(
        None,
        r"bot\b|crawler|crawling|spider|scraper|slurp|archiver|feedfetcher",
        "unknown",
        BOT,
        exclude=r"\bcubot\b",  # a phone brand
    ),
    _rule("Sonos", r"Sonos", EMBEDDED, "other"),
    _rule("Roku", r"Roku", EMBEDDED, "other", "Roku"),
    _rule("Chromecast", r"CrKey|Chromecast|Google-Cast|GoogleCast", EMBEDDED, "other"),
    _rule(
        None,
        r"SMART-TV|SmartTV|Tizen|Web0S|webOS|NetCast|BRAVIA|HbbTV|(?-i:AFT[A-Z]{1,4}\b)|"
        r"Android TV|GoogleTV|Philips|Hisense|VIDAA",
        EMBEDDED,
        "other",
    ),
    _rule("Apple TV", r"AppleTV|tvOS|Apple TV", EMBEDDED, "other", "tvOS"),
    _rule("Alexa", r"Alexa|\bEcho\b|Kindle-?Speaker", EMBEDDED, "other"),
    _rule("Google Home", r"Google-?Home|Nest ?(Audio|Hub|Mini)", EMBEDDED, "other"),
    _rule("Car", r"Android ?Auto|CarPlay|Automotive|Tesla|QtCarBrowser", EMBEDDED, "other"),
    _rule("PlayStation", r"PlayStation", EMBEDDED, "other"),
    _rule("Xbox", r"Xbox", EMBEDDED, "other"),
    _rule("Nintendo", r"Nintendo", EMBEDDED, "other"),
    _rule("VLC", r"VLC|LibVLC", DESKTOP, "desktop"),
    _rule("iTunes", r"iTunes/|^Music/|AppleMusic/.*Macintosh", DESKTOP, "desktop"),
    _rule("foobar2000", r"foobar2000", DESKTOP, "desktop", "Windows"),
    _rule("Winamp", r"Winamp", DESKTOP, "desktop", "Windows"),
    _rule(
        "Windows Media Player",
        r"NSPlayer|Windows-Media-Player|WMPlayer|WMFSDK",
        DESKTOP,
        "desktop",
        "Windows",
    ),
    _rule("Lavf", r"Lavf|ffmpeg|ffplay|libav", DESKTOP, "desktop"),
    _rule("mpv", r"^mpv|MPlayer|mplayer2", DESKTOP, "desktop"),
    _rule(
        None,
        r"Clementine|Rhythmbox|Strawberry|Audacious|Amarok|Quod ?Libet|"
        r"GStreamer|gvfs|Lollypop",
        DESKTOP,
        "desktop",
        "Linux",
    ),
    _rule("Spotify desktop", r"Spotify/\S+ (Win32|OSX|Linux)", DESKTOP, "desktop"),
    _rule("ExoPlayer", r"ExoPlayer|ExoPlayerLib|Media3", MOBILE, "auto", "Android"),
    _rule("okhttp", r"^okhttp", MOBILE, "auto", "Android"),
    _rule("Dalvik", r"^Dalvik/", MOBILE, "auto", "Android"),
    _rule(
        "stagefright",
        r"stagefright|AndroidMediaPlayer|Android Media Player",
        MOBILE,
        "auto",
        "Android",
    ),
    _rule("AppleCoreMedia", r"AppleCoreMedia", MOBILE, "auto", "iOS"),
    _rule("Apple Podcasts", r"^Podcasts/|iTMS|itunesstored", MOBILE, "auto", "iOS"),
    _rule("Spotify", r"Spotify", MOBILE, "auto"),
    _rule(
        None,
        r"Stitcher|Pocket ?Casts|Overcast|Castro|Castbox|Podcast ?Addict|"
        r"PodcastAddict|AntennaPod|Podbean|Podkicker|Player FM|PlayerFM|Breaker|Downcast|"
        r"Podcast Republic|Google-Podcast|GoogleChirp",
        MOBILE,
        "auto",
    ),
    _rule(
        None,
        r"Deezer|SoundCloud|Pandora|iHeartRadio|TuneIn|Tidal|Audible|Anghami|"
        r"JioSaavn|Gaana|Napster|Qobuz|Amazon ?Music|YouTubeMusic|com\.google\.android\.youtube",
        MOBILE,
        "auto",
    ),
    _rule("CFNetwork", r"CFNetwork", MOBILE, "auto", "iOS"),
)

_TABLET = re.compile(r"iPad|Tablet|\bTab\b|SM-T\d|Kindle|Silk/|Nexus (7|9|10)", re.IGNORECASE)


def classify(ua: str | None) -> Agent:
    """The class of one user-agent string (null or blank: unknown/other)."""
    return classify_many([ua])[0]


def classify_many(uas: Sequence[str | None]) -> list[Agent]:
    """The class of each agent, in order; callers pass distinct values.

    playlog's rules are matched by Polars over the whole list at once; only
    ua-parser runs once per agent.
    """
    series = pl.Series("user_agent", list(uas), dtype=pl.String)
    first_rule = rule_index(series).to_list()
    return [_classify_one(ua, index) for ua, index in zip(series.to_list(), first_rule)]


def rule_index(uas: pl.Series) -> pl.Series:
    """The index in :data:`RULES` of the first rule each agent matches, else null."""
    ua = pl.col(uas.name)
    chain: Any = pl
    for index, rule in enumerate(RULES):
        matches = ua.str.contains(rule.regex)
        if rule.exclude:
            matches = matches & ~ua.str.contains("(?i)" + rule.exclude)
        chain = chain.when(matches).then(pl.lit(index, pl.Int32))
    return uas.to_frame().select(chain.otherwise(None).alias("rule")).to_series()


def _classify_one(ua: str | None, index: int | None) -> Agent:
    if ua is None or not ua.strip():
        return Agent("unknown", "other", None, None, False)
    parsed = _parse(ua)
    if index is None:
        return _from_parser(parsed)
    rule = RULES[index]
    family = rule.family or _matched(rule, ua)
    return _from_rule(rule, family, ua, parsed)


def _matched(rule: Rule, ua: str) -> str:
    match = rule.compiled.search(ua)
    return match.group(0) if match else rule.pattern


def _from_rule(rule: Rule, family: str, ua: str, parsed) -> Agent:
    os_name = _os_name(parsed) or rule.os
    if rule.device_type == BOT:
        return Agent(rule.platform, BOT, os_name, _browser_name(parsed) or family, True)
    device = rule.device_type
    if device == "auto":
        device = "tablet" if _TABLET.search(ua) else "mobile"
    return Agent(rule.platform, device, os_name, family, False)


def _from_parser(parsed) -> Agent:
    os_name, browser = _os_name(parsed), _browser_name(parsed)
    if parsed.is_bot:
        return Agent("unknown", BOT, os_name, browser, True)
    if parsed.is_tablet:
        return Agent("web", "tablet", os_name, browser, False)
    if parsed.is_mobile:
        return Agent("web", "mobile", os_name, browser, False)
    if parsed.is_pc:
        return Agent("web", "desktop", os_name, browser, False)
    if browser is not None:
        return Agent("web", "other", os_name, browser, False)
    return Agent("unknown", "other", os_name, None, False)


def _os_name(parsed) -> str | None:
    family = parsed.os.family
    return None if family in (None, "Other") else family


def _browser_name(parsed) -> str | None:
    family = parsed.browser.family
    return None if family in (None, "Other") else family


def _parse(ua: str):
    """A ``user_agents.UserAgent`` built from the fastest available ua-parser resolver.

    ``user_agents.parse`` goes through ua-parser's pure-Python legacy API (about
    1 ms an agent); the same answer comes from ``ua_parser.parse`` in about 25 µs
    when the compiled resolver is installed.
    """
    from user_agents.parsers import (
        UserAgent,
        parse_browser,
        parse_device,
        parse_operating_system,
    )

    result = _parser().parse(ua).with_defaults()
    agent = UserAgent.__new__(UserAgent)
    agent.ua_string = ua
    browser, os_, device = result.user_agent, result.os, result.device
    agent.browser = parse_browser(
        browser.family, browser.major, browser.minor, browser.patch, browser.patch_minor
    )
    agent.os = parse_operating_system(os_.family, os_.major, os_.minor, os_.patch, os_.patch_minor)
    agent.device = parse_device(device.family, device.brand, device.model)
    return agent


@lru_cache(maxsize=1)
def _parser():
    import ua_parser

    return ua_parser.parser


def rules_version() -> dict[str, str]:
    """Versions of everything that decides a classification, for ``playlog doctor``."""
    return {
        "playlog_rules": RULES_VERSION,
        "user_agents": _version("user-agents"),
        "ua_parser": _version("ua-parser"),
        "ua_parser_regexes": _version("ua-parser-builtins"),
        "resolver": "ua-parser-rs" if _version("ua-parser-rs") != "absent" else "python re",
    }


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"
