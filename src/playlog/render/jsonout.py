"""JSON: numbers as numbers, instants as ISO 8601 UTC with a ``Z``; indented, or
one object per line (JSON Lines) for a stream.

Floats are rounded to 6 decimal places: parallel aggregation may change the
last bits of a mean from one run to the next, and no metric needs more.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from playlog.query.window import iso_utc

DECIMALS = 6


def plain(value: Any) -> Any:
    """``value`` with datetimes as ISO text and decimals as floats, recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        return round(float(value), DECIMALS)
    return value


def render_json(data: Any) -> str:
    return json.dumps(plain(data), indent=2, ensure_ascii=False) + "\n"


def render_json_line(data: Any) -> str:
    """One object on one line (JSON Lines): a stream of refreshes, one per line."""
    return json.dumps(plain(data), ensure_ascii=False, separators=(",", ":")) + "\n"
