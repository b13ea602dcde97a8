"""A local S3-compatible server for the tests: moto in server mode on a free loopback port.

It runs in a process of its own, a thread per connection (clients keep theirs
open) but one request at a time, so that its conditional puts are atomic as a
real service's are (moto checks a condition and writes in two steps).
`S3Server.start` waits until it answers; `stop` ends it. One server serves a whole
test session (the ``s3_server`` fixture of tests/conftest.py); each test or module
takes a fresh prefix of its own (`S3Server.lake`), so none sees another's objects.

Also here: the ways the S3 tests run playlog (a real process, or the same CLI in
this process) and list what a store holds on the server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from conftest import NOW

SERVER = """
import sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (DomainDispatcherApplication, MotoRequestHandler,
                                           create_backend_app)
app, one = DomainDispatcherApplication(create_backend_app), threading.Lock()

def serial(environ, start_response):
    with one:
        return list(app(environ, start_response))

run_simple("127.0.0.1", int(sys.argv[1]), serial, threaded=True,
           request_handler=MotoRequestHandler)
"""

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "playlog-test", "AWS_SECRET_ACCESS_KEY": "playlog-test",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Server:
    port: int
    process: subprocess.Popen
    buckets: set[str] = field(default_factory=set)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """What a playlog process needs to reach this server."""
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint}

    @classmethod
    def start(cls) -> S3Server:
        port = free_port()
        process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**os.environ, **CREDENTIALS})
        server = cls(port, process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(server.endpoint + "/moto-api/", timeout=1)
                return server
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("the local S3 server did not start") from None
                time.sleep(0.2)
        server.stop()
        raise RuntimeError("the local S3 server did not answer in 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="playlog-test",
                            aws_secret_access_key="playlog-test")

    def bucket(self, name: str) -> str:
        """The bucket `name`, made on first use."""
        if name not in self.buckets:
            self.client().create_bucket(Bucket=name)
            self.buckets.add(name)
        return name

    def lake(self, bucket: str = "lake") -> str:
        """A fresh s3:// data directory: a new prefix of `bucket`."""
        return f"s3://{self.bucket(bucket)}/{uuid.uuid4().hex[:12]}"

    def put(self, url: str, key: str, body: bytes | str) -> None:
        """Writes `body` at `key` under the data directory `url`."""
        bucket, prefix = split(url)
        self.client().put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=body)

    def delete(self, url: str, key: str) -> None:
        bucket, prefix = split(url)
        self.client().delete_object(Bucket=bucket, Key=f"{prefix}/{key}")

    def keys(self, url: str, under: str = "") -> list[str]:
        """The keys under the data directory `url` (or its folder `under`), relative to it."""
        bucket, prefix = split(url)
        start = f"{prefix}/{under.strip('/')}/" if under else f"{prefix}/"
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                         Prefix=start)
        return sorted(o["Key"][len(prefix) + 1:] for page in pages
                      for o in page.get("Contents", []))


def split(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` as (bucket, prefix)."""
    bucket, _, prefix = url[len("s3://"):].partition("/")
    return bucket, prefix


def playlog(*args: str, check: bool = True,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """playlog as a real process, "now" pinned; `env` on top of this process's environment."""
    done = subprocess.run([sys.executable, "-m", "playlog", *args], capture_output=True,
                          text=True, env={**os.environ, "PLAYLOG_NOW": NOW, **(env or {})},
                          timeout=300, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def cli(*args: str) -> str:
    """The same command through the CLI in this process (its stdout); the environment is
    this test's (tests/conftest.py pins "now", the ``s3`` fixture names the server)."""
    from typer.testing import CliRunner

    from playlog.cli.app import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.stderr, result.exception)
    return result.stdout


def process(*args: str) -> str:
    return playlog(*args).stdout


def answers(data: str, reports: Mapping[str, list[str]], run=cli) -> dict:
    """What the `reports` (name: command) say about the store at `data` (their JSON), each
    run by `run`: `cli` in this process, `process` as real processes."""
    return {name: json.loads(run(*cmd, "--data", data, "--format", "json"))
            for name, cmd in reports.items()}
