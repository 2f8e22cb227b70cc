"""The adapter as the host finds it: through the plugin entry point, through the older
memory-embedding registration, and through memory-search selection in both key spellings."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.embeddings import (
    LegacyMemoryEmbeddingProvider,
    MemoryEmbeddingProviderCreateOptions,
)
from openclaw_deepinfra.host.contracts.protocols import (
    EmbeddingProviderAdapter,
    MemoryEmbeddingProviderAdapter,
)
from openclaw_deepinfra.host.manifest import parse_manifest
from openclaw_deepinfra.host.registry import PluginRegistry
from openclaw_deepinfra.host.selection import providers_of, select_embedding
from openclaw_deepinfra.surfaces.embeddings.adapter import DeepInfraEmbeddingAdapter
from tests.gateway import load_plugin
from tests.surfaces.embeddings.conftest import MakeHarness, vector_for

pytestmark = pytest.mark.usefixtures("no_deepinfra_env")


def _registry(config: dict[str, Any] | None = None) -> PluginRegistry:
    registry = load_plugin(OpenClawConfig(config or {}))
    return registry


async def test_the_plugin_registers_the_adapter_declared_in_its_manifest() -> None:
    registry = _registry()
    adapter = registry.get("embedding-provider", "deepinfra")
    assert isinstance(adapter, DeepInfraEmbeddingAdapter)
    assert isinstance(adapter, EmbeddingProviderAdapter)
    assert (adapter.id, adapter.default_model, adapter.transport, adapter.auth_provider_id) == (
        "deepinfra",
        "BAAI/bge-m3",
        "remote",
        "deepinfra",
    )
    assert ("embedding-provider", "deepinfra") in registry.records["deepinfra"].registrations
    assert not [d for d in registry.diagnostics if "embedding" in d.message]
    await registry.aclose()


@pytest.mark.parametrize(
    "config",
    [
        {"memory": {"search": {"provider": "deepinfra"}}},
        {"agents": {"defaults": {"memorySearch": {"provider": "deepinfra"}}}},
        {"memorySearch": {"provider": "DeepInfra"}},
    ],
)
async def test_memory_search_selects_it_in_every_key_spelling(config: dict[str, Any]) -> None:
    registry = _registry(config)
    selection = select_embedding(registry.config, providers_of(registry, "embedding-provider"))
    assert (selection.provider_id, selection.model) == ("deepinfra", "BAAI/bge-m3")
    await registry.aclose()


@pytest.mark.parametrize(
    ("ref", "model"),
    [
        ("deepinfra/BAAI/bge-m3", "BAAI/bge-m3"),
        ("  Qwen/Qwen3-Embedding-8B ", "Qwen/Qwen3-Embedding-8B"),
        ("", "BAAI/bge-m3"),
    ],
)
def test_normalize_model_strips_one_provider_prefix(harness: MakeHarness, ref: str, model: str) -> None:
    h = harness()
    assert h.adapter.normalize_model({"model": ref}) == model
    assert h.adapter.normalize_model(ref) == model


async def test_the_older_memory_embedding_registration_path_still_works(
    harness: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness()
    manifest = parse_manifest(
        {"id": "deepinfra", "configSchema": {}, "contracts": {"memoryEmbeddingProviders": ["deepinfra"]}}
    )
    registry = PluginRegistry(h.runtime.config)
    with caplog.at_level(logging.WARNING):
        record = registry.load_plugin(
            "deepinfra",
            lambda api: api.register_memory_embedding_provider(h.adapter),
            manifest,
            "test:legacy",
        )
    assert record.status == "loaded", record.error
    assert any("register_memory_embedding_provider is deprecated" in m for m in caplog.messages)
    adapter = registry.get("embedding-provider", "deepinfra")
    assert adapter is h.adapter
    assert isinstance(adapter, MemoryEmbeddingProviderAdapter)
    # the legacy create options (output_dimensionality) and provider methods (embed_query)
    created = await h.adapter.create(
        MemoryEmbeddingProviderCreateOptions(
            config=h.runtime.config,
            model="Qwen/Qwen3-Embedding-8B",
            output_dimensionality=64,
            fallback="none",
        )
    )
    provider = created.provider
    assert isinstance(provider, LegacyMemoryEmbeddingProvider)
    assert await provider.embed_query("tea?") == vector_for(
        "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: tea?",
        64,
    )
    assert await provider.embed_batch(["a", "b"]) == [vector_for("a", 64), vector_for("b", 64)]
    assert [b.get("dimensions") for b in h.api.bodies] == [64, 64]
    assert created.runtime is not None and created.runtime.cache_key_data == {
        "provider": "deepinfra",
        "model": "Qwen/Qwen3-Embedding-8B",
        "dimensions": 64,
    }
    # plain-dict options, as an older host hands them
    legacy = await h.adapter.create({"config": h.runtime.config, "model": "deepinfra/BAAI/bge-m3"})
    assert legacy.provider is not None and legacy.provider.model == "BAAI/bge-m3"


async def test_registration_does_no_network_and_resolves_no_settings() -> None:
    # A SecretRef that would fail if resolved: registration and default_model must not touch it.
    config = {
        "models": {
            "providers": {"deepinfra": {"apiKey": {"source": "env", "provider": "x", "id": "UNSET_VAR"}}}
        }
    }
    registry = _registry(config)
    adapter = registry.get("embedding-provider", "deepinfra")
    assert isinstance(adapter, DeepInfraEmbeddingAdapter)
    assert adapter.default_model == "BAAI/bge-m3"
    assert registry.records["deepinfra"].status == "loaded"
    await registry.aclose()
