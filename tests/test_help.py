"""`--help` of every command reads like a man page, and its examples work.

Every example of every help page is run against a store of the shipped sample
data (README's first command), from a scratch folder where `sample_data/`
is the shipped one (so its paths resolve and the files examples write, such as
`report.html`, land there), and must exit 0.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from playlog.cli.app import app
from playlog.cli.help import examples

ROOT = Path(__file__).resolve().parent.parent


def pages() -> dict[str, object]:
    """Every command and group by its path: "", "ingest", "catalog import" …"""
    root = typer.main.get_command(app)
    found = {"": root}
    for name, command in root.commands.items():
        found[name] = command
        for sub_name, sub in getattr(command, "commands", {}).items():
            found[f"{name} {sub_name}"] = sub
    return found


PAGES = pages()


def help_text(path: str) -> str:
    result = CliRunner().invoke(app, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("path", list(PAGES))
def test_help_reads_like_a_man_page(path):
    text = help_text(path)
    assert text.startswith(f"Usage: playlog {path}".rstrip() + " ")
    for machine in ("<bool>", "<list", "<int", "<str>", "<path>", "<float", "{", "x>=",
                    "[default:", "[required]"):
        assert machine not in text.split("Examples:")[0], (path, machine)
    options = re.findall(r"^  (-\S.*?)  ", text, flags=re.MULTILINE)
    for line in options:
        names = [part for part in re.split(r",? ", line) if part.startswith("-")]
        rest = line.split()[-1]
        # an option shows its value as NAME, a|b|c, or nothing (a flag)
        assert rest.startswith("-") or rest.isupper() or "|" in rest or rest.endswith("..."), line
        assert names, line
    assert "Examples:" in text
    commands = [line for line in examples(PAGES[path]) if "playlog " in line]
    assert commands, path
    assert all(re.match(r"^([A-Z_]+=\S+ )*playlog ", line) or line.startswith("curl ")
               for line in examples(PAGES[path])), path


def test_value_errors_are_plain_words():
    cases = {
        ("top-tracks", "--days", "foo"): "--days: 'foo' is not a whole number",
        ("top-tracks", "--days", "0"): "--days: must be at least 1, not 0",
        ("report", "--format", "xml"): "--format: 'xml' is not one of table, json, csv",
        ("top-events", "--by", "likes"): "--by: 'likes' is not one of views, unique, clicks",
        ("realtime", "--watch", "soon"): "--watch: 'soon' is not a number",
    }
    for args, message in cases.items():
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 2
        assert message in result.stderr, result.stderr
        assert "Input should" not in result.stderr and "Value error" not in result.stderr


@pytest.mark.parametrize("path", [p for p in PAGES if examples(PAGES[p]) and p != "serve"])
def test_every_example_works_on_the_sample_data(path, shipped_store, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(shipped_store, data)
    monkeypatch.setenv("PLAYLOG_DATA", str(data))
    work = tmp_path / "work"
    work.mkdir()
    (work / "sample_data").symlink_to(ROOT / "sample_data")
    monkeypatch.chdir(work)
    for line in examples(PAGES[path]):
        words = shlex.split(line)
        at = words.index("playlog")
        args = words[at + 1:]
        env = dict(word.split("=", 1) for word in words[:at])  # VAR=value playlog …
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, f"{line}\n{result.output}"
        if "--format" in args and args[args.index("--format") + 1] == "json" \
                and "--watch" not in args:
            assert result.stdout.lstrip().startswith("{"), line


def test_serve_examples_start_a_server_that_answers_the_curl_examples(shipped_store, tmp_path):
    """serve runs until stopped: each `playlog serve` example is started (on a free port
    instead of the one it names) and must come up; the curl examples are sent to the
    first one and must succeed."""
    from servehelp import Server

    data = tmp_path / "data"
    shutil.copytree(shipped_store, data)
    lines = examples(PAGES["serve"])
    servers = [line for line in lines if "playlog serve" in line]
    requests = [line for line in lines if line.startswith("curl ")]
    assert servers and requests
    for n, line in enumerate(servers):
        words = shlex.split(line)
        env = dict(w.split("=", 1) for w in words[:words.index("playlog")])
        args = words[words.index("serve") + 1:]
        if "--port" in args:
            del args[args.index("--port"):args.index("--port") + 2]
        with Server(data, *args, env=env) as server:
            assert server.client.get("/healthz").status_code == 200, line
            for request in requests if n == 0 else []:
                sent = request.replace("localhost:8321", f"127.0.0.1:{server.port}")
                out = subprocess.run([*shlex.split(sent), "--fail", "--max-time", "30"],
                                     capture_output=True, text=True, check=False)
                assert out.returncode == 0, (request, out.stderr)
