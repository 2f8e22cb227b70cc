"""Memory-search embeddings: the `deepinfra` adapter, its provider, batching and index identity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openclaw_deepinfra.surfaces.embeddings.adapter import DeepInfraEmbeddingAdapter

if TYPE_CHECKING:
    from openclaw_deepinfra.surfaces.embeddings.provider import (
        DeepInfraEmbeddingProvider,
        EmbeddingBatchError,
    )

__all__ = ["DeepInfraEmbeddingAdapter", "DeepInfraEmbeddingProvider", "EmbeddingBatchError"]


def __getattr__(name: str) -> Any:
    # The provider (batching, wire format) loads on first use, not when the plugin registers.
    if name in ("DeepInfraEmbeddingProvider", "EmbeddingBatchError"):
        from openclaw_deepinfra.surfaces.embeddings import provider

        return getattr(provider, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
