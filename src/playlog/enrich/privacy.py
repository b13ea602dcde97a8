"""IP anonymisation: keep only the network prefix of an address.

Contract: :func:`anonymize_ip_expr` is a Polars expression turning an IP column
into its prefix: IPv4 → the /24 (``203.0.113.57`` → ``203.0.113.0``), IPv6 →
the /48 (``2001:db8:1:2::5`` → ``2001:db8:1::``), an IPv4-mapped IPv6 address →
the /24 of its IPv4 address. Text that is not an IP address becomes null, so
nothing unparsed is kept. Null stays null.

Ordering is the caller's job: the GeoIP lookup and the anonymous listener key
(SPEC §2) must use the full address, so ``ingest --anonymize-ip`` enriches
first and anonymises the ``client_ip`` column just before storing; retention
(``cleanup``) applies the same expression to stored rows.
"""

from __future__ import annotations

import ipaddress

import polars as pl

IPV4_PREFIX = 24
IPV6_PREFIX = 48

_IPV4_OCTETS = r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"


def anonymize_ip_expr(col: str) -> pl.Expr:
    """``col`` with every address cut to its /24 (IPv4) or /48 (IPv6) network address."""
    ip = pl.col(col).str.strip_chars()
    ipv4 = ip.str.replace(r"^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$", "${1}.0")
    return (
        pl.when(ip.str.contains(_IPV4_OCTETS))
        .then(ipv4)
        .when(ip.str.contains(":"))
        .then(ip.map_batches(_anonymize_ipv6, return_dtype=pl.String))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias(col)
    )


def anonymize_ip(text: str | None) -> str | None:
    """One address cut to its prefix (the rule of :func:`anonymize_ip_expr`)."""
    if text is None:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def _anonymize_ipv6(values: pl.Series) -> pl.Series:
    """IPv6 goes through :mod:`ipaddress` (``::`` expansion), once per distinct value."""
    distinct = values.drop_nulls().unique()
    mapping = {value: anonymize_ip(value) for value in distinct.to_list() if ":" in value}
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)
