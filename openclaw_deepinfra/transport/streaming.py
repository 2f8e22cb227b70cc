"""What `DeepInfraHttp.stream_sse` / `stream_bytes` do with a 2xx response they stream.

A streaming request can be answered with plain JSON (an error frame, or a server that ignored
`stream`); `reject_json_stream` turns that into a typed error before any event is yielded. On exit
an SSE stream that ended cleanly is drained briefly so its connection goes back to the pool;
anything else (an abandoned or failed stream) is closed, since a half-read connection is useless.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

import httpx

from openclaw_deepinfra.errors import MalformedResponseError, excerpt
from openclaw_deepinfra.transport.errors import error_from_frame_text, error_from_transport, request_id_from
from openclaw_deepinfra.transport.responses import MAX_ERROR_BODY_BYTES, read_body
from openclaw_deepinfra.transport.sse_stream import SSEStream

__all__ = [
    "DRAIN_MAX_BYTES",
    "DRAIN_TIMEOUT_S",
    "ByteStream",
    "byte_chunks",
    "finish_sse",
    "reject_json_stream",
]

# Draining the rest of a finished stream is worth it only if it is short and quick; past either
# limit the connection is closed instead of kept.
DRAIN_MAX_BYTES = 64 * 1024
DRAIN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class ByteStream:
    """An open streamed body: the 2xx status, headers and request id, and the chunks as they come."""

    status: int
    headers: httpx.Headers
    request_id: str | None
    chunks: AsyncIterator[bytes]

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";", 1)[0].strip().lower() if value else None


async def byte_chunks(response: httpx.Response, label: str | None) -> AsyncGenerator[bytes, None]:
    """The non-empty body chunks; a transport failure mid-body is mapped (never retried)."""
    try:
        async for chunk in response.aiter_bytes():
            if chunk:
                yield chunk
    except httpx.HTTPError as exc:
        raise error_from_transport(exc, label=label) from exc


async def reject_json_stream(response: httpx.Response, label: str | None) -> None:
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


async def finish_sse(response: httpx.Response, events: SSEStream, *, drain: bool) -> None:
    """Return the connection to the pool after a complete stream; close it otherwise."""
    try:
        if drain and not events.exhausted:
            received = 0
            with contextlib.suppress(httpx.HTTPError, TimeoutError):
                async with asyncio.timeout(DRAIN_TIMEOUT_S):
                    while received <= DRAIN_MAX_BYTES:
                        chunk = await events.read_raw()
                        if not chunk:
                            break
                        received += len(chunk)
    finally:
        try:
            with contextlib.suppress(httpx.HTTPError, RuntimeError):
                await events.aclose()
        finally:
            await response.aclose()
