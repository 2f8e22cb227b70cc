"""Memory-search embeddings: the `deepinfra` adapter, its provider, batching and index identity."""

from __future__ import annotations

from openclaw_deepinfra.surfaces.embeddings.adapter import DeepInfraEmbeddingAdapter
from openclaw_deepinfra.surfaces.embeddings.provider import DeepInfraEmbeddingProvider, EmbeddingBatchError

__all__ = ["DeepInfraEmbeddingAdapter", "DeepInfraEmbeddingProvider", "EmbeddingBatchError"]
