"""Chat streaming end to end: the registered provider against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.errors import InsufficientBalanceError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.chat import ChatCapableProvider, ChatRequest
from openclaw_deepinfra.host.registry import PluginRegistry
from tests.e2e.loopback import LoopbackServer, Reply, Seen, serve

KEY = "di-e2e-chat-key-00112233445566778899"
CHAT_PATH = "/v1/openai/chat/completions"


def frame(payload: dict[str, object]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def delta(content: str, finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": {"content": content}, "finish_reason": finish}
    return frame({"model": "meta-llama/Llama-9-70B", "choices": [choice]})


STREAM = (
    delta("Hel")
    + delta("lo, ")
    + delta("world", "stop")
    + frame({"model": "meta-llama/Llama-9-70B", "choices": [],
             "usage": {"prompt_tokens": 5, "completion_tokens": 3, "estimated_cost": 2e-6}})
    + b"data: [DONE]\n\n"
)  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LoopbackServer]:
    with serve() as srv:
        yield srv


def provider_for(server: LoopbackServer, tmp_path: Path) -> tuple[PluginRegistry, ChatCapableProvider]:
    env = {
        "DEEPINFRA_API_KEY": KEY,
        "DEEPINFRA_BASE_URL": f"{server.base_url}/v1/openai",
        "OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / "cache"),
    }
    config = OpenClawConfig({"models": {"providers": {"deepinfra": {"maxRetries": 0}}}}, env=env)
    registry = PluginRegistry(config)
    registry.load()
    provider = registry.get("provider", "deepinfra")
    assert isinstance(provider, ChatCapableProvider)
    return registry, provider


def chat_request(**options: object) -> ChatRequest:
    return ChatRequest.model_validate(
        {"model": "deepinfra/meta-llama/Llama-9-70B", "messages": [{"role": "user", "content": "hi"}],
         "options": options}
    )  # fmt: skip


async def test_stream_split_mid_frame_over_real_http(server: LoopbackServer, tmp_path: Path) -> None:
    # Cut every 9 bytes: frames, JSON and the `data:` prefix all split across network chunks.
    pieces = tuple(STREAM[i : i + 9] for i in range(0, len(STREAM), 9))
    server.route("POST", CHAT_PATH, Reply.event_stream(pieces, delay_s=0.001))
    registry, provider = provider_for(server, tmp_path)
    try:
        texts: list[str] = []
        async with provider.stream(chat_request(max_tokens=64)) as events:
            async for event in events:
                if event.type == "text_delta":
                    texts.append(event.text)
                elif event.type == "finish":
                    result = event.result
    finally:
        await registry.aclose()
    assert "".join(texts) == "Hello, world" and len(texts) == 3
    assert (result.text, result.finish_reason, result.cost.usd) == ("Hello, world", "stop", 2e-6)
    seen: Seen = server.seen[-1]
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.headers["accept"] == "text/event-stream"
    assert json.loads(seen.body) == {
        "model": "meta-llama/Llama-9-70B",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 64,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


async def test_consumer_stopping_early_hangs_up_on_the_server(server: LoopbackServer, tmp_path: Path) -> None:
    chunks = tuple(delta(f"w{i} ") for i in range(400))
    server.route("POST", CHAT_PATH, Reply.event_stream(chunks, delay_s=0.005))
    registry, provider = provider_for(server, tmp_path)
    try:
        async with provider.stream(chat_request()) as events:
            first = await events.__anext__()
        assert first.type == "text_delta"
        for _ in range(200):  # the server notices on its next writes
            if server.aborted_streams:
                break
            await asyncio.sleep(0.01)
    finally:
        await registry.aclose()
    assert server.aborted_streams == 1


async def test_http_error_reaches_the_host_typed(server: LoopbackServer, tmp_path: Path) -> None:
    server.route(
        "POST", CHAT_PATH, Reply.json({"error": {"message": "You need positive balance"}}, status=402)
    )
    registry, provider = provider_for(server, tmp_path)
    try:
        with pytest.raises(InsufficientBalanceError) as info:
            await provider.complete(chat_request())
    finally:
        await registry.aclose()
    assert info.value.status == 402 and KEY not in str(info.value)
