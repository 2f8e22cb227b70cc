"""A real HTTP server on 127.0.0.1 for end-to-end tests, driven by the test that starts it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    chunks: tuple[bytes, ...] | None = None
    """If set, the body is sent with `Transfer-Encoding: chunked`, one write per chunk (streams)."""
    chunk_delay_s: float = 0.0

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> Reply:
        return cls(status=status, body=json.dumps(payload).encode())

    @classmethod
    def event_stream(cls, chunks: tuple[bytes, ...], *, delay_s: float = 0.0) -> Reply:
        return cls(headers=(("Content-Type", "text/event-stream"),), chunks=chunks, chunk_delay_s=delay_s)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Seen], Reply]


@dataclass
class LoopbackServer:
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    aborted_streams: int = 0
    """Chunked replies the client hung up on before the last chunk."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, method: str, path: str, handler: Handler | Reply) -> None:
        self.routes[(method, path)] = handler if callable(handler) else (lambda _seen, r=handler: r)


@contextmanager
def serve() -> Iterator[LoopbackServer]:
    state = LoopbackServer()
    lock = threading.Lock()

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with lock:
                state.seen.append(seen)
            handler = state.routes.get((self.command, path))
            reply = handler(seen) if handler else Reply.json({"detail": "Not Found"}, status=404)
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            if reply.chunks is not None:
                self._send_chunked(reply)
                return
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            try:
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                # A client killed mid-request (the fleet's kill -9 test) is expected, not a failure.
                self.close_connection = True

        def _send_chunked(self, reply: Reply) -> None:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for piece in reply.chunks or ():
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.flush()
                    time.sleep(reply.chunk_delay_s)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                with lock:
                    state.aborted_streams += 1
                self.close_connection = True

        do_GET = do_POST = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
