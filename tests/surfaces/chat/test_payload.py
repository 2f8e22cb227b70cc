"""Request -> wire body, compared as whole JSON bodies; every check that fails before sending."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest

from openclaw_deepinfra.catalog.models import CatalogSnapshot
from openclaw_deepinfra.errors import RequestValidationError
from openclaw_deepinfra.host.contracts.chat import ChatRequest
from openclaw_deepinfra.surfaces.chat import model as model_module
from openclaw_deepinfra.surfaces.chat.caching import apply_cache_markers
from openclaw_deepinfra.surfaces.chat.model import ChatModel, resolve_chat_model
from openclaw_deepinfra.surfaces.chat.payload import build_body, prepare_chat
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from tests.surfaces.chat.conftest import MakeChat, request, sse

PLAIN = ChatModel(id="meta-llama/Llama-9-70B", context_window=128_000, max_tokens=8192, known=True)
EFFORT = ChatModel(id="openai/gpt-oss-120b", tags=("chat", "reasoning_effort"), known=True)
XAI = ChatModel(id="x-ai/grok-9", tags=("chat", "reasoning_effort"), known=True)
DEEPSEEK = ChatModel(id="deepseek-ai/DeepSeek-V4-Flash", context_window=1_048_576, max_tokens=1_048_576,
                     thinking_format="deepseek", known=True)  # fmt: skip
USER = [{"role": "user", "content": "hi"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def build_payload(request: ChatRequest, model: ChatModel, *, stream: bool) -> dict[str, Any]:
    """The body alone, as the runner builds it: checked once, then specialised to the model."""
    return build_body(prepare_chat(request), model, stream=stream)[0]


def body(model: ChatModel = PLAIN, *, stream: bool = False, **fields: Any) -> dict[str, Any]:
    data = {"model": f"deepinfra/{model.id}", "messages": USER, **fields}
    return build_payload(ChatRequest.model_validate(data), model, stream=stream)


def test_minimal_body() -> None:
    assert body() == {"model": PLAIN.id, "messages": USER, "max_tokens": 8192, "stream": False}


def test_streaming_body_asks_for_usage() -> None:
    assert body(stream=True) == {
        "model": PLAIN.id,
        "messages": USER,
        "max_tokens": 8192,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_every_sampling_option() -> None:
    options = {
        "maxTokens": 300,
        "temperature": 0.2,
        "topP": 0.9,
        "stop": ["\n\n", "END"],
        "n": 2,
        "presencePenalty": 0.5,
        "frequencyPenalty": -0.5,
        "seed": 42,
        "parallelToolCalls": False,
    }
    assert body(options=options) == {
        "model": PLAIN.id,
        "messages": USER,
        "max_tokens": 300,
        "temperature": 0.2,
        "top_p": 0.9,
        "n": 2,
        "presence_penalty": 0.5,
        "frequency_penalty": -0.5,
        "seed": 42,
        "parallel_tool_calls": False,
        "stop": ["\n\n", "END"],
        "stream": False,
    }
    assert "max_completion_tokens" not in body(options=options)


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ({"type": "json_object"}, {"type": "json_object"}),
        (
            {
                "type": "json_schema",
                "json_schema": {"name": "city", "schema": {"type": "object"}, "strict": True},
            },
            {
                "type": "json_schema",
                "json_schema": {"name": "city", "schema": {"type": "object"}, "strict": True},
            },
        ),
        (
            {
                "type": "json_schema",
                "jsonSchema": {"name": "c", "description": "d", "schema": {"type": "array"}},
            },
            {
                "type": "json_schema",
                "json_schema": {"name": "c", "schema": {"type": "array"}, "description": "d"},
            },
        ),
        ({"type": "text"}, None),
    ],
)
def test_response_format_is_never_downgraded(given: dict[str, Any], sent: dict[str, Any] | None) -> None:
    expected: dict[str, Any] = {"model": PLAIN.id, "messages": USER, "max_tokens": 8192, "stream": False}
    if sent is not None:
        expected["response_format"] = sent
    assert body(options={"response_format": given}) == expected


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
        (None, None),
    ],
)
def test_tools_and_tool_choice(choice: Any, sent: Any) -> None:
    options = {"tool_choice": choice} if choice is not None else {}
    tool_without_schema = {"type": "function", "function": {"name": "now"}}
    expected: dict[str, Any] = {
        "model": PLAIN.id,
        "messages": USER,
        "tools": [
            WEATHER,
            {
                "type": "function",
                "function": {"name": "now", "parameters": {"type": "object", "properties": {}}},
            },
        ],
        "max_tokens": 8192,
        "stream": False,
    }
    if sent is not None:
        expected["tool_choice"] = sent
    got = body(tools=[WEATHER, tool_without_schema], options=options)
    assert got == expected


@pytest.mark.parametrize(
    ("level", "effort"),
    [("off", "none"), ("minimal", "minimal"), ("low", "low"), ("medium", "medium"), ("high", "high"),
     ("adaptive", "medium"), ("max", "xhigh")],
)  # fmt: skip
def test_thinking_level_maps_to_reasoning_effort(level: str, effort: str) -> None:
    assert body(EFFORT, options={"thinking_level": level}) == {
        "model": EFFORT.id,
        "messages": USER,
        "max_tokens": 8192,
        "reasoning_effort": effort,
        "stream": False,
    }


@pytest.mark.parametrize(
    "model", [XAI, PLAIN, DEEPSEEK], ids=["x-ai vendor", "untagged", "deepseek untagged"]
)
def test_reasoning_effort_is_not_sent(model: ChatModel) -> None:
    sent = body(model, options={"thinking_level": "high"})
    assert "reasoning_effort" not in sent
    assert "reasoning" not in sent


REASONING = ChatModel(id="acme/Thinker-9", tags=("chat", "reasoning"), known=True)


def test_a_reasoning_tag_also_takes_reasoning_effort() -> None:
    assert body(REASONING, options={"thinking_level": "low"})["reasoning_effort"] == "low"


@pytest.mark.parametrize(
    ("model", "why"),
    [(XAI, "x-ai models do not take reasoning_effort"),
     (PLAIN, "does not tag meta-llama/Llama-9-70B reasoning or reasoning_effort")],
)  # fmt: skip
def test_a_dropped_thinking_level_is_reported_with_its_reason(
    model: ChatModel, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = {"model": model.id, "messages": USER, "options": {"thinking_level": "high"}}
    sent, notes = build_body(prepare_chat(ChatRequest.model_validate(data)), model, stream=False)
    assert "reasoning_effort" not in sent
    (note,) = notes
    assert note.startswith("thinking level 'high' not sent: ") and why in note
    assert [r.levelname for r in caplog.records if r.getMessage() == note] == ["WARNING"]
    assert build_body(prepare_chat(ChatRequest.model_validate({**data, "options": {}})), model,
                      stream=False)[1] == []  # fmt: skip


def test_tool_results_are_sent_as_strings() -> None:
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c1", "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1",
         "content": [{"type": "text", "text": "sunny, "}, {"type": "text", "text": "21 C"}]},
    ]  # fmt: skip
    sent = body(PLAIN, messages=messages)
    assert sent["messages"][2] == {"role": "tool", "tool_call_id": "c1", "content": "sunny, 21 C"}


def test_messages_of_every_role() -> None:
    png = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAA"
        "AABJRU5ErkJggg=="
    )
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
    }
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "name": "ann", "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "high"}},
            {"type": "image_url", "image_url": {"url": png, "detail": "low"}},
        ]},
        {"role": "assistant", "content": None, "reasoning_content": "think",
         "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "assistant", "content": [{"type": "text", "text": "It is sunny."}]},
    ]  # fmt: skip
    sent = build_payload(
        ChatRequest.model_validate({"model": PLAIN.id, "messages": messages}), PLAIN, stream=False
    )
    assert sent["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "name": "ann", "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
            {"type": "image_url", "image_url": {"url": png}},
        ]},
        {"role": "assistant", "content": None,
         "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "assistant", "content": [{"type": "text", "text": "It is sunny."}]},
    ]  # fmt: skip
    # DeepSeek models get their earlier reasoning back within a tool loop; others never see it.
    deepseek = build_payload(
        ChatRequest.model_validate({"model": DEEPSEEK.id, "messages": messages}), DEEPSEEK, stream=False
    )
    assert deepseek["messages"][2]["reasoning_content"] == "think"


@pytest.mark.parametrize(
    ("model", "requested", "prompt_chars", "sent"),
    [
        (PLAIN, None, 0, 8192),  # the model's own max_tokens
        (PLAIN, 50_000, 0, 16_384),  # DeepInfra's output cap
        (DEEPSEEK, None, 0, 16_384),  # catalog max_tokens equals the context: not a real cap
        (ChatModel(id="a/b", context_window=4096, max_tokens=4096), 4000, 4000, 4096 - 1000),
        (ChatModel(id="a/b", context_window=4096, max_tokens=4096), 100, 4000, 100),
        (
            ChatModel(id="a/b", context_window=1000, max_tokens=1000),
            500,
            40_000,
            500,
        ),  # over: let the server say
    ],
)
def test_max_tokens_clamp(
    model: ChatModel, requested: int | None, prompt_chars: int, sent: int, caplog: pytest.LogCaptureFixture
) -> None:
    text = "x" * (prompt_chars - 16)  # 16 = the per-message allowance of 4 tokens x 4 chars
    data: dict[str, Any] = {"model": model.id, "messages": [{"role": "user", "content": text or "hi"}]}
    if requested is not None:
        data["options"] = {"max_tokens": requested}
    with caplog.at_level(logging.WARNING):
        got = build_payload(ChatRequest.model_validate(data), model, stream=False)["max_tokens"]
    assert got == sent
    assert ("may not fit" in caplog.text) == (prompt_chars > model.context_window)


@pytest.mark.parametrize(
    ("options", "tools", "message"),
    [
        ({"stop": ["a", "b", "c", "d", "e"]}, None, "at most 4"),
        ({"stop": ["a", ""]}, None, "stop sequence is empty"),
        ({"logprobs": True}, None, "logprobs are not available"),
        ({"top_logprobs": 3}, None, "logprobs are not available"),
        ({"response_format": {"type": "json_schema"}}, None, "needs a json_schema"),
        ({"tool_choice": {"type": "function", "function": {"name": "nope"}}}, [WEATHER], "not among"),
        ({"tool_choice": "required"}, None, "needs at least one tool"),
    ],
)
def test_invalid_options_fail_before_any_request(
    make_chat: MakeChat, options: dict[str, Any], tools: Any, message: str
) -> None:
    runtime, transport = make_chat()
    provider = DeepInfraTextProvider(runtime)
    with pytest.raises(RequestValidationError, match=message) as info:
        provider.stream(request(options=options, tools=tools))
    assert info.value.exit_code == 2 and info.value.hint
    assert transport.requests == []


def test_misspelt_option_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_tokenz"):
        request(options={"max_tokenz": 5})


@pytest.mark.parametrize(
    ("ref", "wire_id", "context", "max_tokens"),
    [
        ("deepinfra/deepseek-ai/DeepSeek-V4-Flash", "deepseek-ai/DeepSeek-V4-Flash", 1_048_576, 16_384),
        ("deepseek-ai/DeepSeek-V4-Flash", "deepseek-ai/DeepSeek-V4-Flash", 1_048_576, 16_384),
        ("deepinfra/meta-llama/Llama-9:3f2c1a", "meta-llama/Llama-9:3f2c1a", 128_000, 8192),
        ("deepinfra/deploy_id:abc123XYZ", "deploy_id:abc123XYZ", 128_000, 8192),
        ("  deepinfra/Some-User/My-Model  ", "Some-User/My-Model", 128_000, 8192),
    ],
)
def test_model_refs_pass_through_verbatim(
    make_chat: MakeChat, ref: str, wire_id: str, context: int, max_tokens: int
) -> None:
    runtime, _ = make_chat()
    model = resolve_chat_model(runtime, ref)
    assert (model.id, model.context_window) == (wire_id, context)
    assert body(model)["model"] == wire_id
    assert body(model)["max_tokens"] == max_tokens


def test_a_resolved_model_is_kept_only_while_its_catalog_rows_are(make_chat: MakeChat) -> None:
    runtime, _ = make_chat()
    static = runtime.static.snapshot()
    first = resolve_chat_model(runtime, f"deepinfra/{DEEPSEEK.id}", static)
    assert resolve_chat_model(runtime, DEEPSEEK.id, runtime.static.snapshot()) is first  # same rows
    row = static.find(DEEPSEEK.id)
    assert row is not None
    bigger = replace(row, context_length=(row.context_length or 0) + 1)
    refreshed = CatalogSnapshot(
        source="live",
        surfaces={"chat": replace(static.surface("chat"), models=(bigger,)), **{
            name: catalog for name, catalog in static.surfaces.items() if name != "chat"
        }},
    )  # fmt: skip
    again = resolve_chat_model(runtime, DEEPSEEK.id, refreshed)
    assert again.context_window == bigger.context_length != first.context_window


def test_empty_model_ref_is_a_validation_error(make_chat: MakeChat) -> None:
    runtime, _ = make_chat()
    with pytest.raises(RequestValidationError, match="empty"):
        resolve_chat_model(runtime, "deepinfra/")


# -- anthropic prompt caching (reference §6.2) -----------------------------------------------------

CLAUDE = ChatModel(id="anthropic/claude-9-sonnet")
EPH = {"type": "ephemeral"}


def _cache_body(retention: str | None) -> dict[str, Any]:
    messages = [
        {"role": "system", "content": "stable prefix"},
        {"role": "user", "content": [{"type": "text", "text": "first"}, {"type": "text", "text": ""}]},
        {"role": "assistant", "content": "ok"},
        {"role": "tool", "tool_call_id": "c", "content": "tool out"},
    ]
    options = {"cache_retention": retention} if retention else {}
    data = {"model": CLAUDE.id, "messages": messages, "tools": [WEATHER, WEATHER], "options": options}
    return build_payload(ChatRequest.model_validate(data), CLAUDE, stream=False)


@pytest.mark.parametrize("retention", [None, "short", "long"])
def test_anthropic_cache_markers(retention: str | None) -> None:
    sent = _cache_body(retention)
    assert sent["messages"] == [
        {"role": "system", "content": [{"type": "text", "text": "stable prefix", "cache_control": EPH}]},
        {"role": "user", "content": [{"type": "text", "text": "first", "cache_control": EPH},
                                     {"type": "text", "text": ""}]},
        {"role": "assistant", "content": "ok"},
        # a tool message keeps string content (DeepInfra answers 422 to a list): the last user
        # message carries the marker instead
        {"role": "tool", "tool_call_id": "c", "content": "tool out"},
    ]  # fmt: skip
    assert "cache_control" not in sent["tools"][0]
    assert sent["tools"][1]["cache_control"] == EPH
    assert "ttl" not in str(sent)


def test_anthropic_cache_retention_none_strips_every_marker() -> None:
    sent = _cache_body("none")
    assert "cache_control" not in str(sent)
    payload: dict[str, Any] = {
        "model": "Anthropic/claude-x",
        "tools": [{"type": "function", "cache_control": EPH}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "a", "cache_control": EPH}]}],
    }
    apply_cache_markers(payload, "none")
    assert "cache_control" not in str(payload)


def test_cache_markers_only_for_anthropic_models() -> None:
    data = {"model": PLAIN.id, "messages": [{"role": "system", "content": "s"}, *USER], "tools": [WEATHER]}
    sent = build_payload(ChatRequest.model_validate(data), PLAIN, stream=False)
    assert "cache_control" not in str(sent)


def test_last_user_message_marked_on_its_last_non_empty_text_part() -> None:
    payload: dict[str, Any] = {
        "model": "anthropic/c",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"},
                                         {"type": "text", "text": ""}]},
        ],
    }  # fmt: skip
    apply_cache_markers(payload, None)
    parts = payload["messages"][0]["content"]
    assert [("cache_control" in p) for p in parts] == [False, True, False]


@pytest.mark.parametrize("stream", [False, True])
async def test_the_result_says_a_thinking_level_was_not_sent(make_chat: MakeChat, stream: bool) -> None:
    runtime, transport = make_chat()  # the live catalog tags zai-org/GLM-9 "chat" only
    provider = DeepInfraTextProvider(runtime)
    req = request(model="deepinfra/zai-org/GLM-9", options={"thinking_level": "high"})
    answer = {"choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]}
    if stream:
        transport.reply(sse(answer))
        async with provider.stream(req) as events:
            finish = [e async for e in events][-1]
        assert finish.type == "finish"
        result = finish.result
    else:
        transport.reply({"choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                      "finish_reason": "stop"}]})  # fmt: skip
        result = await provider.complete(req)
    assert "reasoning_effort" not in transport.body()
    assert result.warnings == [
        "thinking level 'high' not sent: DeepInfra's catalog does not tag zai-org/GLM-9 reasoning or "
        "reasoning_effort"
    ]


def test_an_option_set_after_the_request_was_built_is_sent() -> None:
    # `prepare_chat` skips the options when none was set (`model_fields_set`); assignment sets one.
    req = ChatRequest.model_validate({"model": f"deepinfra/{PLAIN.id}", "messages": USER})
    plain = {"model": PLAIN.id, "messages": USER, "max_tokens": 8192}
    assert build_payload(req, PLAIN, stream=False) == {**plain, "stream": False}
    req.options.temperature = 0.5
    req.options.stop = ["END"]
    sent = build_payload(req, PLAIN, stream=False)
    assert sent == {**plain, "temperature": 0.5, "stop": ["END"], "stream": False}
    req.options.logprobs = True
    with pytest.raises(RequestValidationError, match="logprobs"):
        prepare_chat(req)


COLD_WARM_REQUESTS: list[dict[str, Any]] = [
    {"model": "deepinfra/zai-org/GLM-9", "messages": USER},  # a live-catalog row (4,096-token context)
    {"model": f"deepinfra/{DEEPSEEK.id}", "messages": [  # reasoning replayed to DeepSeek only
        *USER, {"role": "assistant", "content": "a", "reasoning_content": "r"}, *USER]},
    {"model": "deepinfra/meta-llama/Llama-9-70B", "messages": [
        *USER, {"role": "assistant", "content": "a", "reasoning_content": "r"}, *USER]},
    {"model": "deepinfra/anthropic/claude-9-sonnet", "tools": [WEATHER],
     "options": {"cache_retention": "long"}, "messages": [{"role": "system", "content": "be brief"}, *USER]},
    {"model": "deepinfra/openai/gpt-oss-120b", "messages": USER, "options": {"thinking_level": "high"}},
    {"model": "deepinfra/some-user/private:abc123", "messages": USER, "options": {"temperature": 0.2}},
]  # fmt: skip


async def test_a_fresh_process_sends_what_a_warm_one_sends(make_chat: MakeChat) -> None:
    # What a call keeps per catalog snapshot (the resolved model and what is derived from it) must
    # never change a byte: the same calls sent with every cache empty and again warm are identical.
    answer = {"choices": [{"index": 0, "message": {"content": "ok"}, "finish_reason": "stop"}]}
    frame = {"choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]}

    async def send_all(provider: DeepInfraTextProvider, transport: Any) -> list[tuple[Any, bytes]]:
        start = len(transport.requests)
        for data in COLD_WARM_REQUESTS:
            transport.reply(answer)
            await provider.complete(ChatRequest.model_validate(data))
            transport.reply(sse(frame))
            async with provider.stream(ChatRequest.model_validate(data)) as events:
                assert [e.type async for e in events][-1] == "finish"
        return [(r.headers.raw, r.content) for r in transport.requests[start:]]

    model_module._RESOLVED.clear()
    runtime, transport = make_chat()
    provider = DeepInfraTextProvider(runtime)
    cold = await send_all(provider, transport)
    assert len(cold) == 2 * len(COLD_WARM_REQUESTS) and len(model_module._RESOLVED) == len(COLD_WARM_REQUESTS)
    assert await send_all(provider, transport) == cold  # warm: same runtime, every cache filled
    runtime, transport = make_chat()
    assert await send_all(DeepInfraTextProvider(runtime), transport) == cold  # a new runtime, warm module
