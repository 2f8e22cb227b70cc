"""The streams `DeepInfraHttp.stream_sse` / `stream_bytes` hand out, and how they end.

A streaming request can be answered with plain JSON (an error frame, or a server that ignored
`stream`); `reject_json_stream` turns that into a typed error before any event is yielded. On exit
an SSE stream that ended cleanly is drained briefly so its connection goes back to the pool;
anything else (an abandoned or failed stream) is closed, since a half-read connection is useless.

`OpenSSE` and `OpenBytes` are classes, not `asynccontextmanager` generators: the surfaces consume
them inside their own async generators, and a generator nested in another one can be finalised
out of order when a consumer drops the stream (`transport.lease` says what goes wrong then).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType

import httpx

from openclaw_deepinfra.errors import MalformedResponseError, excerpt
from openclaw_deepinfra.transport.errors import error_from_frame_text, error_from_transport, request_id_from
from openclaw_deepinfra.transport.lease import Releasable, ResponseLease
from openclaw_deepinfra.transport.responses import MAX_ERROR_BODY_BYTES, Response, read_body
from openclaw_deepinfra.transport.sse_stream import SSEStream, chunk_reader

__all__ = [
    "DRAIN_MAX_BYTES",
    "DRAIN_TIMEOUT_S",
    "BodyChunks",
    "ByteStream",
    "OpenBytes",
    "OpenSSE",
    "reject_json_stream",
]

# Draining the rest of a finished stream is worth it only if it is short and quick; past either
# limit the connection is closed instead of kept.
DRAIN_MAX_BYTES = 64 * 1024
DRAIN_TIMEOUT_S = 2.0


Send = Callable[[], Awaitable[tuple[Response, Releasable]]]
"""Sends the request (retries included) and returns the 2xx response with the slot it holds."""


class BodyChunks:
    """The non-empty body chunks; a transport failure mid-body is mapped (never retried)."""

    __slots__ = ("_aiter", "_label", "_read", "done")

    def __init__(self, response: Response, label: str | None) -> None:
        self._read, self._aiter = chunk_reader(response)
        self._label = label
        self.done = False

    def __aiter__(self) -> BodyChunks:
        return self

    async def __anext__(self) -> bytes:
        read = self._read
        try:
            while not self.done:
                chunk = await read()
                if chunk:
                    return chunk
                self.done = True
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, label=self._label) from exc
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self.done = True
        chunks, self._aiter = self._aiter, None
        close = getattr(chunks, "aclose", None)
        if close is not None:
            with contextlib.suppress(httpx.HTTPError, RuntimeError):
                await close()


@dataclass(frozen=True)
class ByteStream:
    """An open streamed body: the 2xx status, headers and request id, and the chunks as they come."""

    status: int
    headers: Mapping[str, str]
    request_id: str | None
    chunks: BodyChunks

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";", 1)[0].strip().lower() if value else None


async def reject_json_stream(response: Response, label: str | None) -> None:
    """A 2xx JSON answer to a streaming request: an error frame, or not a stream at all."""
    try:
        body = await read_body(response, MAX_ERROR_BODY_BYTES, truncate=True)
    except httpx.HTTPError as exc:
        raise error_from_transport(exc, label=label) from exc
    finally:
        await response.aclose()
    err = error_from_frame_text(body)
    if err is not None:
        raise err
    raise MalformedResponseError(
        f"{label or 'DeepInfra stream'} answered JSON instead of an event stream",
        status=response.status_code,
        request_id=request_id_from(response.headers),
        body_excerpt=excerpt(body),
    )


class OpenSSE:
    """`async with http.stream_sse(...) as events`: the request is sent on entry, the connection
    and model slot are given back on exit (or `aclose()`), however the block is left."""

    __slots__ = ("_events", "_label", "_lease", "_send")

    def __init__(self, send: Send, label: str | None) -> None:
        self._send: Send | None = send
        self._label = label
        self._events: SSEStream | None = None
        self._lease: ResponseLease | None = None

    async def __aenter__(self) -> SSEStream:
        send, self._send = self._send, None
        if send is None:
            raise RuntimeError("a stream can be entered only once")
        response, slot = await send()
        try:
            if "application/json" in response.headers.get("content-type", "").lower():
                await reject_json_stream(response, self._label)
        except BaseException:
            slot.release()
            raise
        self._lease = ResponseLease(response, slot)
        self._events = SSEStream(response, self._label)
        return self._events

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose(completed=exc_type is None)

    async def aclose(self, *, completed: bool = False) -> None:
        """Give the connection back: kept for reuse after a complete stream, closed otherwise."""
        lease, events = self._lease, self._events
        if lease is None or lease.closed or events is None:
            return
        try:
            if completed and events.saw_done and not events.exhausted:
                await _drain(events)
        finally:
            try:
                with contextlib.suppress(httpx.HTTPError, RuntimeError):
                    await events.aclose()
            finally:
                await lease.aclose()


async def _drain(events: SSEStream) -> None:
    received = 0
    with contextlib.suppress(httpx.HTTPError, TimeoutError):
        async with asyncio.timeout(DRAIN_TIMEOUT_S):
            while received <= DRAIN_MAX_BYTES:
                chunk = await events.read_raw()
                if not chunk:
                    break
                received += len(chunk)


class OpenBytes:
    """`async with http.stream_bytes(...) as stream`: like `OpenSSE`, for a binary body."""

    __slots__ = ("_label", "_lease", "_send", "_stream")

    def __init__(self, send: Send, label: str | None) -> None:
        self._send: Send | None = send
        self._label = label
        self._stream: ByteStream | None = None
        self._lease: ResponseLease | None = None

    async def __aenter__(self) -> ByteStream:
        send, self._send = self._send, None
        if send is None:
            raise RuntimeError("a stream can be entered only once")
        response, slot = await send()
        self._lease = ResponseLease(response, slot)
        self._stream = ByteStream(
            response.status_code,
            response.headers,
            request_id_from(response.headers),
            BodyChunks(response, self._label),
        )
        return self._stream

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        lease, stream = self._lease, self._stream
        if lease is None or lease.closed or stream is None:
            return
        try:
            await stream.chunks.aclose()
        finally:
            await lease.aclose()
