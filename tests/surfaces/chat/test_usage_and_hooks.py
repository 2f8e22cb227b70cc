"""Usage and cost rules, and the chat hooks the text provider exposes to the host."""

from __future__ import annotations

from typing import Any

import pytest

from openclaw_deepinfra.host.contracts.chat import ChatCapableProvider, ChatUsage
from openclaw_deepinfra.host.contracts.model_rows import ModelCost
from openclaw_deepinfra.surfaces.chat.model import ChatModel
from openclaw_deepinfra.surfaces.chat.usage import chat_cost, parse_usage
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from tests.surfaces.chat.conftest import MakeChat, chunk, collect, request, sse

PRICED = ChatModel(id="a/b", cost=ModelCost(input=1.0, output=2.0, cache_read=0.25), cost_known=True)


@pytest.mark.parametrize(
    ("raw", "usage", "reported"),
    [
        (
            {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "estimated_cost": 0.5,
             "prompt_tokens_details": {"cached_tokens": 4},
             "completion_tokens_details": {"reasoning_tokens": 3}},
            ChatUsage(prompt_tokens=10, completion_tokens=5, total_tokens=15, cached_tokens=4,
                      reasoning_tokens=3),
            0.5,
        ),
        ({"prompt_tokens": 7, "completion_tokens": 1},
         ChatUsage(prompt_tokens=7, completion_tokens=1, total_tokens=8), None),
        ({"prompt_tokens": 7, "prompt_cache_hit_tokens": 6, "estimated_cost": 0},
         ChatUsage(prompt_tokens=7, total_tokens=7, cached_tokens=6), 0.0),
        ({"prompt_tokens": "x", "estimated_cost": True}, ChatUsage(), None),
    ],
)  # fmt: skip
def test_parse_usage(raw: dict[str, Any], usage: ChatUsage, reported: float | None) -> None:
    assert parse_usage(raw) == (usage, reported)


def test_parse_usage_ignores_non_objects() -> None:
    assert parse_usage(None) is None and parse_usage([1]) is None


def test_cost_rules() -> None:
    usage = ChatUsage(prompt_tokens=3_000_000, completion_tokens=1_000_000, cached_tokens=1_000_000)
    assert chat_cost(usage, 0.75, PRICED).model_dump() == {"usd": 0.75, "source": "reported"}
    assert chat_cost(usage, None, PRICED).model_dump() == {"usd": 2 * 1.0 + 0.25 + 2.0, "source": "catalog"}
    no_cache_price = ChatModel(id="a/b", cost=ModelCost(input=1.0, output=2.0), cost_known=True)
    assert chat_cost(usage, None, no_cache_price).usd == 3.0 + 2.0
    unknown = chat_cost(usage, None, ChatModel(id="x/y"))
    assert unknown.model_dump() == {"usd": None, "source": "unknown"}  # unknown, never "free"
    assert chat_cost(None, None, PRICED).usd is None


async def test_provider_exposes_the_chat_hooks(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    provider = DeepInfraTextProvider(runtime)
    assert isinstance(provider, ChatCapableProvider)
    transport.reply(
        {
            "id": "x",
            "model": "deepseek-ai/DeepSeek-V4-Flash",
            "service_tier": "default",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "tool_calls": [
                        {"id": "c9", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]},
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11, "estimated_cost": 1e-6},
        },
        headers={"content-type": "application/json", "x-request-id": "req-42"},
    )  # fmt: skip
    result = await provider.complete(request(options={"temperature": 0}))
    assert result.model_dump() == {
        "model": "deepseek-ai/DeepSeek-V4-Flash",
        "requested_model": "deepseek-ai/DeepSeek-V4-Flash",
        "choices": [{"index": 0, "text": "", "reasoning": "", "finish_reason": "tool_calls",
                     "tool_calls": [{"id": "c9", "type": "function",
                                     "function": {"name": "f", "arguments": '{"a": 1}'}}]}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11, "cached_tokens": 0,
                  "reasoning_tokens": None},
        "cost": {"usd": 1e-6, "source": "reported"},
        "service_tier": "default",
        "request_id": "req-42",
        "warnings": [],
    }  # fmt: skip
    sent = transport.body()
    assert sent == {
        "model": "deepseek-ai/DeepSeek-V4-Flash",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 16384,
        "temperature": 0,
        "stream": False,
    }
    assert str(transport.requests[0].url) == "https://api.deepinfra.com/v1/openai/chat/completions"


async def test_default_model_without_a_key_is_the_shipped_default(make_chat: MakeChat) -> None:
    runtime, transport = make_chat(DEEPINFRA_API_KEY="")
    assert await DeepInfraTextProvider(runtime).default_model() == "deepinfra/deepseek-ai/DeepSeek-V4-Flash"
    assert transport.requests == []


async def test_default_model_with_a_key_is_the_live_first_chat_model(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    assert await DeepInfraTextProvider(runtime).default_model() == "deepinfra/zai-org/GLM-9"
    assert (transport.catalog_requests, transport.requests) == (1, [])


async def test_a_model_only_the_live_catalog_knows_gets_its_limits_and_prices(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    choice = {"message": {"content": "x"}, "finish_reason": "stop"}
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000}
    transport.reply({"model": "zai-org/GLM-9", "choices": [choice], "usage": usage})
    result = await DeepInfraTextProvider(runtime).complete(request("deepinfra/zai-org/GLM-9"))
    assert transport.catalog_requests == 1
    assert transport.body()["max_tokens"] == 4096 - 5  # live context 4096 minus the tiny prompt
    assert (result.cost.usd, result.cost.source) == (3.0, "catalog")
    transport.reply(sse(chunk({"content": "y"}, finish="stop", model="zai-org/GLM-9")))
    await collect(DeepInfraTextProvider(runtime).stream(request("deepinfra/zai-org/GLM-9")))
    assert transport.catalog_requests == 1  # fresh for the TTL: no second fetch
    assert transport.body()["max_tokens"] == 4096 - 5


def test_cache_ttl_eligibility(make_chat: MakeChat) -> None:
    runtime, _ = make_chat()
    provider = DeepInfraTextProvider(runtime)

    class Ctx:
        def __init__(self, model_id: str) -> None:
            self.model_id = model_id

    assert provider.is_cache_ttl_eligible(Ctx("Anthropic/claude-9"))
    assert not provider.is_cache_ttl_eligible(Ctx("deepseek-ai/DeepSeek-V4-Flash"))
