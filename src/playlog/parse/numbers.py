"""SQL for numbers that formats read from text: durations and Unix times.

A number beyond these bounds is no real duration or time (NaN, 1e22, a 40-digit
"timestamp" …): it becomes NULL, so that its record is rejected or its value
unknown, never a conversion error that would stop the run.
"""

from __future__ import annotations

LONGEST_MS = 10**15  # some 31,000 years
LATEST_EPOCH_S = 100_000_000_000  # seconds: the year 5138


def milliseconds_sql(number: str, scale: int = 1) -> str:
    """SQL: a duration written as a number (text), times `scale`, in whole milliseconds;
    NULL when it is not a number or not a real duration."""
    value = f"TRY_CAST({number} AS DOUBLE)" + (f" * {scale}" if scale != 1 else "")
    return f"TRY_CAST(round({_within(value, LONGEST_MS)}) AS BIGINT)"


def epoch_sql(seconds: str) -> str:
    """SQL: a Unix time in seconds (a number, or its text) as a TIMESTAMPTZ; NULL when it
    is not a number or not a real time."""
    return f"to_timestamp({_within(f'TRY_CAST({seconds} AS DOUBLE)', LATEST_EPOCH_S)})"


def epoch_micros_sql(seconds: str) -> str:
    """SQL: a Unix time in seconds (a number, or its text) in whole microseconds, for
    ``make_timestamp``; NULL when it is not a number or not a real time."""
    value = f"TRY_CAST({seconds} AS DOUBLE)"
    return f"TRY_CAST({_within(value, LATEST_EPOCH_S)} * 1000000 AS BIGINT)"


def _within(value: str, bound: int) -> str:
    """SQL: `value`, NULL unless its magnitude is below `bound` (NaN is not)."""
    return f"CASE WHEN abs({value}) < {bound} THEN {value} END"
