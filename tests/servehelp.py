"""Running `playlog serve` as a real process on a free loopback port, for the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import NOW


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data = Path(data)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "playlog", "serve", "--data", str(data), "--port",
             str(self.port), *args],
            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PLAYLOG_NOW": NOW, **(env or {})},
        )
        self.banner = ""
        for _ in range(20):  # the server's own start-up lines, if any, come first
            self.banner = self.proc.stderr.readline()
            if "serving" in self.banner or not self.banner:
                break
        if "serving" not in self.banner:
            self.proc.kill()
            rest = self.proc.stderr.read()
            raise RuntimeError(f"serve did not start: {self.banner}{rest}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        self.client = httpx.Client(base_url=self.url, timeout=30)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.client.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
