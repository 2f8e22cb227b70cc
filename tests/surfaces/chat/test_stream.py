"""SSE -> typed events: recorded-style fixtures, split anywhere; tool calls; usage; error frames."""

from __future__ import annotations

import itertools
import json
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_deepinfra.errors import MalformedResponseError, StreamError
from openclaw_deepinfra.host.contracts.chat import ChatFinish, ChatResult, ChatStreamEvent
from openclaw_deepinfra.surfaces.chat.model import ChatModel
from openclaw_deepinfra.surfaces.chat.stream import ChatAccumulator
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from openclaw_deepinfra.transport.sse import SSEDecoder
from tests.surfaces.chat.conftest import MakeChat, chunk, collect, request, sse

LLAMA = "meta-llama/Llama-9-70B"

# Recorded-style: role chunk, text, two parallel tool calls streamed by index, finish, usage chunk.
TOOL_STREAM = sse(
    chunk({"role": "assistant", "content": ""}, model=LLAMA),
    chunk({"content": "Checking "}, model=LLAMA),
    chunk({"content": "both."}, model=LLAMA),
    chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                           "function": {"name": "get_weather", "arguments": ""}}]}, model=LLAMA),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}, model=LLAMA),
    chunk({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                           "function": {"name": "get_time", "arguments": '{"tz":'}}]}, model=LLAMA),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]}, model=LLAMA),
    chunk({"tool_calls": [{"index": 1, "function": {"arguments": ' "UTC"}'}}]}, model=LLAMA),
    chunk({}, finish="tool_calls", model=LLAMA),
    chunk(None, model=LLAMA, service_tier="priority", usage={
        "prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150, "estimated_cost": 0.000321,
        "prompt_tokens_details": {"cached_tokens": 100}}),
)  # fmt: skip


async def run_stream(
    make_chat: MakeChat, body: bytes | list[bytes], model: str = LLAMA
) -> list[ChatStreamEvent]:
    runtime, transport = make_chat()
    transport.reply(body)
    provider = DeepInfraTextProvider(runtime)
    async with provider.stream(request(f"deepinfra/{model}")) as events:
        out = [e async for e in events]
    assert transport.open_connections == 0
    return out


def summary(events: list[ChatStreamEvent]) -> dict[str, Any]:
    final = events[-1]
    assert isinstance(final, ChatFinish)
    result = final.result
    return {
        "text": "".join(e.text for e in events if e.type == "text_delta"),
        "reasoning": "".join(e.text for e in events if e.type == "reasoning_delta"),
        "calls": [
            (e.call.id, e.call.function.name, e.call.function.arguments)
            for e in events
            if e.type == "tool_call"
        ],
        "result": result.model_dump(),
    }


async def test_tool_call_stream(make_chat: MakeChat) -> None:
    events = await run_stream(make_chat, TOOL_STREAM)
    types = [e.type for e in events]
    assert types == ["text_delta", "text_delta"] + ["tool_call_delta"] * 5 + [
        "tool_call",
        "tool_call",
        "usage",
        "finish",
    ]
    deltas = [e for e in events if e.type == "tool_call_delta"]
    assert [(d.index, d.id, d.name, d.arguments) for d in deltas] == [
        (0, "call_a", "get_weather", ""),
        (0, None, None, '{"city": '),
        (1, "call_b", "get_time", '{"tz":'),
        (0, None, None, '"Oslo"}'),
        (1, None, None, ' "UTC"}'),
    ]
    got = summary(events)
    assert got["calls"] == [
        ("call_a", "get_weather", '{"city": "Oslo"}'),
        ("call_b", "get_time", '{"tz": "UTC"}'),
    ]
    result = events[-1].result  # type: ignore[union-attr]
    assert result.text == "Checking both."
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls[0].function.parsed_arguments() == {"city": "Oslo"}
    assert (result.model, result.requested_model, result.service_tier) == (LLAMA, LLAMA, "priority")
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.cached_tokens) == (
        120,
        30,
        100,
    )
    assert (result.cost.usd, result.cost.source) == (0.000321, "reported")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(TOOL_STREAM) - 1), max_size=25, unique=True))
def test_any_split_of_the_bytes_gives_the_same_result(cuts: list[int]) -> None:
    # The SSE layer reassembles frames; the accumulator sees whole chunks whatever the split.
    bounds = [0, *sorted(cuts), len(TOOL_STREAM)]
    decoder = SSEDecoder()
    acc = ChatAccumulator(ChatModel(id=LLAMA))
    events: list[ChatStreamEvent] = []
    for start, end in itertools.pairwise(bounds):
        for event in decoder.feed(TOOL_STREAM[start:end]):
            if event.data != "[DONE]":
                events.extend(acc.feed(json.loads(event.data)))
    events.extend(acc.finish())
    assert summary(events)["calls"] == [
        ("call_a", "get_weather", '{"city": "Oslo"}'),
        ("call_b", "get_time", '{"tz": "UTC"}'),
    ]
    assert summary(events)["text"] == "Checking both."


async def test_split_network_chunks_through_the_provider(make_chat: MakeChat) -> None:
    pieces = [TOOL_STREAM[i : i + 7] for i in range(0, len(TOOL_STREAM), 7)]
    whole = summary(await run_stream(make_chat, TOOL_STREAM))
    split = summary(await run_stream(make_chat, pieces))
    assert split == whole


async def test_reasoning_content_and_usage_without_reported_cost(make_chat: MakeChat) -> None:
    body = sse(
        chunk({"role": "assistant", "reasoning_content": "Let me think"}),
        chunk({"reasoning_content": " briefly."}),
        chunk({"content": "42"}, finish="stop"),
        chunk(None, usage={"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000,
                           "prompt_tokens_details": {"cached_tokens": 500_000}}),
    )  # fmt: skip
    events = await run_stream(make_chat, body, model="deepseek-ai/DeepSeek-V4-Flash")
    got = summary(events)
    assert (got["text"], got["reasoning"]) == ("42", "Let me think briefly.")
    cost = events[-1].result.cost  # type: ignore[union-attr]
    # shipped prices: 0.09 in, 0.018 cache read, 0.18 out per million tokens
    assert cost.source == "catalog"
    assert cost.usd == pytest.approx(0.5 * 0.09 + 0.5 * 0.018 + 0.18)
    assert events[-1].result.usage.total_tokens == 2_000_000  # type: ignore[union-attr]


async def test_n_choices_are_kept_apart(make_chat: MakeChat) -> None:
    body = sse(
        chunk({"content": "A"}, index=0, model=LLAMA),
        chunk({"content": "B"}, index=1, model=LLAMA),
        chunk({"content": "a"}, index=0, finish="stop", model=LLAMA),
        chunk({"content": "b"}, index=1, finish="length", model=LLAMA),
    )
    result = (await run_stream(make_chat, body))[-1].result  # type: ignore[union-attr]
    assert [(c.index, c.text, c.finish_reason) for c in result.choices] == [
        (0, "Aa", "stop"),
        (1, "Bb", "length"),
    ]
    assert result.usage is None and result.cost.usd is None and result.cost.source == "unknown"


async def test_stream_without_done_but_finished_is_accepted(make_chat: MakeChat) -> None:
    events = await run_stream(
        make_chat, sse(chunk({"content": "ok"}, finish="stop", model=LLAMA), done=False)
    )
    assert events[-1].result.text == "ok"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        # DeepInfra's mid-stream error frame: error_message is itself JSON.
        (
            sse(chunk({"content": "par"}, model=LLAMA),
                {"error_type": "internal_error",
                 "error_message": json.dumps({"error": {"message": "CUDA out of memory"}})}),
            StreamError,
            "CUDA out of memory",
        ),
        (sse(chunk({"content": "x"}, model=LLAMA), {"error": {"message": "Model busy, retry later"}}),
         StreamError, "Model busy"),
        (sse(chunk({"content": "cut"}, model=LLAMA), done=False), StreamError, "ended before the answer"),
        (sse("not json"), MalformedResponseError, "not JSON"),
        (sse("[1, 2]"), MalformedResponseError, "not an object"),
        # one value, then more: the fast scan stops after the first, json.loads rejects the rest
        (sse('{"choices": []} {"choices": []}'), MalformedResponseError, "not JSON"),
        (sse('{"choices": []}x'), MalformedResponseError, "not JSON"),
    ],
)  # fmt: skip
async def test_stream_failures_are_typed(
    make_chat: MakeChat, body: bytes, error: type[Exception], message: str
) -> None:
    runtime, transport = make_chat()
    transport.reply(body)
    seen: list[ChatStreamEvent] = []
    with pytest.raises(error, match=message):
        async with DeepInfraTextProvider(runtime).stream(request(f"deepinfra/{LLAMA}")) as events:
            async for event in events:
                seen.append(event)
    assert all(e.type != "finish" for e in seen)
    assert transport.open_connections == 0


async def test_frames_padded_with_whitespace_parse_as_json_loads_does(make_chat: MakeChat) -> None:
    padded = "  " + json.dumps(chunk({"content": "a"}, model=LLAMA)) + " \t"
    events = await run_stream(make_chat, sse(padded, chunk({"content": "b"}, finish="stop", model=LLAMA)))
    assert events[-1].result.text == "ab"  # type: ignore[union-attr]


def test_reasoning_spellings_and_mapping_deltas_without_a_filter() -> None:
    # `reasoning` (vLLM's spelling) when `reasoning_content` is absent or not text; a delta that is
    # a Mapping but not a dict takes the slow path to the same events.
    acc = ChatAccumulator(ChatModel(id=LLAMA))
    events = acc.feed(chunk({"reasoning": "think"}, model=LLAMA))
    events += acc.feed(chunk({"reasoning_content": 7, "reasoning": " more"}, model=LLAMA))
    events += acc.feed({"choices": [MappingProxyType({"delta": MappingProxyType({"content": "answer"})})]})
    events += acc.feed(chunk({}, finish="stop", model=LLAMA))
    assert [(e.type, getattr(e, "text", None)) for e in events] == [
        ("reasoning_delta", "think"),
        ("reasoning_delta", " more"),
        ("text_delta", "answer"),
    ]
    result = acc.result()
    assert (result.text, result.reasoning, result.finish_reason) == ("answer", "think more", "stop")


async def test_error_frame_error_type_is_kept(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    transport.reply(sse({"error_type": "rate_limit", "error_message": "slow down"}))
    with pytest.raises(StreamError) as info:
        await collect(DeepInfraTextProvider(runtime).stream(request()))
    assert info.value.error_type == "rate_limit"


async def test_results_built_without_validation_equal_their_validated_twins(make_chat: MakeChat) -> None:
    # The accumulator builds `ChatResult`, `ChatChoice` and `ChatUsage` from values it typed itself
    # without validating them again (`usage.trusted`): each must be what validation makes of them.
    answer = {
        "model": LLAMA,
        "choices": [
            {"index": 0, "message": {"content": "a", "reasoning_content": "r", "tool_calls": [
                {"id": "c1", "function": {"name": "f", "arguments": {"x": 1}}}]}, "finish_reason": "stop"},
            {"index": 1, "message": {"content": "b"}, "finish_reason": "length"},
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2.0, "prompt_tokens_details": {"cached_tokens": 4},
                  "completion_tokens_details": {"reasoning_tokens": 1}},
    }  # fmt: skip
    runtime, transport = make_chat()
    transport.reply(answer, headers={"content-type": "application/json", "x-request-id": "req-1"})
    results = [await DeepInfraTextProvider(runtime).complete(request(f"deepinfra/{LLAMA}"))]
    for body in (TOOL_STREAM, sse(chunk({"content": "x"}, finish="stop", model=LLAMA))):
        results.append((await run_stream(make_chat, body))[-1].result)  # type: ignore[union-attr]
    deepseek = sse(chunk({"reasoning_content": "r"}), chunk({"content": "42"}, finish="stop"),
                   chunk(None, usage={"prompt_tokens": 10, "completion_tokens": 2}))  # fmt: skip
    events = await run_stream(make_chat, deepseek, "deepseek-ai/DeepSeek-V4-Flash")
    results.append(events[-1].result)  # type: ignore[union-attr]
    assert [r.usage is not None for r in results] == [True, True, False, True]
    for result in results:
        twin = ChatResult.model_validate(result.model_dump())
        assert result == twin and repr(result) == repr(twin)
        assert result.model_dump_json() == twin.model_dump_json()  # 2 and 2.0 differ here
        pairs = [(result, twin), (result.usage, twin.usage), *zip(result.choices, twin.choices, strict=True)]
        for built, validated in pairs:
            assert getattr(built, "model_fields_set", None) == getattr(validated, "model_fields_set", None)
