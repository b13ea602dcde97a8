"""Amazon CloudFront standard access logs: W3C fields, tab-separated.

A file (usually gzip-compressed) starts with ``#Version: 1.0`` and ``#Fields:
date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem
sc-status cs(Referer) cs(User-Agent) …``; times are UTC, ``time-taken`` is in
seconds, the user agent and the query are %-encoded. The virtual host is the
``x-host-header`` the viewer sent (the site's own name), else ``cs(Host)`` (the
distribution's domain). Read by the W3C machinery (parse/formats/w3c.py).
"""

from __future__ import annotations

from playlog.parse.formats.w3c import IIS_FIELDS, Dialect, FieldsParser, sniffer
from playlog.parse.registry import Format, register

FIELDS = {
    **IIS_FIELDS,
    "x-host-header": "vhost", "cs-protocol-version": "protocol",
}

CLOUDFRONT = Dialect(
    "cloudfront", FIELDS, separator="\t", time_taken_ms=1000.0, plus_is_space=False,
    percent_encoded=("user_agent", "referrer"),
    preferred={"vhost": ("x-host-header", "cs(host)")},
)

register(Format(
    name="cloudfront",
    summary="Amazon CloudFront standard logs (W3C fields, tab-separated)",
    sample="#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) "
           "cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) "
           "x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken "
           "x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
           "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
           "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start "
           "sc-range-end\n"
           "2026-11-20\t17:04:05\tCDG50-C1\t5120\t203.0.113.7\tGET\td111111abcdef8.cloudfront.net"
           "\t/e/ev003\t200\thttps://www.google.com/\tMozilla/5.0%20(X11;%20Linux%20x86_64)"
           "\tutm_source=newsletter\t-\tMiss\tabc123==\tevents.example.com\thttps\t412\t0.031"
           "\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t50412\t0.030\tMiss"
           "\ttext/html\t5120\t-\t-",
    sniff=sniffer(CLOUDFRONT, lambda names: "x-edge-location" in names),
    open=lambda context, state: FieldsParser(CLOUDFRONT, context, state),
    specificity=30,
))
