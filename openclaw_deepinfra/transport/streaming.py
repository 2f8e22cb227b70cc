"""What `DeepInfraHttp.stream_sse` / `stream_bytes` hand out once the 2xx answer is in, and how a
byte stream ends (`client.OpenStream` sends the request and gives the connection back).

A streaming request can be answered with plain JSON (an error frame, or a server that ignored
`stream`); `reject_json_stream` turns that into a typed error before any event is yielded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from openclaw_deepinfra.errors import MalformedResponseError, excerpt
from openclaw_deepinfra.transport.errors import error_from_frame_text, error_from_transport, request_id_from
from openclaw_deepinfra.transport.responses import MAX_ERROR_BODY_BYTES, Response, read_body
from openclaw_deepinfra.transport.sse_stream import SSEStream, chunk_reader

__all__ = ["BodyChunks", "ByteStream", "byte_stream", "reject_json_stream", "sse_events"]


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

    async def finish(self, *, completed: bool) -> None:
        """Stop reading (`completed` changes nothing: a half-read body's connection is closed)."""
        await self.chunks.aclose()


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


async def sse_events(response: Response, label: str | None) -> SSEStream:
    """The events of a 2xx answer to a streaming request (a JSON answer raises instead)."""
    if "application/json" in response.headers.get("content-type", "").lower():
        await reject_json_stream(response, label)
    return SSEStream(response, label)


async def byte_stream(response: Response, label: str | None) -> ByteStream:
    request_id = request_id_from(response.headers)
    return ByteStream(response.status_code, response.headers, request_id, BodyChunks(response, label))
