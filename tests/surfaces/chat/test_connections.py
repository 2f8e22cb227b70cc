"""A chat stream always releases its connection: complete, early stop, cancellation, errors."""

from __future__ import annotations

import asyncio
import gc

import pytest

from openclaw_deepinfra.host.contracts.chat import ChatEventStream, ChatStreamEvent
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from tests.surfaces.chat.conftest import MakeChat, chunk, collect, request, sse

LONG = [sse(chunk({"content": f"w{i} "}), done=False) for i in range(50)]


async def test_complete_stream_releases_its_connection(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    transport.reply(sse(chunk({"content": "hi"}, finish="stop")))
    stream = DeepInfraTextProvider(runtime).stream(request())
    assert isinstance(stream, ChatEventStream)
    result = await collect(stream)
    assert result.text == "hi" and stream.result is result
    assert (transport.opened, transport.open_connections) == (1, 0)


async def test_early_break_inside_async_with_closes(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    transport.reply(LONG, hang=True)
    async with DeepInfraTextProvider(runtime).stream(request()) as events:
        async for event in events:
            assert event.type == "text_delta"
            break
        assert transport.open_connections == 1
    assert transport.open_connections == 0
    assert transport.sent < len(LONG)  # the rest of the body was never read


async def test_explicit_aclose_after_a_few_events(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    transport.reply(LONG, hang=True)
    stream = DeepInfraTextProvider(runtime).stream(request())
    got = [await stream.__anext__() for _ in range(3)]
    assert [e.type for e in got] == ["text_delta"] * 3
    await stream.aclose()
    assert transport.open_connections == 0
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


async def test_abandoned_iterator_is_closed_by_the_event_loop(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    transport.reply(LONG, hang=True)
    stream = DeepInfraTextProvider(runtime).stream(request())
    async for _event in stream:
        break
    del stream, _event
    gc.collect()
    for _ in range(20):  # asyncio finalizes abandoned async generators in a task of its own
        if transport.open_connections == 0:
            break
        await asyncio.sleep(0.01)
    assert transport.open_connections == 0


async def test_cancelled_consumer_closes_the_connection(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    transport.reply([sse(chunk({"content": "first"}), done=False)], hang=True)  # then the server stalls
    received: list[ChatStreamEvent] = []
    first = asyncio.Event()

    async def consume() -> None:
        async with DeepInfraTextProvider(runtime).stream(request()) as events:
            async for event in events:
                received.append(event)
                first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5)
    assert transport.open_connections == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [e.type for e in received] == ["text_delta"]
    assert transport.open_connections == 0


async def test_timeout_around_a_stalled_stream_closes_it(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    transport.reply([sse(chunk({"content": "x"}), done=False)], hang=True)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await collect(DeepInfraTextProvider(runtime).stream(request()))
    assert transport.open_connections == 0


async def test_many_streams_in_a_row_leak_nothing(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    provider = DeepInfraTextProvider(runtime)
    for number in range(10):
        transport.reply(sse(chunk({"content": str(number)}, finish="stop")))
        if number % 2:
            assert (await collect(provider.stream(request()))).text == str(number)
        else:
            async with provider.stream(request()) as events:
                await events.__anext__()
    assert (transport.opened, transport.open_connections) == (10, 0)
