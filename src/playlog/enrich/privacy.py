"""IP anonymisation: keep only the network prefix of an address.

Contract: :func:`anonymize_ip_expr` is a Polars expression turning an IP column
into its prefix: IPv4 → the /24 (``203.0.113.57`` → ``203.0.113.0``), IPv6 →
the /48 (``2001:db8:1:2::5`` → ``2001:db8:1::``), an IPv4-mapped IPv6 address →
the /24 of its IPv4 address. Text that is not an IP address becomes null, so
nothing unparsed is kept. Null stays null.

Ordering is the caller's job: the GeoIP lookup and the anonymous listener key
(docs/metrics.md) must use the full address, so ``ingest --anonymize-ip``
enriches first and anonymises the ``client_ip`` column just before storing;
retention (``cleanup``) applies the same expression to stored rows.

:func:`anonymize_ips_in_text_expr` does the same inside free text (the raw
lines of the quarantine): every IPv4 address and every valid IPv6 address in
it is replaced by its prefix; the rest of the text is kept.
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


_IPV4_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4_IN_TEXT = rf"\b({_IPV4_OCTET}\.{_IPV4_OCTET}\.{_IPV4_OCTET})\.{_IPV4_OCTET}\b"
# Candidates only (times like 10:00:00 match too): each is checked by ipaddress.
_IPV6_CANDIDATE = r"(?i)(?:[0-9a-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{1,4})?"


def anonymize_ips_in_text_expr(col: str) -> pl.Expr:
    """``col`` (text) with every IP address in it cut to its prefix."""
    v4 = pl.col(col).str.replace_all(_IPV4_IN_TEXT, "${1}.0")
    return v4.map_batches(_anonymize_ipv6_in_text, return_dtype=pl.String).alias(col)


def anonymize_ips_in_bytes_expr(col: str) -> pl.Expr:
    """``col`` (bytes: a line that is not UTF-8, kept byte for byte) with every IP address
    in it cut to its prefix; the other bytes stay as they were."""
    return pl.col(col).map_batches(_anonymize_ips_in_bytes, return_dtype=pl.Binary).alias(col)


def _anonymize_ips_in_bytes(values: pl.Series) -> pl.Series:
    # Latin-1 maps each byte to one character and back, so the text rule applies as is;
    # only the lines that are not text have bytes here (few), the others are null.
    texts = pl.Series([None if v is None else v.decode("latin-1") for v in values.to_list()],
                      dtype=pl.String)
    cut = pl.DataFrame({"t": texts}).select(anonymize_ips_in_text_expr("t"))["t"]
    return pl.Series([None if t is None else t.encode("latin-1") for t in cut.to_list()],
                     dtype=pl.Binary)


def _anonymize_ipv6_in_text(values: pl.Series) -> pl.Series:
    """Each valid IPv6 address found in the texts, replaced by its /48 (an address is
    looked up once however often it occurs)."""
    found = values.str.extract_all(_IPV6_CANDIDATE).explode().drop_nulls().unique()
    mapping = {}
    for text in found.to_list():
        if text.count(":") < 2:
            continue
        prefix = anonymize_ip(text)
        if prefix is not None and prefix != text:
            mapping[text] = prefix
    if not mapping:
        return values
    # longest first, so that an address is not cut inside a longer one
    olds = sorted(mapping, key=len, reverse=True)
    return values.str.replace_many(olds, [mapping[o] for o in olds])
