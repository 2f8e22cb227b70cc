"""A raw HTTP/1.1 server on 127.0.0.1 with byte-level control, for fault injection and load tests.

The server runs its own asyncio loop in a background thread, so synchronous tests (the CLI runs
`asyncio.run`) and async tests drive it the same way. Each route answers with an `Action`: a
sequence of steps (`Send` bytes, `Sleep`, `Close`, `Reset`, `Hang`) played on the connection, so a
test can cut a response anywhere: after the headers, mid-chunk, mid-JSON, or never answer at all.

The server counts what a leak check needs from its side of the socket: connections open now,
connections in the middle of a request (`busy`), and every request it parsed, per path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

__all__ = [
    "LAST_CHUNK",
    "Action",
    "Close",
    "FaultServer",
    "Hang",
    "Request",
    "Reset",
    "Send",
    "Sleep",
    "chunk",
    "chunked_head",
    "fault_server",
    "json_reply",
    "reply",
    "sse_reply",
]

LAST_CHUNK = b"0\r\n\r\n"
MAX_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Send:
    data: bytes


@dataclass(frozen=True)
class Sleep:
    """Wait; ends the action early (as a closed connection) if the client hangs up meanwhile."""

    seconds: float


@dataclass(frozen=True)
class Close:
    """Close the connection cleanly (FIN)."""


@dataclass(frozen=True)
class Reset:
    """Abort the connection with a TCP RST (SO_LINGER 0)."""


@dataclass(frozen=True)
class Hang:
    """Send nothing more until the client hangs up (or the server stops)."""


Step = Send | Sleep | Close | Reset | Hang
Action = tuple[Step, ...]


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    path: str
    headers: dict[str, str]
    body: bytes
    head: bytes = b""
    """The request line and headers as they arrived (what a wire-level comparison needs)."""

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Callable[[Request], Action]


def _head(status: int, headers: Sequence[tuple[str, str]], reason: str | None = None) -> bytes:
    phrase = reason if reason is not None else _phrase(status)
    lines = [f"HTTP/1.1 {status} {phrase}", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def reply(
    status: int = 200,
    body: bytes = b"",
    *,
    content_type: str = "application/json",
    headers: Sequence[tuple[str, str]] = (),
) -> Action:
    """A whole response with Content-Length, connection kept alive."""
    all_headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers]
    return (Send(_head(status, all_headers) + body),)


def json_reply(payload: Any, status: int = 200, *, headers: Sequence[tuple[str, str]] = ()) -> Action:
    return reply(status, json.dumps(payload).encode(), headers=headers)


def chunked_head(
    status: int = 200, *, content_type: str = "text/event-stream", headers: Sequence[tuple[str, str]] = ()
) -> bytes:
    return _head(status, [("Content-Type", content_type), ("Transfer-Encoding", "chunked"), *headers])


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def sse_reply(frames: Sequence[bytes], *, delay_s: float = 0.0) -> Action:
    """A complete chunked event stream: one chunk per frame, then the last chunk."""
    steps: list[Step] = [Send(chunked_head())]
    for frame in frames:
        if delay_s:
            steps.append(Sleep(delay_s))
        steps.append(Send(chunk(frame)))
    steps.append(Send(LAST_CHUNK))
    return tuple(steps)


@dataclass
class FaultServer:
    routes: dict[tuple[str, str], Responder] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    keep_requests: bool = True
    """False: only count requests per path (load tests, whose memory checks must not see our log)."""
    _counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[BaseException] = field(default_factory=list)
    """Exceptions in the server's own code (a bug in a test's responder): the test should fail."""
    port: int = 0
    open_connections: int = 0
    busy_connections: int = 0
    connections_total: int = 0
    peak_open: int = 0
    peak_busy: int = 0
    """Most requests in progress at once (read, answer not yet fully sent)."""
    client_hangups: int = 0
    """Actions cut short because the client closed the connection."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/v1/openai"

    def route(self, method: str, path: str, *actions: Action, responder: Responder | None = None) -> None:
        """Answer `method path` with `actions` in order (the last one repeats), or with `responder`."""
        if responder is None:
            if not actions:
                raise ValueError("route() needs actions or a responder")
            queue = list(actions)
            lock = threading.Lock()

            def responder(_request: Request) -> Action:
                with lock:
                    return queue.pop(0) if len(queue) > 1 else queue[0]

        self.routes[(method.upper(), path)] = responder

    def hits(self, path: str, method: str | None = None) -> int:
        with self._lock:
            return sum(
                n for (m, p), n in self._counts.items() if p == path and (method is None or m == method)
            )

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter({f"{m} {p}": n for (m, p), n in self._counts.items()})

    def wait_quiet(self, *, busy: int = 0, open_: int | None = None, timeout_s: float = 3.0) -> bool:
        """Block until no more than `busy` connections are mid-request (and `open_` are open)."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.busy_connections <= busy and (open_ is None or self.open_connections <= open_):
                return True
            time.sleep(0.01)
        return False

    async def await_quiet(self, *, busy: int = 0, open_: int | None = None, timeout_s: float = 3.0) -> bool:
        """`wait_quiet` for async tests: the client's loop keeps running while we wait."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.busy_connections <= busy and (open_ is None or self.open_connections <= open_):
                return True
            await asyncio.sleep(0.01)
        return False

    # -- the server side (runs on the server thread's loop) ------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        with self._lock:
            self.open_connections += 1
            self.connections_total += 1
            self.peak_open = max(self.peak_open, self.open_connections)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    return
                with self._lock:
                    self._counts[(request.method, request.path)] += 1
                    if self.keep_requests:
                        self.requests.append(request)
                    self.busy_connections += 1
                    self.peak_busy = max(self.peak_busy, self.busy_connections)
                try:
                    keep = await self._play(self._respond(request), reader, writer)
                finally:
                    with self._lock:
                        self.busy_connections -= 1
                if not keep or request.headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in the test's responder: record it, do not hide it
            self.errors.append(exc)
        finally:
            self._writers.discard(writer)
            with self._lock:
                self.open_connections -= 1
            if not writer.is_closing():
                writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _respond(self, request: Request) -> Action:
        responder = self.routes.get((request.method, request.path))
        if responder is None:
            return json_reply({"detail": "Not Found"}, status=404)
        return responder(request)

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked(reader)
        else:
            length = int(headers.get("content-length") or 0)
            body = await reader.readexactly(length) if length else b""
        return Request(method.upper(), target, target.split("?", 1)[0], headers, body, head)

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return bytes(body)
            body += await reader.readexactly(size)
            await reader.readexactly(2)

    async def _play(self, action: Action, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Play one action; True if the connection may serve another request."""
        for step in action:
            if isinstance(step, Send):
                writer.write(step.data)
                try:
                    await writer.drain()
                except ConnectionError:
                    self._hung_up()
                    return False
            elif isinstance(step, Sleep):
                if await self._client_left(reader, step.seconds):
                    return False
            elif isinstance(step, Hang):
                while not await self._client_left(reader, 3600.0):
                    pass
                return False
            elif isinstance(step, Close):
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                writer.close()
                return False
            elif isinstance(step, Reset):
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return False
        return True

    async def _client_left(self, reader: asyncio.StreamReader, seconds: float) -> bool:
        """Wait up to `seconds`; True (and counted) if the client closed the connection meanwhile."""
        try:
            data = await asyncio.wait_for(reader.read(1), seconds)
        except TimeoutError:
            return False
        except ConnectionError:
            data = b""
        if not data:
            self._hung_up()
            return True
        return False  # a byte from a client that pipelines: not something these tests do

    def _hung_up(self) -> None:
        with self._lock:
            self.client_hangups += 1


@contextlib.contextmanager
def fault_server(*, backlog: int = 4096) -> Iterator[FaultServer]:
    """Start a `FaultServer` on an ephemeral 127.0.0.1 port in its own thread; stop it on exit."""
    state = FaultServer()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop: asyncio.Event | None = None
    failure: list[BaseException] = []

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        server = await asyncio.start_server(
            state._handle, "127.0.0.1", 0, backlog=backlog, limit=MAX_HEAD_BYTES
        )
        state.port = server.sockets[0].getsockname()[1]
        started.set()
        async with server:
            await stop.wait()
            server.close()
            # Abort open connections so their handlers end on their own: cancelling a handler task
            # makes Python 3.11's stream callback log the CancelledError as an error.
            for writer in list(state._writers):
                writer.transport.abort()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            _done, pending = await asyncio.wait(tasks, timeout=2) if tasks else (set(), set())
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # reported to the test below
            failure.append(exc)
            started.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="fault-server", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("fault server did not start")
    if failure:
        raise RuntimeError("fault server failed to start") from failure[0]
    state._loop = loop
    try:
        yield state
    finally:
        if stop is not None:
            loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
    if state.errors:
        raise AssertionError(f"the fault server's responder failed: {state.errors[0]!r}") from state.errors[0]
