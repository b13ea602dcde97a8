"""SHOUTcast 2 (DNAS) W3C logs (docs/formats.md#shoutcast): one line per listener.

``sc_w3c.log`` is a W3C extended log (parse.formats.w3c) whose ``#Fields:``
header is ``c-ip c-dns date time cs-uri-stem c-status cs(User-Agent) sc-bytes
x-duration avgbandwidth``: the DNAS writes a line when a listener
disconnects, ``x-duration`` being the seconds it stayed connected (kept as the
request's ``request_time_ms``). ``cs-uri-stem`` is the stream's path with the
title then playing (``/stream?title=…``): the path is the mount. Every line is
a request of the ``requests`` dataset, and its listeners (status 200) become
listening sessions (listening.py), as Icecast's do.
"""

from __future__ import annotations

from playlog.parse.formats.w3c import Dialect, FieldsParser, sniffer
from playlog.parse.registry import Format, register

SHOUTCAST_FIELDS = {
    "c-ip": "client_ip", "cs-uri-stem": "uri", "c-status": "status",
    "cs(user-agent)": "user_agent", "sc-bytes": "bytes", "x-duration": "request_time",
    "cs(referer)": "referrer",
}
SHOUTCAST = Dialect("shoutcast", SHOUTCAST_FIELDS, time_taken_ms=1000.0, plus_is_space=False,
                    percent_encoded=("user_agent",))

register(Format(
    name="shoutcast",
    summary="SHOUTcast 2 DNAS W3C listener log (sc_w3c.log, with x-duration)",
    sample="#Fields: c-ip c-dns date time cs-uri-stem c-status cs(User-Agent) sc-bytes "
           "x-duration avgbandwidth\n"
           "198.51.100.23 198.51.100.23 2026-11-20 17:19:26 /stream?title=Harbour%20Lights 200 "
           "WinampMPEG%2F5.66 14745600 921 16010",
    sniff=sniffer(SHOUTCAST, lambda names: "x-duration" in names and "c-status" in names),
    open=lambda context, state: FieldsParser(SHOUTCAST, context, state),
    specificity=30,  # a W3C log: more specific than w3c, whose lines it also matches
))
