"""An open SSE response body as events: `SSEStream`, what `DeepInfraHttp.stream_sse` yields.

Why a class and not an async generator over `response.aiter_bytes()`: when chunks arrive a few
milliseconds apart every chunk is its own network read, and each read crossed httpx's response
layers (`aiter_bytes` -> decoder -> chunker -> `aiter_raw` -> the bound stream -> the transport's
stream, one generator frame each) and a generator of ours before the consumer saw an event.
With the plugin's aiohttp transport and no `Content-Encoding` (SSE is never compressed by
DeepInfra) the transport's `read_chunk` is called directly; any other response (httpcore, a
mocked transport, a compressed body) goes through `aiter_bytes` as before. `next_events()` hands
over every event one read produced, so a consumer pays one await per read, not one per layer.

The stream, not its consumers, decides where it ends (`[DONE]`) and which frames are errors.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx

from openclaw_deepinfra.errors import StreamError, excerpt
from openclaw_deepinfra.transport.errors import error_from_frame_text, error_from_transport, parse_error_body
from openclaw_deepinfra.transport.responses import Response
from openclaw_deepinfra.transport.sse import SSEDecoder, SSEEvent

__all__ = ["AT_END_EXTENSION", "READ_CHUNK_EXTENSION", "SSEStream", "chunk_reader"]

# The response extensions under which the aiohttp transport offers its body's `read_chunk`, and
# whether the whole body has been read (then a stream that ended at `[DONE]` has nothing to drain).
READ_CHUNK_EXTENSION = "openclaw_read_chunk"
AT_END_EXTENSION = "openclaw_at_end"

Read = Callable[[], Awaitable[bytes]]

# Draining the rest of a finished stream is worth it only if it is short and quick; past either
# limit the connection is closed instead of kept.
DRAIN_MAX_BYTES = 64 * 1024
DRAIN_TIMEOUT_S = 2.0
_MESSAGE_CHARS = 300  # an error frame's message in the exception text, as `errors` cuts a body's


def chunk_reader(response: Response) -> tuple[Read, AsyncIterator[bytes] | None]:
    """A read of the next chunk (b"" at the end): the transport's direct `read_chunk`, or else one
    over httpx's decoding iterator, which is returned too so that its owner can close it.

    A compressed body must go through httpx's decoders, so it never takes the direct path. A
    closure, not a bound method: the reader's owner must not sit in a reference cycle (a stream
    dropped by its consumer is then freed at once, not when the cycle collector runs).
    """
    read: Read | None = response.extensions.get(READ_CHUNK_EXTENSION)
    if read is not None and "content-encoding" not in response.headers:
        return read, None
    chunks = response.aiter_bytes()

    async def next_chunk() -> bytes:
        try:
            return await chunks.__anext__()
        except StopAsyncIteration:
            return b""

    return next_chunk, chunks


class SSEStream:
    """The data events of one response body, in arrival order, up to `data: [DONE]`.

    Read with `next_events()`, every event of a network read at once (no iterator protocol: its
    one consumer, the chat runner, pays one await per read). The stream owns its end: the
    `[DONE]` marker ends it (`saw_done`) and is not handed over, blank
    data events are skipped, and an error frame (a JSON `error` / `error_type` / `error_message`
    object, or an `event: error`) is raised as a typed `StreamError` after the events before it
    have been handed over. Transport failures come typed too (`error_from_transport`).
    """

    __slots__ = ("_aiter", "_at_end", "_decoder", "_error", "_label", "_read", "exhausted", "saw_done")

    def __init__(self, response: Response, label: str | None) -> None:
        self._read, self._aiter = chunk_reader(response)
        self._at_end: Callable[[], bool] | None = response.extensions.get(AT_END_EXTENSION)
        self._decoder = SSEDecoder()
        self._label = label
        self._error: StreamError | None = None  # raised by the next read: events before it came first
        self.saw_done = False  # a `data: [DONE]` event ended the stream
        self.exhausted = False  # the body ended

    async def next_events(self) -> list[SSEEvent]:
        """The data events of the next read(s) that carried any; [] once the stream has ended."""
        if self._error is not None:
            raise self._error
        decoder = self._decoder
        read = self._read
        try:
            while not (self.exhausted or self.saw_done):
                chunk = await read()
                if not chunk:
                    self.exhausted = True
                    events = self._data_events(decoder.flush())
                else:
                    events = self._data_events(decoder.feed(chunk))
                if events:
                    return events
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, label=self._label) from exc
        return []

    def _data_events(self, events: list[SSEEvent]) -> list[SSEEvent]:
        # Runs on every event: the common frame (JSON with no `"error` in it) costs two tests.
        kept: list[SSEEvent] = []
        for event in events:
            data = event.data
            if event.event == "error" or '"error' in data:
                err = _frame_error(event)
                if err is not None:
                    if not kept:
                        raise err
                    self._error = err
                    break
            if data == "[DONE]" or (len(data) < 32 and data.strip() == "[DONE]"):
                self.saw_done = True
                break
            if data and not data.isspace():
                kept.append(event)
        return kept

    async def aclose(self) -> None:
        aiter, self._aiter = self._aiter, None
        close = getattr(aiter, "aclose", None)
        if close is not None:
            await close()

    async def finish(self, *, completed: bool) -> None:
        """Stop reading. A stream that ended cleanly is drained first if the rest is short and
        quick, so its connection goes back to the pool; anything else (an abandoned or failed
        stream) is closed by its lease, since a half-read connection is useless. A body read to its
        end (`[DONE]` and the body's end come in one packet) skips the drain's timer, which streams
        ending together each armed before the next call's request was written (issue 14)."""
        at_end = self._at_end
        try:
            if completed and self.saw_done and not self.exhausted and not (at_end is not None and at_end()):
                received = 0
                with contextlib.suppress(httpx.HTTPError, TimeoutError):
                    async with asyncio.timeout(DRAIN_TIMEOUT_S):
                        while received <= DRAIN_MAX_BYTES:
                            chunk = await self._read()  # raw, past the decoder
                            if not chunk:
                                self.exhausted = True
                                break
                            received += len(chunk)
        finally:
            with contextlib.suppress(httpx.HTTPError, RuntimeError):
                await self.aclose()


def _frame_error(event: SSEEvent) -> StreamError | None:
    """The StreamError an event carries: a JSON error frame, or any `event: error`."""
    text = event.data.strip()
    if text.startswith("{"):
        err = error_from_frame_text(text)
        if err is not None:
            return err
    if event.event != "error":
        return None
    detail = parse_error_body(text.encode("utf-8"))
    return StreamError(
        f"DeepInfra stream error: {excerpt(detail.message or text, _MESSAGE_CHARS) or 'unknown'}",
        error_type=detail.error_type,
        body_excerpt=text,
    )
