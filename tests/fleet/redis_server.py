"""A real `redis-server` the fleet tests start on a temporary unix socket, and stop.

`redis-server` comes from Debian's package (`.ci/run` installs it). Without it the fleet tests
skip on a developer machine and fail under CI=true, so a CI run can never pass without them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: fleet mode cannot be tested", pytrace=False)
        pytest.skip(message)
    return found


class RedisServer:
    """One redis-server process; `stop()` and `start()` again keep the same socket path."""

    def __init__(self, directory: Path) -> None:
        self.binary = redis_server_binary()
        self.directory = directory
        self.socket_path = directory / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary, "--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory), "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            if self._answers():
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start within 10 s")

    def _answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(0.5)
                sock.connect(str(self.socket_path))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
        self.socket_path.unlink(missing_ok=True)
