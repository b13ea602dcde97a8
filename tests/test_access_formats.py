"""Every web-server log format: detected from its lines and read field by field."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
from logs import read, run
from weblogs import BOT, PHONE, UA, combined, requests, write


def utc(*args: int, ms: int = 0) -> datetime:
    return datetime(*args, ms * 1000, tzinfo=UTC)


def one(tmp_path, name: str, lines: list[str], **kw) -> tuple[dict, object]:
    log = write(tmp_path / name, lines, **kw)
    summary = run(log, tmp_path / "d")
    rows = requests(tmp_path / "d")
    return rows.row(0, named=True), summary


def test_combined_fields_and_offsets(tmp_path):
    lines = [
        '203.0.113.7 - alice [20/Nov/2026:18:04:05 +0100] "GET /e/ev003?utm_source=x&a=1 '
        'HTTP/1.1" 200 5120 "https://www.google.com/" "' + UA + '"',
        '2001:db8::7 - - [20/Nov/2026:12:04:05 -0530] "POST /api/x HTTP/2.0" 204 - "-" "-"',
    ]
    row, summary = one(tmp_path, "access.log", lines)
    assert summary.formats == {str(tmp_path / "access.log"): "combined"}
    assert row["ts"] == utc(2026, 11, 20, 17, 4, 5)
    assert (row["client_ip"], row["remote_user"], row["method"], row["path"], row["query"],
            row["protocol"], row["status"], row["bytes"]) == (
        "203.0.113.7", "alice", "GET", "/e/ev003", "utm_source=x&a=1", "HTTP/1.1", 200, 5120)
    assert row["referrer"] == "https://www.google.com/" and row["user_agent"] == UA
    assert row["format"] == "combined" and row["is_static"] is False
    assert row["vhost"] is None and row["request_time_ms"] is None
    second = requests(tmp_path / "d").row(1, named=True)
    assert second["ts"] == utc(2026, 11, 20, 17, 34, 5)  # -05:30 to UTC
    assert (second["client_ip"], second["bytes"], second["referrer"], second["user_agent"]) == (
        "2001:db8::7", None, None, None)


def test_escaped_quotes_and_requests_that_are_not_http(tmp_path):
    lines = [
        combined(agent='Mozilla/5.0 \\"quoted\\" (X11)', request='GET /a\\"b HTTP/1.1'),
        combined(request="-", status=400, size=0, agent="-"),
        combined(request="\\x16\\x03\\x01\\x00\\xCA", status=400, size=157),
        combined(request="GET /old", status=200),  # HTTP/0.9: no protocol
        combined(request="GET http://example.net:8080/proxy.php?x=1 HTTP/1.1", status=404),
    ]
    write(tmp_path / "access.log", lines)
    run(tmp_path / "access.log", tmp_path / "d")
    rows = requests(tmp_path / "d").sort("record_id")
    by_path = {r["path"]: r for r in rows.iter_rows(named=True)}
    assert by_path['/a"b']["user_agent"] == 'Mozilla/5.0 "quoted" (X11)'
    assert by_path["-"]["method"] is None and by_path["-"]["status"] == 400
    assert by_path["\\x16\\x03\\x01\\x00\\xCA"]["method"] is None
    assert by_path["/old"]["method"] == "GET" and by_path["/old"]["protocol"] is None
    proxied = by_path["/proxy.php"]
    assert (proxied["vhost"], proxied["query"]) == ("example.net", "x=1")
    assert rows.height == 5


def test_common_vcombined_and_common_vhost(tmp_path):
    cases = {
        "common": '203.0.113.7 - bob [20/Nov/2026:18:04:05 +0000] "GET /x HTTP/1.0" 200 99',
        "vcombined": 'Events.Example.com:443 203.0.113.7 - - [20/Nov/2026:18:04:05 +0000] '
                     '"GET /x HTTP/1.1" 200 99 "-" "' + UA + '"',
        "common_vhost": 'events.example.com 203.0.113.7 - - [20/Nov/2026:18:04:05 +0000] '
                        '"GET /x HTTP/1.1" 200 99',
    }
    for name, line in cases.items():
        row, summary = one(tmp_path / name, "access.log", [line, line])
        assert summary.formats == {str(tmp_path / name / "access.log"): name}
        assert (row["path"], row["status"], row["bytes"], row["client_ip"]) == (
            "/x", 200, 99, "203.0.113.7")
        assert row["vhost"] == (None if name == "common" else "events.example.com")


W3C_HEADER = ["#Software: Microsoft Internet Information Services 10.0", "#Version: 1.0",
              "#Date: 2026-11-20 00:00:00"]
FIELDS_1 = ("#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username "
            "c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken")
FIELDS_2 = ("#Fields: date time cs-method cs-uri-stem c-ip cs-host sc-status sc-bytes "
            "time-taken cs(User-Agent)")


def test_w3c_reads_each_line_through_the_header_before_it(tmp_path):
    lines = [*W3C_HEADER, FIELDS_1,
             ("2026-11-20 10:00:01 10.0.0.4 GET /e/ev003 utm_source=mail 443 - 203.0.113.7 "
              "Mozilla/5.0+(Windows+NT+10.0) https://www.bing.com/ 200 0 0 31"),
             "2026-11-20 10:00:02 10.0.0.4 GET /only-three-fields 443",
             "#Date: 2026-11-20 11:00:00", FIELDS_2,
             "2026-11-20 11:00:03 GET /app.css 198.51.100.9 events.example.com 304 0 2 curl/8.5.0"]
    log = write(tmp_path / "u_ex261120.log", lines)
    summary = run(log, tmp_path / "d")
    assert summary.formats == {str(log): "w3c"}
    rows = requests(tmp_path / "d")
    assert rows.height == 2 and summary.quarantined == 1
    first, second = rows.row(0, named=True), rows.row(1, named=True)
    assert first["ts"] == utc(2026, 11, 20, 10, 0, 1)
    assert (first["path"], first["query"], first["client_ip"], first["user_agent"],
            first["referrer"], first["status"], first["request_time_ms"], first["bytes"]) == (
        "/e/ev003", "utm_source=mail", "203.0.113.7", "Mozilla/5.0 (Windows NT 10.0)",
        "https://www.bing.com/", 200, 31.0, None)
    assert (second["path"], second["vhost"], second["status"], second["bytes"],
            second["is_static"]) == ("/app.css", "events.example.com", 304, 0, True)
    reason = read(tmp_path / "d", "quarantine")["reason"].item()
    assert reason == "not a w3c line"


def test_w3c_header_survives_a_run_boundary(tmp_path):
    """A later run reading only the new lines reads them through the header it kept."""
    log = write(tmp_path / "u_ex261120.log", [*W3C_HEADER, FIELDS_2,
                "2026-11-20 11:00:03 GET /a 198.51.100.9 h 200 10 2 curl/8.5.0"])
    data = tmp_path / "d"
    run(log, data)
    write(log, ["2026-11-20 11:00:04 GET /b 198.51.100.9 h 200 20 2 curl/8.5.0"], mode="a")
    again = run(log, data)
    assert again.records == 1 and again.quarantined == 0
    assert requests(data)["path"].to_list() == ["/a", "/b"]


def test_two_iis_files_with_the_same_first_lines_are_two_files(tmp_path):
    a = write(tmp_path / "a" / "u_ex261120.log", [*W3C_HEADER[:2], FIELDS_2,
              "2026-11-20 11:00:03 GET /a 198.51.100.9 h 200 10 2 curl/8.5.0"])
    b = write(tmp_path / "b" / "u_ex261120.log", [*W3C_HEADER[:2], FIELDS_2,
              "2026-11-20 12:00:03 GET /b 198.51.100.9 h 200 10 2 curl/8.5.0"])
    run([a, b], tmp_path / "d")
    assert sorted(requests(tmp_path / "d")["path"]) == ["/a", "/b"]


CLOUDFRONT = [
    "#Version: 1.0",
    ("#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
     "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
     "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
     "x-edge-response-result-type cs-protocol-version"),
    "\t".join(["2026-11-20", "17:04:05", "CDG50-C1", "5120", "2001:db8::5", "GET",
               "d111.cloudfront.net", "/e/ev003", "200", "https://www.google.com/",
               "Mozilla/5.0%20(X11;%20Linux%20x86_64)", "utm_source=x", "-", "Miss", "abc==",
               "events.example.com", "https", "412", "0.031", "-", "TLSv1.3", "TLS_AES", "Miss",
               "HTTP/2.0"]),
]


def test_cloudfront_gzip(tmp_path):
    row, summary = one(tmp_path, "E2EXAMPLE.2026-11-20-17.a1b2c3d4.gz", CLOUDFRONT, gz=True)
    assert list(summary.formats.values()) == ["cloudfront"]
    assert row["ts"] == utc(2026, 11, 20, 17, 4, 5)
    assert (row["client_ip"], row["vhost"], row["path"], row["query"], row["status"],
            row["bytes"], row["user_agent"], row["request_time_ms"], row["protocol"]) == (
        "2001:db8::5", "events.example.com", "/e/ev003", "utm_source=x", 200, 5120,
        "Mozilla/5.0 (X11; Linux x86_64)", 31.0, "HTTP/2.0")


def test_elb_classic_and_alb(tmp_path):
    classic = ('2026-11-20T17:04:05.123456Z my-lb 203.0.113.7:51234 10.0.0.4:80 0.000043 '
               '0.001 0.00002 200 200 0 5120 "GET https://events.example.com:443/e/ev003?x=1 '
               'HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2')
    alb = ('h2 2026-11-20T17:04:06.5Z app/lb/50dc 2001:db8::9:40000 - -1 -1 -1 503 - 412 0 '
           '"GET https://events.example.com:443/ HTTP/2.0" "' + UA + '" TLS_AES TLSv1.3 '
           'arn:aws:x "Root=1-5" "events.example.com" "-" 0 2026-11-20T17:04:06.4Z "forward" '
           '"-" "-" "-" "-" "-" "-" TID_1')
    write(tmp_path / "lb.log", [classic, alb])
    summary = run(tmp_path / "lb.log", tmp_path / "d")
    assert list(summary.formats.values()) == ["elb"] and summary.quarantined == 0
    first, second = requests(tmp_path / "d").iter_rows(named=True)
    assert first["ts"] == utc(2026, 11, 20, 17, 4, 5, ms=123)
    assert (first["client_ip"], first["vhost"], first["path"], first["query"], first["status"],
            first["bytes"], first["request_time_ms"]) == (
        "203.0.113.7", "events.example.com", "/e/ev003", "x=1", 200, 5120,
        pytest.approx(1.063))
    assert (second["client_ip"], second["status"], second["request_time_ms"],
            second["user_agent"], second["path"]) == ("2001:db8::9", 503, None, UA, "/")


def test_caddy(tmp_path):
    entry = {"level": "info", "ts": 1795194245.52, "logger": "http.log.access",
             "msg": "handled request", "request": {
                 "remote_ip": "10.0.0.1", "client_ip": "203.0.113.7", "proto": "HTTP/2.0",
                 "method": "GET", "host": "events.example.com", "uri": "/e/ev003?utm_source=x",
                 "headers": {"User-Agent": [PHONE], "Referer": ["https://t.co/x"]}},
             "user_id": "", "duration": 0.0125, "size": 5120, "status": 200}
    row, summary = one(tmp_path, "caddy.log", [json.dumps(entry)])
    assert list(summary.formats.values()) == ["caddy"]
    assert row["ts"] == utc(2026, 11, 20, 17, 4, 5, ms=520)
    assert (row["client_ip"], row["vhost"], row["path"], row["query"], row["protocol"],
            row["status"], row["bytes"], row["user_agent"], row["referrer"],
            row["request_time_ms"], row["remote_user"]) == (
        "203.0.113.7", "events.example.com", "/e/ev003", "utm_source=x", "HTTP/2.0", 200, 5120,
        PHONE, "https://t.co/x", pytest.approx(12.5), None)


def test_traefik(tmp_path):
    entry = {"ClientAddr": "203.0.113.7:51234", "ClientHost": "203.0.113.7",
             "ClientUsername": "-", "DownstreamContentSize": 5120, "DownstreamStatus": 404,
             "Duration": 31_000_000, "RequestHost": "events.example.com", "RequestMethod": "GET",
             "RequestPath": "/missing.png", "RequestProtocol": "HTTP/1.1",
             "StartUTC": "2026-11-20T17:04:05.123456789Z",
             "StartLocal": "2026-11-20T18:04:05.123456789+01:00",
             "request_User-Agent": BOT, "level": "info", "msg": ""}
    row, summary = one(tmp_path, "access.log", [json.dumps(entry)])
    assert list(summary.formats.values()) == ["traefik"]
    assert (row["ts"], row["client_ip"], row["remote_user"], row["path"], row["status"],
            row["bytes"], row["request_time_ms"], row["is_static"], row["user_agent"]) == (
        utc(2026, 11, 20, 17, 4, 5, ms=123), "203.0.113.7", None, "/missing.png", 404, 5120,
        31.0, True, BOT)


def test_nginx_json_by_variable_names_and_by_matomo_keys(tmp_path):
    nginx = {"time_local": "20/Nov/2026:18:04:05 +0100", "remote_addr": "203.0.113.7",
             "remote_user": "", "request": "GET /e/ev003 HTTP/1.1", "status": "200",
             "body_bytes_sent": "5120", "request_time": "0.031", "http_referer": "",
             "http_user_agent": UA, "host": "events.example.com"}
    matomo = {"ip": "198.51.100.2", "host": "events.example.com", "path": "/e/ev004?x=1",
              "status": "302", "referrer": "https://www.google.com/", "user_agent": PHONE,
              "length": 0, "generation_time_milli": 0.25, "date": "2026-11-20T17:05:00+00:00"}
    raw_escape = ('{"time_iso8601":"2026-11-20T17:06:00+00:00","remote_addr":"192.0.2.1",'
                  '"request":"GET /a\\x22b HTTP/1.1","status":"200","body_bytes_sent":"1",'
                  '"http_user_agent":"x"}')
    write(tmp_path / "json.log", [json.dumps(nginx), json.dumps(matomo), raw_escape])
    summary = run(tmp_path / "json.log", tmp_path / "d")
    assert list(summary.formats.values()) == ["nginx_json"] and summary.quarantined == 0
    a, b, c = requests(tmp_path / "d").iter_rows(named=True)
    assert (a["ts"], a["client_ip"], a["remote_user"], a["path"], a["status"], a["bytes"],
            a["referrer"], a["user_agent"], a["vhost"], a["request_time_ms"]) == (
        utc(2026, 11, 20, 17, 4, 5), "203.0.113.7", None, "/e/ev003", 200, 5120, None, UA,
        "events.example.com", pytest.approx(31.0))
    assert (b["ts"], b["client_ip"], b["path"], b["query"], b["status"], b["bytes"],
            b["method"], b["request_time_ms"]) == (
        utc(2026, 11, 20, 17, 5), "198.51.100.2", "/e/ev004", "x=1", 302, 0, None,
        pytest.approx(250.0))
    assert c["path"] == '/a"b'


def test_native_lines_next_to_access_lines_keep_native_detection(tmp_path):
    native = '{"type":"event","ts":"2026-11-20T12:00:00Z","event_id":"e1","event_type":"view"}'
    write(tmp_path / "mixed" / "events.jsonl", [native])
    write(tmp_path / "mixed" / "access.log", [combined()])
    with gzip.open(tmp_path / "mixed" / "access.log.1.gz", "wt") as fh:
        fh.write(combined(minutes=-60) + "\n")
    summary = run(tmp_path / "mixed", tmp_path / "d")
    assert sorted(summary.formats.values()) == ["combined", "combined", "native"]
    assert summary.events == 1 and summary.requests == 2


def test_an_nginx_json_time_that_is_no_real_number_is_quarantined(tmp_path):
    """``msec`` of NaN or far out of range is an invalid time, not an error stopping the run."""
    from logs import run

    line = ('{"msec":"%s","remote_addr":"198.51.100.7","request":"GET /e/1 HTTP/1.1",'
            '"status":"200","body_bytes_sent":"512","http_user_agent":"curl/8.5.0"}')
    path = tmp_path / "access.json"
    path.write_text("\n".join(line % v for v in ("1700000000.123", "NaN", "1e30")) + "\n")
    summary = run(path, tmp_path / "data")
    assert summary.requests == 1 and summary.quarantined == 2
    assert summary.quarantine_reasons == {"invalid time": 2}
