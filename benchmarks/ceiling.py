"""The server's ceiling: what it serves to a trivial client (raw asyncio protocol, no parsing).

Each connection sends one request, counts the bytes of the known answer, then sends the next.
The client process is busy too, so the rate is a lower bound; the server's own CPU share during
the run (reported next to it) says how far it was from its limit.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.payloads import KEY


class _Pinger(asyncio.Protocol):
    def __init__(self, request: bytes, answer_size: int, left: list[int], done: asyncio.Future[None]) -> None:
        self.request = request
        self.answer_size = answer_size
        self.left = left
        self.done = done
        self.received = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self) -> None:
        if self.left[0] <= 0:
            if not self.done.done() and self.left[1] == 0:
                self.done.set_result(None)
            return
        self.left[0] -= 1
        self.left[1] += 1
        assert self.transport is not None
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        while self.received >= self.answer_size:
            self.received -= self.answer_size
            self.left[1] -= 1
            self.send()


def _request(path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def measure(port: int, path: str, body: bytes, answer_size: int, total: int, connections: int) -> float:
    """Seconds to get `total` answers of `answer_size` bytes over `connections` connections."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    left = [total, 0]  # [not yet sent, in flight]
    request = _request(path, body)
    pingers = []
    for _ in range(connections):
        _, protocol = await loop.create_connection(
            lambda: _Pinger(request, answer_size, left, done), "127.0.0.1", port
        )
        pingers.append(protocol)
    start = time.perf_counter()
    for pinger in pingers:
        pinger.send()
    await done
    elapsed = time.perf_counter() - start
    for pinger in pingers:
        assert pinger.transport is not None
        pinger.transport.close()
    return elapsed
