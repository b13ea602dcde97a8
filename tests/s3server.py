"""A local S3-compatible server for the tests: moto in server mode on a free loopback port.

It runs in a process of its own, a thread per connection (clients keep theirs
open) but one request at a time, so that its conditional puts are atomic as a
real service's are (moto checks a condition and writes in two steps).
`S3Server.start` waits until it answers; `stop` ends it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

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
        self.client().create_bucket(Bucket=name)
        return name
