"""A DeepInfra runtime whose HTTP transport is scripted per test and counts open connections."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.chat import ChatEventStream, ChatFinish, ChatRequest, ChatResult
from openclaw_deepinfra.runtime import DeepInfraRuntime

BASE = "https://api.deepinfra.com/v1/openai"
CHAT_URL = f"{BASE}/chat/completions"
KEY = "di-chat-test-key-0123456789abcdef"
CATALOG_ROW: dict[str, Any] = {
    "id": "zai-org/GLM-9",
    "metadata": {
        "tags": ["chat"],
        "context_length": 4096,
        "pricing": {"input_tokens": 1.0, "output_tokens": 2.0},
    },
}


def sse(*frames: dict[str, Any] | str, done: bool = True) -> bytes:
    """An event stream: each frame a `data:` event (dicts as JSON), then `data: [DONE]`."""
    out = b"".join(
        b"data: " + (f if isinstance(f, str) else json.dumps(f)).encode() + b"\n\n" for f in frames
    )
    return out + (b"data: [DONE]\n\n" if done else b"")


def chunk(delta: dict[str, Any] | None = None, *, finish: str | None = None, index: int = 0,
          model: str = "deepseek-ai/DeepSeek-V4-Flash", **extra: Any) -> dict[str, Any]:  # fmt: skip
    choices = [] if delta is None and finish is None else [
        {"index": index, "delta": delta or {}, "finish_reason": finish}
    ]  # fmt: skip
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": model,
        "choices": choices,
        **extra,
    }


async def collect(stream: ChatEventStream) -> ChatResult:
    """Drain a chat stream (closing it) and return the result its `ChatFinish` carried."""
    async with stream:
        async for event in stream:
            if isinstance(event, ChatFinish):
                return event.result
    raise AssertionError("the stream ended without a ChatFinish")


def request(model: str = "deepinfra/deepseek-ai/DeepSeek-V4-Flash", **fields: Any) -> ChatRequest:
    data: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "hi"}], **fields}
    return ChatRequest.model_validate(data)


class TrackedStream(httpx.AsyncByteStream):
    """Response body that yields `chunks`, then optionally hangs; counts as open until closed."""

    def __init__(self, owner: ScriptedTransport, chunks: Sequence[bytes], hang: bool) -> None:
        self._owner = owner
        self._chunks = chunks
        self._hang = hang
        self.closed = False
        owner.opened += 1

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._chunks:
            self._owner.sent += 1
            yield piece
            await asyncio.sleep(0)
        if self._hang:
            await asyncio.Event().wait()  # a server that keeps the stream open

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            self._owner.closed += 1


@dataclass
class Scripted:
    status: int = 200
    chunks: Sequence[bytes] = ()
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "text/event-stream"})
    hang: bool = False


@dataclass
class ScriptedTransport(httpx.AsyncBaseTransport):
    replies: list[Scripted] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    opened: int = 0
    closed: int = 0
    sent: int = 0
    # The catalog projection (GET /models) is answered here, apart from the scripted chat replies:
    # a model the snapshot lacks makes the chat surface refresh the catalog once.
    catalog: dict[str, Any] = field(default_factory=lambda: {"data": [CATALOG_ROW]})
    catalog_requests: int = 0

    @property
    def open_connections(self) -> int:
        return self.opened - self.closed

    def reply(self, body: bytes | dict[str, Any] | Iterable[bytes], *, status: int = 200,
              hang: bool = False, headers: dict[str, str] | None = None) -> None:  # fmt: skip
        if isinstance(body, dict):
            chunks: list[bytes] = [json.dumps(body).encode()]
            default = {"content-type": "application/json"}
        elif isinstance(body, bytes):
            chunks, default = [body], {"content-type": "text/event-stream"}
        else:
            chunks, default = list(body), {"content-type": "text/event-stream"}
        self.replies.append(Scripted(status, chunks, headers or default, hang))

    def body(self, number: int = -1) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.requests[number].content)
        return parsed

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        if request.method == "GET" and request.url.path.endswith("/models"):
            self.catalog_requests += 1
            return httpx.Response(200, json=self.catalog, request=request)
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        scripted = self.replies.pop(0)
        stream = TrackedStream(self, scripted.chunks, scripted.hang)
        return httpx.Response(scripted.status, headers=scripted.headers, stream=stream, request=request)


MakeChat = Callable[..., tuple[DeepInfraRuntime, ScriptedTransport]]


@pytest.fixture
async def make_chat(tmp_path: Path) -> AsyncIterator[MakeChat]:
    made: list[DeepInfraRuntime] = []

    def make(config: dict[str, Any] | None = None, **env: str) -> tuple[DeepInfraRuntime, ScriptedTransport]:
        transport = ScriptedTransport()
        environment = {
            "OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / "cache"),
            "DEEPINFRA_API_KEY": KEY,
            **env,
        }
        data = config or {"models": {"providers": {"deepinfra": {"maxRetries": 0}}}}
        runtime = DeepInfraRuntime(
            OpenClawConfig(data, env=environment), env=environment, transport_factory=lambda: transport
        )
        made.append(runtime)
        return runtime, transport

    yield make
    for runtime in made:
        await runtime.aclose()
