"""`SSEStream`: the transport's direct body reader when it offers one, httpx's layers otherwise."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import httpx
import pytest

from openclaw_deepinfra.errors import APIConnectionError
from openclaw_deepinfra.transport.sse_stream import READ_CHUNK_EXTENSION, SSEStream

BODY = b'data: {"a": 1}\n\ndata: {"a": 2}\n\ndata: [DONE]\n\n'


class _Chunks(httpx.AsyncByteStream):
    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def _response(
    stream: httpx.AsyncByteStream, *, encoding: str | None = None, direct: list[bytes] | None = None
) -> httpx.Response:
    extensions = {}
    if direct is not None:
        pieces = iter(direct)

        async def read_chunk() -> bytes:
            return next(pieces, b"")

        extensions[READ_CHUNK_EXTENSION] = read_chunk
    headers = {"content-type": "text/event-stream"}
    if encoding:
        headers["content-encoding"] = encoding
    return httpx.Response(200, headers=headers, stream=stream, extensions=extensions)


async def _datas(stream: SSEStream) -> list[str]:
    return [event.data async for event in stream]


async def test_the_transports_reader_is_used_when_offered() -> None:
    direct = [BODY[:10], BODY[10:]]
    stream = SSEStream(_response(_Chunks(b"data: wrong\n\n"), direct=direct), "x")
    assert await _datas(stream) == ['{"a": 1}', '{"a": 2}', "[DONE]"]
    assert stream.saw_done and stream.exhausted


async def test_a_content_encoded_body_goes_through_httpx_decoding() -> None:
    packed = gzip.compress(BODY)
    response = _response(_Chunks(packed[:7], packed[7:]), encoding="gzip", direct=[b"data: raw\n\n"])
    stream = SSEStream(response, "x")
    assert await _datas(stream) == ['{"a": 1}', '{"a": 2}', "[DONE]"]
    await stream.aclose()


async def test_without_a_reader_httpx_layers_are_used_and_errors_come_typed() -> None:
    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"data: 1\n\n"
            raise httpx.ReadError("reset")

    stream = SSEStream(_response(Broken()), "DeepInfra chat")
    assert [e.data for e in await stream.next_events()] == ["1"]
    with pytest.raises(APIConnectionError):
        await stream.next_events()
