"""User agent classification on real agent strings of every class (SPEC §2)."""

from __future__ import annotations

import pytest

from playlog.enrich.useragent import RULES, classify, classify_many, rules_version

DESKTOP_BROWSERS = {
    "Chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Safari": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Edge": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
}

# (user agent, platform, device_type, is_bot)
CASES = [
    (
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1"
        ),
        "web",
        "mobile",
        False,
    ),
    (
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/119.0.6045.163 Mobile Safari/537.36"
        ),
        "web",
        "mobile",
        False,
    ),
    (
        (
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/16.6 Mobile/15E148 Safari/604.1"
        ),
        "web",
        "tablet",
        False,
    ),
    (
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/119.0.0.0 Safari/537.36"
        ),
        "web",
        "tablet",
        False,
    ),
    ("okhttp/4.12.0", "mobile", "mobile", False),
    (
        "Dalvik/2.1.0 (Linux; U; Android 13; SM-S918B Build/TP1A.220624.014)",
        "mobile",
        "mobile",
        False,
    ),
    ("Radio%20FM/212 CFNetwork/1485 Darwin/23.1.0", "mobile", "mobile", False),
    (
        "AppleCoreMedia/1.0.0.21B101 (iPhone; U; CPU OS 17_1_2 like Mac OS X; en_us)",
        "mobile",
        "mobile",
        False,
    ),
    (
        "AppleCoreMedia/1.0.0.20G75 (iPad; U; CPU OS 16_6 like Mac OS X; en_us)",
        "mobile",
        "tablet",
        False,
    ),
    ("ExoPlayerDemo/2.19.1 (Linux; Android 13) ExoPlayerLib/2.19.1", "mobile", "mobile", False),
    ("Spotify/8.8.96 Android/33 (SM-G991B)", "mobile", "mobile", False),
    ("Spotify/8.8.94 iOS/17.1.2 (iPhone15,2)", "mobile", "mobile", False),
    ("Pocket Casts/7.52 (Android 14; Pixel 8)", "mobile", "mobile", False),
    ("Overcast/3.0 (+http://overcast.fm/; iOS podcast app)", "mobile", "mobile", False),
    ("Stitcher/10.3.2 (iPhone; iOS 16.5)", "mobile", "mobile", False),
    ("VLC/3.0.20 LibVLC/3.0.20", "desktop", "desktop", False),
    (
        "iTunes/12.12.10 (Windows; Microsoft Windows 10 x64) AppleWebKit/7613.2007.1014.14 (dt:2)",
        "desktop",
        "desktop",
        False,
    ),
    ("foobar2000/2.0", "desktop", "desktop", False),
    ("WinampMPEG/5.66, Ultravox/2.1", "desktop", "desktop", False),
    ("NSPlayer/12.00.19041.3636 WMFSDK/12.00.19041.3636", "desktop", "desktop", False),
    ("Lavf/60.16.100", "desktop", "desktop", False),
    ("Linux UPnP/1.0 Sonos/76.2-49090 (ZPS23)", "embedded", "other", False),
    ("Roku/DVP-12.5 (12.5.0.4178-46)", "embedded", "other", False),
    (
        (
            "Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/114.0.5735.90 Safari/537.36 CrKey/1.56.500000 DeviceType/Chromecast"
        ),
        "embedded",
        "other",
        False,
    ),
    (
        (
            "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "76.0.3809.146/6.0 TV Safari/537.36"
        ),
        "embedded",
        "other",
        False,
    ),
    (
        "AlexaMediaPlayer/2.1.4676.0 (Linux;Android 5.1.1) ExoPlayerLib/1.5.9",
        "embedded",
        "other",
        False,
    ),
    (
        (
            "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/13.0 Safari/605.1.15"
        ),
        "embedded",
        "other",
        False,
    ),
    (
        (
            "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7633) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
        ),
        "embedded",
        "other",
        False,
    ),
    (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "unknown",
        "bot",
        True,
    ),
    (
        (
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/119.0.6045.199 Mobile Safari/537.36 "
            "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        ),
        "unknown",
        "bot",
        True,
    ),
    (
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "unknown",
        "bot",
        True,
    ),
    (
        "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
        "unknown",
        "bot",
        True,
    ),
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "unknown", "bot", True),
    (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "unknown",
        "bot",
        True,
    ),
    ("Twitterbot/1.0", "unknown", "bot", True),
    ("WhatsApp/2.23.20.0 A", "unknown", "bot", True),
    ("curl/8.4.0", "unknown", "bot", True),
    ("Wget/1.21.4", "unknown", "bot", True),
    ("python-requests/2.31.0", "unknown", "bot", True),
    ("Go-http-client/2.0", "unknown", "bot", True),
    (
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/120.0.6099.71 Safari/537.36"
        ),
        "unknown",
        "bot",
        True,
    ),
    (
        (
            "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36"
        ),
        "web",
        "mobile",
        False,
    ),
]


@pytest.mark.parametrize("browser", sorted(DESKTOP_BROWSERS))
def test_desktop_browsers_are_web_desktop(browser):
    agent = classify(DESKTOP_BROWSERS[browser])
    assert (agent.platform, agent.device_type, agent.is_bot) == ("web", "desktop", False)
    assert agent.browser == browser


@pytest.mark.parametrize(("ua", "platform", "device_type", "is_bot"), CASES)
def test_agent_classes(ua, platform, device_type, is_bot):
    agent = classify(ua)
    assert (agent.platform, agent.device_type, agent.is_bot) == (platform, device_type, is_bot)


def test_os_and_browser_names():
    iphone = classify(CASES[0][0])
    assert (iphone.os, iphone.browser) == ("iOS", "Mobile Safari")
    assert classify("okhttp/4.12.0").os == "Android"
    assert classify("Pocket Casts/7.52 (Android 14; Pixel 8)").browser == "Pocket Casts"
    assert classify("VLC/3.0.20 LibVLC/3.0.20").browser == "VLC"


@pytest.mark.parametrize("ua", [None, "", "   "])
def test_missing_agent_is_unknown(ua):
    agent = classify(ua)
    assert (agent.platform, agent.device_type, agent.is_bot, agent.os) == (
        "unknown",
        "other",
        False,
        None,
    )


def test_classify_many_keeps_order_and_matches_classify():
    uas = [ua for ua, *_ in CASES]
    assert classify_many(uas) == [classify(ua) for ua in uas]


def test_rules_use_only_portable_syntax():
    import polars as pl

    for rule in RULES:  # Polars (Rust regex) must accept every rule
        pl.Series(["x"]).str.contains(rule.regex)


def test_rules_version_names_every_part():
    versions = rules_version()
    assert versions["playlog_rules"]
    assert versions["user_agents"] != "absent"
    assert versions["ua_parser"] != "absent"
