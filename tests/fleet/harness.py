"""Real processes against a real Redis: a loopback server that records how many requests per model
are in flight (overall and per worker), and worker processes driven over their stdin/stdout."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.loopback import LoopbackServer, Reply, Seen, serve
from tests.netguard import network_guard

MODEL_NAME = "fleet-test/model"
KEY = "di-fleet-test-key-5a4b3c2d1e0f99887766"
LIMIT = 20
LEASE_S = 1.0
HEARTBEAT_S = LEASE_S / 3
REPO = Path(__file__).resolve().parents[2]


@dataclass
class InFlight:
    """Requests in flight at the server: now and at peak, per model and per worker tag."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    now: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    by_tag: Counter[str] = field(default_factory=Counter)
    peak_by_tag: Counter[str] = field(default_factory=Counter)
    first_seen: dict[str, float] = field(default_factory=dict)
    peak_at: dict[str, float] = field(default_factory=dict)

    def enter(self, model: str, tag: str) -> None:
        with self.lock:
            self.now[model] += 1
            self.by_tag[tag] += 1
            if self.now[model] > self.peak[model]:
                self.peak[model] = self.now[model]
                self.peak_at[model] = time.monotonic()
            self.peak_by_tag[tag] = max(self.peak_by_tag[tag], self.by_tag[tag])
            self.first_seen.setdefault(tag, time.monotonic())

    def leave(self, model: str, tag: str) -> None:
        with self.lock:
            self.now[model] -= 1
            self.by_tag[tag] -= 1

    def reset_peaks(self) -> None:
        with self.lock:
            self.peak = Counter(self.now)
            self.peak_by_tag = Counter(self.by_tag)
            self.first_seen.clear()


@contextmanager
def concurrency_server() -> Iterator[tuple[LoopbackServer, InFlight]]:
    """A chat endpoint that holds each request for its `delay_ms` and counts it while it does."""
    counts = InFlight()

    def chat(seen: Seen) -> Reply:
        body = json.loads(seen.body)
        counts.enter(body["model"], body["tag"])
        try:
            time.sleep(body["delay_ms"] / 1000)
        finally:
            counts.leave(body["model"], body["tag"])
        return Reply.json({"id": "x", "object": "chat.completion", "choices": []})

    with serve() as server:
        server.route("POST", "/v1/openai/chat/completions", chat)
        yield server, counts


class Worker:
    """One gateway worker process (tests/fleet/worker.py)."""

    def __init__(self, tag: str, server: LoopbackServer, redis_url: str, home: Path) -> None:
        self.tag = tag
        config = {
            "models": {
                "providers": {
                    "deepinfra": {
                        "maxConcurrentPerModel": LIMIT,
                        "maxRetries": 0,
                        "fleet": {"leaseSeconds": LEASE_S},
                    }
                }
            }
        }
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "OPENCLAW_DEEPINFRA_CACHE_DIR": str(home / "cache"),
            "DEEPINFRA_API_KEY": KEY,
            "DEEPINFRA_BASE_URL": f"{server.base_url}/v1/openai",
            "OPENCLAW_DEEPINFRA_REDIS_URL": redis_url,
            **network_guard.child_env(str(REPO)),  # the worker is guarded as the tests are
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fleet.worker", json.dumps(config), tag],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, cwd=REPO, text=True,
        )  # fmt: skip
        self._lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._pump, args=(self.process.stdout, self._lines.put), daemon=True),
            threading.Thread(target=self._pump, args=(self.process.stderr, self.stderr.append), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _pump(stream: Any, sink: Any) -> None:
        for line in stream:
            sink(line.rstrip("\n"))

    def read(self, timeout_s: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            raise AssertionError(
                f"worker {self.tag} said nothing in {timeout_s} s: {self.stderr[-5:]}"
            ) from None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def wait_ready(self) -> None:
        assert self.read(30) == {"ready": True}
        # One call first, so imports, settings and the first connections are not what a test times.
        self._send({"run": 1, "delay_ms": 0, "timeout_s": 30, "tag": "warm-up"})
        assert self.results(30)[0]["error"] is None

    def run(self, calls: int, *, delay_ms: float, timeout_s: float, rounds: int = 1) -> None:
        command = {"run": calls, "rounds": rounds, "delay_ms": delay_ms, "timeout_s": timeout_s}
        self._send(command)

    def results(self, timeout_s: float) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self.read(timeout_s)["calls"]
        return calls

    def _send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def quit(self) -> None:
        if self.process.poll() is None:
            try:
                self._send({"quit": True})
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
        self._close()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no goodbye, no release
        self._close()

    def _close(self) -> None:
        self.process.wait(10)
        for reader in self._readers:
            reader.join(5)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@contextmanager
def workers(tags: list[str], server: LoopbackServer, redis_url: str, home: Path) -> Iterator[list[Worker]]:
    started = [Worker(tag, server, redis_url, home) for tag in tags]
    try:
        for worker in started:
            worker.wait_ready()
        yield started
    finally:
        for worker in started:
            worker.quit()


def wait_until(predicate: Any, timeout_s: float, what: str) -> float:
    """Poll `predicate` until true; the monotonic time it became true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.005)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
