"""A consumer that walks away from a stream never wedges a model (issue 17, part 1).

Each way a consumer can leave a stream - finish it, close it, break out of it, raise inside the
loop, have its task cancelled mid-read, or drop the only reference without closing - is played
many times against a long paced stream on the fault server, with a small per-model limit so a slot
that is never given back wedges the model within a few rounds. Afterwards: no slot held or queued
for, no connection lent out by the pool, no request still open on the server, nothing reported to
the loop's exception handler (`loop_errors`), and a new call for the same model starts at once.

No `gc.collect()` before the checks: a stream must let go when its last reference goes, not when
the cycle collector happens to run (a gateway may not collect for minutes).
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from openclaw_deepinfra.host.contracts.chat import ChatRequest
from openclaw_deepinfra.host.contracts.speech import SpeechSynthesisRequest
from openclaw_deepinfra.runtime import DeepInfraRuntime
from tests.e2e.faults import Action, FaultServer, Request, Send, Sleep, chunk, chunked_head
from tests.reliability import calls
from tests.reliability.calls import SPEECH_PATH
from tests.reliability.conftest import CHAT_MODEL, CHAT_PATH, Host, MakeHost

pytestmark = pytest.mark.usefixtures("loop_errors")

FULL = os.environ.get("OPENCLAW_DEEPINFRA_FULL_LOAD", "").strip() not in ("", "0")
STREAMS = 1_000  # per way of leaving, as the issue asks; cheap enough for CI
LIMIT = 16  # per model: a leaked slot per stream wedges the model within the first rounds
SPEECH_MODEL = "hexgrad/Kokoro-82M"
HOLD_S = 30.0  # how long the server keeps a stream open: far longer than the test


def long_sse(request: Request) -> Action:
    """One event, then a long pause (cut short when the client hangs up), then the rest."""
    if not request.json().get("stream"):
        return calls.chat_answer(request)
    short = request.json()["messages"][-1]["content"] == "short"
    pause: tuple[Sleep, ...] = () if short else (Sleep(HOLD_S),)
    return (
        Send(chunked_head() + chunk(calls.delta("Hel"))),
        *pause,
        Send(chunk(calls.delta("lo")) + chunk(calls.delta("!", "stop")) + chunk(calls.DONE) + b"0\r\n\r\n"),
    )


def long_audio(_request: Request) -> Action:
    return (
        Send(chunked_head(content_type="audio/mpeg") + chunk(calls.MP3[:64])),
        Sleep(HOLD_S),
        Send(chunk(calls.MP3[64:]) + b"0\r\n\r\n"),
    )


def runtime_of(host: Host) -> DeepInfraRuntime:
    runtime: DeepInfraRuntime = host.get("provider")._runtime
    return runtime


def chat_stream(host: Host, text: str = "hi") -> Any:
    request = ChatRequest.model_validate(
        {"model": f"deepinfra/{CHAT_MODEL}", "messages": [{"role": "user", "content": text}]}
    )
    return host.get("provider").stream(request)


async def speech_stream(host: Host) -> Any:
    provider = host.get("speech-provider")
    return await provider.stream_synthesize(
        SpeechSynthesisRequest(text="hello", cfg=host.config, timeout_ms=60_000)
    )


# -- the ways a consumer leaves a chat stream -------------------------------------------------------


async def chat_finish(host: Host) -> None:
    stream = chat_stream(host, "short")
    async for _event in stream:
        pass
    assert stream.result is not None and stream.result.text == "Hello!"


async def chat_close(host: Host) -> None:
    stream = chat_stream(host)
    await anext(aiter(stream))
    await stream.aclose()


async def chat_break(host: Host) -> None:
    async for _event in chat_stream(host):
        break


class Walkaway(Exception):
    pass


async def chat_raise(host: Host) -> None:
    with pytest.raises(Walkaway):
        async for _event in chat_stream(host):
            raise Walkaway


async def chat_drop(host: Host) -> None:
    stream = chat_stream(host)
    await stream.__anext__()  # never closed, never iterated again: the reference just goes


async def chat_cancel(host: Host) -> None:
    first = asyncio.Event()

    async def consume() -> None:
        async for _event in chat_stream(host):
            first.set()  # the next read waits on the server's pause: cancelled there

    task = asyncio.create_task(consume())
    await first.wait()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# -- the same for streamed speech --------------------------------------------------------------------


async def speech_finish(host: Host) -> None:
    result = await speech_stream(host)
    await result.release()  # a finished consumer still releases (the server would pause here)


async def speech_break(host: Host) -> None:
    result = await speech_stream(host)
    async for _chunk in result.audio_stream:
        break


async def speech_raise(host: Host) -> None:
    result = await speech_stream(host)
    with pytest.raises(Walkaway):
        async for _chunk in result.audio_stream:
            raise Walkaway


async def speech_drop(host: Host) -> None:
    result = await speech_stream(host)
    await anext(aiter(result.audio_stream))


async def speech_drop_unread(host: Host) -> None:
    await speech_stream(host)  # the request was sent; the consumer never looks at the audio


async def speech_cancel(host: Host) -> None:
    first = asyncio.Event()

    async def consume() -> None:
        result = await speech_stream(host)
        async for _chunk in result.audio_stream:
            first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


Leave = Callable[[Host], Awaitable[None]]

CHAT_WAYS: dict[str, Leave] = {
    "finish": chat_finish,
    "close": chat_close,
    "break": chat_break,
    "raise": chat_raise,
    "drop": chat_drop,
    "cancel": chat_cancel,
}
SPEECH_WAYS: dict[str, Leave] = {
    "release": speech_finish,
    "break": speech_break,
    "raise": speech_raise,
    "drop": speech_drop,
    "drop-unread": speech_drop_unread,
    "cancel": speech_cancel,
}


async def leave_many(host: Host, leave: Leave, model: str) -> None:
    """`STREAMS` consumers leaving `LIMIT` at a time; fails (not hangs) if the model wedges."""
    limits = runtime_of(host).http().model_limits
    done = 0

    async def worker() -> None:
        nonlocal done
        while done < STREAMS:
            done += 1
            await leave(host)

    try:
        async with asyncio.timeout(60 if FULL else 45):
            await asyncio.gather(*(worker() for _ in range(LIMIT)))
    except TimeoutError:
        raise AssertionError(f"model wedged after {done} streams: {limits.snapshot().get(model)}") from None


async def assert_released(host: Host, faults: FaultServer, model: str) -> None:
    runtime = runtime_of(host)
    limits = runtime.http().model_limits
    end = time.monotonic() + 5.0
    while time.monotonic() < end:  # finalizers run as loop callbacks: give them a few turns
        stats = limits.snapshot().get(model)
        if stats is not None and stats.in_flight == 0 and runtime.pool.stats().in_use == 0:
            break
        await asyncio.sleep(0.01)
    stats = limits.snapshot()[model]
    assert (stats.in_flight, stats.waiting) == (0, 0), stats
    assert runtime.pool.stats().in_use == 0, runtime.pool.stats()
    assert await faults.await_quiet(busy=0, timeout_s=5.0), f"{faults.busy_connections} requests still open"


async def assert_new_call_starts_at_once(host: Host, model: str, call: Leave) -> None:
    limiter = runtime_of(host).http().model_limits.limiter(model)
    assert limiter.try_acquire(), "a new call would have to queue"
    limiter.release()
    async with asyncio.timeout(5):
        await call(host)


@pytest.mark.parametrize("way", list(CHAT_WAYS))
async def test_a_chat_stream_left_any_way_gives_back_its_slot_and_connection(
    faults: FaultServer, make_host: MakeHost, way: str
) -> None:
    calls.route_all_ok(faults)
    faults.route("POST", CHAT_PATH, responder=long_sse)
    faults.keep_requests = False
    host = make_host(faults, maxRetries=0, maxConcurrentPerModel=LIMIT, timeoutSeconds=60)
    await leave_many(host, CHAT_WAYS[way], CHAT_MODEL)
    await assert_released(host, faults, CHAT_MODEL)
    await assert_new_call_starts_at_once(host, CHAT_MODEL, calls.chat)
    assert faults.hits(CHAT_PATH) == STREAMS + 1


@pytest.mark.parametrize("way", list(SPEECH_WAYS))
async def test_a_speech_stream_left_any_way_gives_back_its_slot_and_connection(
    faults: FaultServer, make_host: MakeHost, way: str
) -> None:
    calls.route_all_ok(faults)
    faults.route("POST", SPEECH_PATH, responder=long_audio)
    faults.keep_requests = False
    host = make_host(faults, maxRetries=0, maxConcurrentPerModel=LIMIT, timeoutSeconds=60)
    await leave_many(host, SPEECH_WAYS[way], SPEECH_MODEL)
    await assert_released(host, faults, SPEECH_MODEL)
    faults.route(
        "POST", SPEECH_PATH, responder=lambda _r: calls.reply(200, calls.MP3, content_type="audio/mpeg")
    )
    await assert_new_call_starts_at_once(host, SPEECH_MODEL, calls.tts)
    assert faults.hits(SPEECH_PATH) == STREAMS + 1


async def test_streams_dropped_inside_a_reference_cycle_are_released_when_it_is_collected(
    faults: FaultServer, make_host: MakeHost, loop_errors: list[dict[str, Any]]
) -> None:
    """The collector finalises everything in a cycle at once, nested generators included: the
    order must not matter (it used to end in "generator didn't stop after athrow()")."""
    calls.route_all_ok(faults)
    faults.route("POST", CHAT_PATH, responder=long_sse)
    faults.route("POST", SPEECH_PATH, responder=long_audio)
    host = make_host(faults, maxRetries=0, maxConcurrentPerModel=LIMIT, timeoutSeconds=60)

    class Holder:
        def __init__(self) -> None:
            self.me = self
            self.streams: list[Any] = []

    holder = Holder()
    for _ in range(LIMIT):
        chat = chat_stream(host)
        await anext(aiter(chat))
        speech = await speech_stream(host)
        await anext(aiter(speech.audio_stream))
        holder.streams += [chat, speech]
    del holder, chat, speech
    limits = runtime_of(host).http().model_limits
    assert limits.snapshot()[CHAT_MODEL].in_flight == LIMIT
    gc.collect()
    await assert_released(host, faults, CHAT_MODEL)
    await assert_released(host, faults, SPEECH_MODEL)
    await assert_new_call_starts_at_once(host, CHAT_MODEL, calls.chat)
    assert loop_errors == []
