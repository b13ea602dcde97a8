"""Ingesting access logs: --log-format strings, folders, compression, quarantine, the ledger."""

from __future__ import annotations

import bz2
import gzip
import json
import os
import time

import zstandard
from logs import read, run
from typer.testing import CliRunner
from weblogs import UA, combined, requests, write

from playlog.cli.app import app
from playlog.parse.discover import looks_like_log


def test_log_format_takes_an_nginx_log_format(tmp_path):
    definition = ("log_format timed '$remote_addr - $remote_user [$time_local] \"$request\" '\n"
                  "    '$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" "
                  "$request_time $host';")
    line = combined(request="GET /e/ev1 HTTP/1.1") + " 0.125 events.example.com"
    log = write(tmp_path / "timed.log", [line])
    summary = run(log, tmp_path / "d", log_format=definition)
    row = requests(tmp_path / "d").row(0, named=True)
    assert summary.formats == {str(log): definition}
    assert (row["path"], row["request_time_ms"], row["vhost"], row["user_agent"],
            row["format"]) == ("/e/ev1", 125.0, "events.example.com", UA, "custom")
    # the ledger keeps the definition: a later run without --log-format reads on through it
    write(log, [combined(request="GET /e/ev2 HTTP/1.1", minutes=1)
                + " 0.125 events.example.com"], mode="a")
    assert run(log, tmp_path / "d").requests == 1
    assert requests(tmp_path / "d")["path"].to_list() == ["/e/ev1", "/e/ev2"]


def test_log_format_takes_an_apache_logformat(tmp_path):
    definition = 'LogFormat "%v %h %l %u %t \\"%r\\" %>s %O %D \\"%{User-Agent}i\\"" timed'
    line = ('events.example.com 203.0.113.7 - - [20/Nov/2026:12:00:00 +0000] '
            '"GET /x.js HTTP/1.1" 200 999 1500 "curl/8.5.0"')
    log = write(tmp_path / "other_vhosts_access.log", [line])
    result = CliRunner().invoke(app, ["ingest", str(log), "--data", str(tmp_path / "d"),
                                      "--log-format", definition, "--format", "json"])
    assert result.exit_code == 0, result.output
    row = requests(tmp_path / "d").row(0, named=True)
    assert (row["vhost"], row["bytes"], row["request_time_ms"], row["user_agent"],
            row["is_static"]) == ("events.example.com", 999, 1.5, "curl/8.5.0", True)


def test_an_unknown_log_format_is_a_usage_error(tmp_path):
    log = write(tmp_path / "a.log", [combined()])
    result = CliRunner().invoke(app, ["ingest", str(log), "--data", str(tmp_path / "d"),
                                      "--log-format", "apache2"])
    assert result.exit_code == 2
    assert "--log-format" in result.stderr and "combined" in result.stderr


def test_folders_are_read_as_servers_and_logrotate_name_their_files(tmp_path):
    logs = tmp_path / "nginx"
    names = ["access.log", "access_log", "access.log.1", "access.log-20261130",
             "access.log.2.gz", "access.log-20261129.bz2", "access.log.3.zst", "error.log",
             "error.log.1", "ssl_error_log", "nginx.conf", ".access.log.swp"]
    for n, name in enumerate(names):
        text = (combined(minutes=n, request=f"GET /{name} HTTP/1.1") + "\n").encode()
        if name.endswith(".gz"):
            text = gzip.compress(text)
        elif name.endswith(".bz2"):
            text = bz2.compress(text)
        elif name.endswith(".zst"):
            text = zstandard.ZstdCompressor().compress(text)
        (logs / name).parent.mkdir(parents=True, exist_ok=True)
        (logs / name).write_bytes(text)
    summary = run(logs, tmp_path / "d")
    read_paths = sorted(requests(tmp_path / "d")["path"])
    assert read_paths == sorted(f"/{n}" for n in names[:7]), summary.skipped
    assert not looks_like_log("error.log") and looks_like_log("access.log-20261130.gz")
    # an explicit file is always read, whatever its name
    assert run(logs / "nginx.conf", tmp_path / "d").requests == 1


def test_garbage_and_lines_that_are_not_utf8_are_quarantined_byte_for_byte(tmp_path):
    bad = combined(agent="caf\xe9").encode("latin-1")  # a Latin-1 user agent
    lines = [combined(minutes=1).encode(), b"\x00\x01\x02 binary junk", bad,
             combined(minutes=2).encode(), b"this is not a log line at all"]
    log = tmp_path / "access.log"
    log.write_bytes(b"\n".join(lines) + b"\n")
    summary = run(log, tmp_path / "d", log_format="combined")
    assert summary.requests == 2 and summary.quarantined == 3 and summary.records == 5
    rejects = read(tmp_path / "d", "quarantine").sort("line")
    assert rejects["line"].to_list() == [2, 3, 5]
    assert rejects["reason"].to_list() == ["not a combined line", "not valid UTF-8 text",
                                           "not a combined line"]
    assert rejects["raw_bytes"][1] == bad and rejects["raw"][1].endswith('"caf\\xE9"')
    assert rejects["format"].unique().to_list() == ["combined"]


def test_a_file_no_format_matches_names_the_closest_format(tmp_path):
    cut = combined().rsplit(' "', 2)[0].rsplit(" ", 1)[0]  # the size is missing
    log = write(tmp_path / "access.log", [cut, cut])
    result = CliRunner().invoke(app, ["ingest", str(log), "--data", str(tmp_path / "d")])
    assert result.exit_code == 4
    assert "access.log: no known log format matches its first 2 line(s); closest: common " \
           "(lines stop matching at its bytes field)" in " ".join(result.stderr.split())


def test_identical_lines_are_two_requests_and_reingesting_changes_nothing(tmp_path):
    line = combined(request="GET /static/app.css HTTP/1.1")
    log = write(tmp_path / "access.log", [line, line, combined(minutes=1)])
    data = tmp_path / "d"
    assert run(log, data).requests == 3
    before = requests(data)
    again = run(log, data)
    assert (again.records, again.requests) == (0, 0)
    assert requests(data).equals(before)


def test_growth_rotation_and_compression_count_every_request_once(tmp_path):
    data, log = tmp_path / "d", tmp_path / "access.log"
    write(log, [combined(minutes=m) for m in range(3)])
    assert run(log, data).requests == 3
    write(log, [combined(minutes=m) for m in range(3, 5)], mode="a")
    assert run(log, data).requests == 2
    # logrotate: access.log → access.log.1 (then .1.gz); a new access.log starts
    os.rename(log, tmp_path / "access.log.1")
    write(tmp_path / "access.log.1", [combined(minutes=5)], mode="a")  # a late line
    write(log, [combined(minutes=m, ip="198.51.100.1") for m in range(6, 8)])
    assert run(tmp_path, data).requests == 3
    rotated = tmp_path / "access.log.1"
    (tmp_path / "access.log.1.gz").write_bytes(gzip.compress(rotated.read_bytes()))
    rotated.unlink()
    assert run(tmp_path, data).requests == 0
    assert requests(data).height == 8


def test_a_rewritten_log_is_read_again_without_counting_twice(tmp_path):
    data, log = tmp_path / "d", tmp_path / "access.log"
    write(log, [combined(minutes=m) for m in range(4)])
    run(log, data)
    time.sleep(0.01)
    write(log, [combined(minutes=m) for m in range(4)] + [combined(minutes=9)])
    summary = run(log, data)
    assert summary.requests == 1 and requests(data).height == 5


def test_ingest_summary_counts_requests(tmp_path):
    log = write(tmp_path / "access.log", [combined(), combined(minutes=1)])
    result = CliRunner().invoke(app, ["ingest", str(log), "--data", str(tmp_path / "d"),
                                      "--format", "json"])
    summary = json.loads(result.stdout)
    assert summary["requests"] == 2 and summary["formats"] == {str(log): "combined"}
    table = CliRunner().invoke(app, ["ingest", str(log), "--data", str(tmp_path / "e")])
    assert "requests" in table.stdout
