"""`DeepInfraHttp.stream_bytes`: a binary body handed over chunk by chunk (streamed TTS audio)."""

from __future__ import annotations

import json

import httpx
import pytest

from openclaw_deepinfra.errors import APIConnectionError, InsufficientBalanceError, ServerError
from tests.transport.test_client import KEY, RecordingStream, RecordingTransport, Sleeps, streaming_http


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


AUDIO = [b"ID3\x04first", b"\xff\xfbsecond", b"third"]


def audio_response(stream: RecordingStream, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, headers={"content-type": "audio/mpeg", "x-request-id": "r-9"}, stream=stream
    )


async def test_chunks_arrive_in_order_with_the_request_sent_once(sleeps: Sleeps) -> None:
    body = RecordingStream(AUDIO)
    transport = RecordingTransport(lambda r: audio_response(body))
    http, pool = streaming_http(transport, sleeps)
    async with http.stream_bytes("POST", "/audio/speech", json={"input": "hi"}) as stream:
        assert (stream.status, stream.content_type, stream.request_id) == (200, "audio/mpeg", "r-9")
        received = [chunk async for chunk in stream.chunks]
    await pool.aclose()
    assert received == AUDIO
    assert body.closed
    (request,) = transport.requests
    assert request.url.path == "/v1/openai/audio/speech"
    assert json.loads(request.content) == {"input": "hi"}
    assert request.headers["authorization"] == f"Bearer {KEY}"


async def test_leaving_early_closes_the_body(sleeps: Sleeps) -> None:
    body = RecordingStream(AUDIO)
    http, pool = streaming_http(RecordingTransport(lambda r: audio_response(body)), sleeps)
    async with http.stream_bytes("POST", "/audio/speech", json={}) as stream:
        async for _chunk in stream.chunks:
            break
    await pool.aclose()
    assert body.closed and body.read == 1


async def test_status_error_is_mapped_before_the_block_runs(sleeps: Sleeps) -> None:
    error = RecordingStream([b'{"error": {"message": "You need positive balance to do inference"}}'])
    transport = RecordingTransport(
        lambda r: httpx.Response(402, headers={"content-type": "application/json"}, stream=error)
    )
    http, pool = streaming_http(transport, sleeps)
    entered = False
    with pytest.raises(InsufficientBalanceError, match="positive balance"):
        async with http.stream_bytes("POST", "/audio/speech", json={}, label="DeepInfra TTS API error"):
            entered = True
    await pool.aclose()
    assert not entered and error.closed and len(transport.requests) == 1


async def test_a_failure_after_the_first_byte_is_typed_and_not_retried(sleeps: Sleeps) -> None:
    body = RecordingStream(AUDIO, fail_after=1)
    transport = RecordingTransport(lambda r: audio_response(body))
    http, pool = streaming_http(transport, sleeps)
    received: list[bytes] = []
    with pytest.raises(APIConnectionError, match="ReadError"):
        async with http.stream_bytes("POST", "/audio/speech", json={}) as stream:
            async for chunk in stream.chunks:
                received.append(chunk)
    await pool.aclose()
    assert received == AUDIO[:1]
    assert len(transport.requests) == 1 and sleeps.delays == []
    assert body.closed


async def test_server_errors_are_not_retried_under_a_billed_policy(sleeps: Sleeps) -> None:
    transport = RecordingTransport(lambda r: httpx.Response(503, json={"error": {"message": "down"}}))
    http, pool = streaming_http(transport, sleeps)
    with pytest.raises(ServerError):
        async with http.with_options(retry_kind="submit", max_retries=3).stream_bytes(
            "POST", "/audio/speech", json={}
        ):
            pass
    await pool.aclose()
    assert len(transport.requests) == 1
