"""IP anonymisation prefixes (IPv4 /24, IPv6 /48)."""

from __future__ import annotations

import polars as pl
import pytest

from playlog.enrich.privacy import anonymize_ip, anonymize_ip_expr

CASES = [
    ("203.0.113.57", "203.0.113.0"),
    ("8.8.8.8", "8.8.8.0"),
    (" 10.1.2.3 ", "10.1.2.0"),
    ("2001:db8:1:2::5", "2001:db8:1::"),
    ("2a00:1450:4001:80b::200e", "2a00:1450:4001::"),
    ("2001:0db8:abcd:0012:0000:0000:0000:0001", "2001:db8:abcd::"),
    ("::ffff:192.0.2.128", "192.0.2.0"),
    ("256.1.1.1", None),
    ("not an ip", None),
    ("", None),
    (None, None),
]


def test_expression_cuts_prefixes():
    frame = pl.DataFrame({"client_ip": [ip for ip, _ in CASES]}, schema={"client_ip": pl.String})
    out = frame.with_columns(anonymize_ip_expr("client_ip"))
    assert out["client_ip"].to_list() == [expected for _, expected in CASES]


def test_expression_works_lazily_and_keeps_other_columns():
    lazy = pl.LazyFrame({"client_ip": ["198.51.100.7", "2001:db8::1"], "n": [1, 2]})
    out = lazy.with_columns(anonymize_ip_expr("client_ip")).collect()
    assert out.rows() == [("198.51.100.0", 1), ("2001:db8::", 2)]


@pytest.mark.parametrize(("ip", "expected"), CASES)
def test_single_address(ip, expected):
    assert anonymize_ip(ip) == expected
