"""The plugin as a gateway uses it: loaded through the entry point by `PluginRegistry`, called
through the host contracts (text provider `stream`/`complete`, embedding adapter, catalog)."""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from typing import Any

from benchmarks.payloads import CHAT_MODEL, EMBED_MODEL, KEY
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.chat import ChatRequest, ChatUserMessage
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.host.registry import PluginRegistry


def load_registry(
    base: str, cache_dir: str, *, concurrency: int = 16, provider: dict[str, Any] | None = None
) -> PluginRegistry:
    os.environ.update(
        {"DEEPINFRA_API_KEY": KEY, "DEEPINFRA_BASE_URL": base, "OPENCLAW_DEEPINFRA_CACHE_DIR": cache_dir}
    )
    data: dict[str, Any] = {"memory": {"search": {"remote": {"batch": {"concurrency": concurrency}}}}}
    if provider:
        data["models"] = {"providers": {"deepinfra": provider}}
    config = OpenClawConfig(data)
    registry = PluginRegistry(config)
    registry.load([ep for ep in entry_points(group="openclaw.plugins") if ep.name == "deepinfra"])
    record = registry.records["deepinfra"]
    assert record.status == "loaded", record.error
    return registry


class Plugin:
    label = "plugin"

    def __init__(self, registry: PluginRegistry) -> None:
        self.registry = registry
        self.provider: Any = registry.get("provider", "deepinfra")
        self.adapter: Any = registry.get("embedding-provider", "deepinfra")
        self.embedder: Any = None
        # The host builds its request once per turn; the plugin does the rest per call.
        message = ChatUserMessage(content="Say something about foxes.")
        self.request = ChatRequest(model=f"deepinfra/{CHAT_MODEL}", messages=[message])

    async def aclose(self) -> None:
        await self.registry.aclose()

    async def stream_one(self, _: int) -> int:
        deltas = 0
        async with self.provider.stream(self.request) as events:
            async for event in events:
                if event.type == "text_delta":
                    deltas += 1
                elif event.type == "finish":
                    assert event.result.finish_reason == "stop"
        return deltas + 2  # the finish chunk and the usage chunk carry no text

    async def complete_one(self, _: int) -> int:
        result = await self.provider.complete(self.request)
        return 1 if result.text else 0

    async def embed(self, texts: list[str], size: int, concurrency: int) -> list[Any]:
        if self.embedder is None:
            config = self.registry.config
            created = await self.adapter.create(
                EmbeddingProviderCreateOptions(config=config, model=EMBED_MODEL)
            )
            self.embedder = created.provider
        vectors: list[Any] = await self.embedder.embed_batch(texts)
        return vectors
