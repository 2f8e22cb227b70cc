"""The benchmark's loopback HTTP/1.1 server: a bare asyncio Protocol in its own process.

Every answer is pre-rendered bytes; per request the server only finds the end of the head, reads
Content-Length and picks an answer by path, so it stays far from being the bottleneck (the run
reports its CPU per request and its ceiling). It keeps connections open, counts every accepted
connection (the "new connections" column) and is driven over a pipe by the benchmark process:
`("mode", chunks, pace_ms)`, `("stats",)`, `("stop",)`.

Paced streams are written by one 5 ms ticker for all streams rather than a timer per stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from multiprocessing.connection import Connection
from typing import Any

from benchmarks.payloads import (
    canned_vectors,
    chat_completion,
    embeddings_answer,
    models_projection,
    stream_frames,
)

_JSON_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: bench\r\nContent-Length: %d\r\n\r\n"
)
_SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"x-request-id: bench\r\nTransfer-Encoding: chunked\r\n\r\n"
)
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def _chunked(frame: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(frame), frame)


def _json_answer(body: bytes) -> bytes:
    return (_JSON_HEAD % len(body)) + body


class _State:
    def __init__(self, dims: int) -> None:
        self.connections = 0
        self.open_connections = 0
        self.requests = 0
        self.models_requests = 0
        self.chunks_sent = 0
        self.completion = _json_answer(chat_completion())
        self.models = _json_answer(models_projection())
        self.vectors = canned_vectors(dims)
        self.embeddings: dict[int, bytes] = {}
        self.pace_s = 0.0
        self.frames: list[bytes] = []
        self.burst = b""
        self.set_stream(200, 0.0)
        self.paced: list[list[Any]] = []  # [transport, next frame index]

    def set_stream(self, chunks: int, pace_ms: float) -> None:
        self.frames = [_chunked(f) for f in stream_frames(chunks)] + [b"0\r\n\r\n"]
        self.burst = _SSE_HEAD + b"".join(self.frames)
        self.pace_s = pace_ms / 1000.0

    def embeddings_for(self, n: int) -> bytes:
        answer = self.embeddings.get(n)
        if answer is None:
            answer = self.embeddings[n] = _json_answer(embeddings_answer(n, self.vectors))
        return answer


class _Http(asyncio.Protocol):
    def __init__(self, state: _State) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.state.connections += 1
        self.state.open_connections += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.state.open_connections -= 1
        self.transport = None

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end]
            length = 0
            marker = head.lower().find(b"\r\ncontent-length:")
            if marker >= 0:
                stop = head.find(b"\r\n", marker + 2)
                length = int(head[marker + 17 : stop if stop >= 0 else len(head)])
            total = end + 4 + length
            if len(buffer) < total:
                break
            self._answer(head, buffer[end + 4 : total])
            buffer = buffer[total:]
        self.buffer = buffer

    def _answer(self, head: bytes, body: bytes) -> None:
        state = self.state
        transport = self.transport
        if transport is None:
            return
        state.requests += 1
        path = head[: head.find(b"\r\n")].split(b" ")[1].split(b"?")[0]
        if path.endswith(b"/chat/completions"):
            if b'"stream":true' in body or b'"stream": true' in body:
                if state.pace_s:
                    transport.write(_SSE_HEAD)
                    state.paced.append([transport, 0])
                else:
                    transport.write(state.burst)
                state.chunks_sent += len(state.frames) - 1
            else:
                transport.write(state.completion)
        elif path.endswith(b"/embeddings"):
            transport.write(state.embeddings_for(len(json.loads(body)["input"])))
        elif path.endswith(b"/models"):
            state.models_requests += 1
            transport.write(state.models)
        else:
            transport.write(_NOT_FOUND)


def _tick(loop: asyncio.AbstractEventLoop, state: _State) -> None:
    if state.paced:
        frames = state.frames
        keep = []
        for entry in state.paced:
            transport, index = entry
            if transport.is_closing():
                continue
            if index == len(frames) - 2:  # [DONE] and the terminating chunk go together
                transport.write(frames[index] + frames[index + 1])
                continue
            transport.write(frames[index])
            entry[1] = index + 1
            keep.append(entry)
        state.paced = keep
    loop.call_later(state.pace_s or 0.005, _tick, loop, state)


def serve(dims: int, control: Connection) -> None:
    """Process target: serve on an ephemeral port, send it over `control`, obey commands."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        state = _State(dims)
        server = await loop.create_server(lambda: _Http(state), "127.0.0.1", 0, backlog=1024)
        stopped = loop.create_future()

        def on_command() -> None:
            message = control.recv()
            if message[0] == "mode":
                state.set_stream(message[1], message[2])
            elif message[0] == "stats":
                control.send(
                    {
                        "connections": state.connections,
                        "open_connections": state.open_connections,
                        "requests": state.requests,
                        "models_requests": state.models_requests,
                        "chunks_sent": state.chunks_sent,
                        "cpu_s": time.process_time(),
                    }
                )
            elif message[0] == "stop" and not stopped.done():
                stopped.set_result(None)

        loop.add_reader(control.fileno(), on_command)
        loop.call_later(0.005, _tick, loop, state)
        control.send(server.sockets[0].getsockname()[1])
        async with server:
            await stopped

    asyncio.run(main())
