"""`SSEStream`: the transport's direct body reader when it offers one, httpx's layers otherwise."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from openclaw_deepinfra.errors import APIConnectionError, StreamError
from openclaw_deepinfra.transport.sse_stream import AT_END_EXTENSION, READ_CHUNK_EXTENSION, SSEStream
from tests.transport.events import all_events

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
    return [event.data for event in await all_events(stream)]


async def test_the_transports_reader_is_used_when_offered() -> None:
    direct = [BODY[:10], BODY[10:]]
    stream = SSEStream(_response(_Chunks(b"data: wrong\n\n"), direct=direct), "x")
    assert await _datas(stream) == ['{"a": 1}', '{"a": 2}']
    assert stream.saw_done


@pytest.mark.parametrize("at_end", [True, False])
async def test_a_finished_stream_drains_only_a_body_that_has_not_ended(at_end: bool) -> None:
    # The transport says whether the whole body has been read: then the drain (and its timer) is
    # skipped; a tail still to come after `[DONE]` is drained so the connection can be kept.
    reads: list[bytes] = []
    pieces = iter([BODY, b": tail\n\n"])

    async def read_chunk() -> bytes:
        reads.append(chunk := next(pieces, b""))
        return chunk

    extensions = {READ_CHUNK_EXTENSION: read_chunk, AT_END_EXTENSION: lambda: at_end}
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, extensions=extensions)
    stream = SSEStream(response, "x")
    assert await _datas(stream) == ['{"a": 1}', '{"a": 2}']
    await stream.finish(completed=True)
    assert reads == ([BODY] if at_end else [BODY, b": tail\n\n", b""])
    assert stream.exhausted is not at_end


async def test_a_content_encoded_body_goes_through_httpx_decoding() -> None:
    packed = gzip.compress(BODY)
    response = _response(_Chunks(packed[:7], packed[7:]), encoding="gzip", direct=[b"data: raw\n\n"])
    stream = SSEStream(response, "x")
    assert await _datas(stream) == ['{"a": 1}', '{"a": 2}']
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


# -- the stream owns its end: `[DONE]` and error frames (moved from test_sse / test_error_mapping) --


def _stream(*chunks: bytes) -> SSEStream:
    return SSEStream(_response(_Chunks(*chunks)), "DeepInfra chat")


async def test_done_ends_the_stream_and_is_not_yielded() -> None:
    stream = _stream(b'data: {"a": 1}\n\ndata: [DONE]\n\ndata: {"late": 1}\n\n')
    assert await _datas(stream) == ['{"a": 1}']
    assert stream.saw_done and not stream.exhausted  # what follows the marker is left to the drain
    assert await stream.next_events() == []
    padded = _stream(b"data:  [DONE] \n\n")
    assert await _datas(padded) == [] and padded.saw_done


async def test_events_split_anywhere_over_the_byte_iterator() -> None:
    stream = _stream(b'data: {"a"', b": 1}\n", b"\ndata: [DO", b"NE]\n\n")
    assert await _datas(stream) == ['{"a": 1}']
    assert stream.saw_done


async def test_blank_data_events_are_skipped() -> None:
    stream = _stream(b"data:\n\ndata:  \n\ndata: x\n\n")
    assert await _datas(stream) == ["x"]
    assert not stream.saw_done and stream.exhausted


@pytest.mark.parametrize(
    "frame",
    [
        b'data: {"choices": []}\n\n',
        b"data: {not json\n\n",
        b'data: {"error": null, "choices": []}\n\n',
        b'data: {"content": "a \\"error\\" in the text"}\n\n',
    ],
)
async def test_ordinary_frames_are_yielded(frame: bytes) -> None:
    assert len(await _datas(_stream(frame))) == 1


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (f"data: {json.dumps({'error_type': 'e', 'error_message': 'overloaded now'})}\n\n", "overloaded now"),
        ('data: {"error": {"message": "Model busy"}}\n\n', "Model busy"),
        ("event: error\ndata: server says no\n\n", "server says no"),
        ("event: error\ndata: [DONE]\n\n", r"\[DONE\]"),
    ],
)
async def test_an_error_frame_is_raised_typed(frame: str, message: str) -> None:
    with pytest.raises(StreamError, match=message):
        await _datas(_stream(frame.encode()))


async def test_events_before_an_error_frame_come_first() -> None:
    stream = _stream(b'data: {"a": 1}\n\ndata: {"a": 2}\n\ndata: {"error": "boom"}\n\ndata: {"a": 3}\n\n')
    assert [e.data for e in await stream.next_events()] == ['{"a": 1}', '{"a": 2}']
    with pytest.raises(StreamError, match="boom") as info:
        await stream.next_events()
    assert info.value.body_excerpt is not None
    with pytest.raises(StreamError, match="boom"):  # it stays failed
        await stream.next_events()
