"""Time zone names as people type them.

``canonical_zone`` accepts an IANA zone name in any letter case
(``europe/paris`` → ``Europe/Paris``, ``utc`` → ``UTC``) and raises a
UsageError naming where the name came from (``--tz``, ``PLAYLOG_TZ``, a config
file key) with the closest known names as a hint. The list of zones is read
only when the name is not found as typed, so the common case costs one lookup.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from playlog.errors import UsageError


def canonical_zone(name: str, source: str = "--tz") -> str:
    """The IANA spelling of zone ``name``; a UsageError naming ``source`` when unknown."""
    text = name.strip()
    if _loads(text):
        return text
    found = _by_lower().get(text.lower())
    if found is None:
        raise UsageError(source, f"unknown time zone '{name}'", hint=_hint(text))
    return found


def _loads(name: str) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@lru_cache(maxsize=1)
def _by_lower() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


def _hint(name: str) -> str:
    names = _by_lower()
    wanted = name.lower().replace(" ", "_")
    cities = [z for z in names if z.rsplit("/", 1)[-1] == wanted]  # "paris" → Europe/Paris
    close = cities or difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
    if close:
        return "did you mean " + ", ".join(names[c] for c in close) + "?"
    return "use an IANA name such as UTC, Europe/Paris or America/New_York"
