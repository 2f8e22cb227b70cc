"""Embedding provider contract for memory search (host-contracts §8.1), with the legacy adapter."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias, runtime_checkable

from pydantic import Field

from openclaw_deepinfra.host.contracts.common import (
    ConfigField,
    HostModel,
    JsonObject,
    SecretInput,
    StrictModel,
)

EmbeddingTransport: TypeAlias = Literal["local", "remote"]


class EmbeddingInputObject(HostModel):
    text: str
    parts: list[JsonObject] | None = None


EmbeddingInput: TypeAlias = str | EmbeddingInputObject


class EmbedOptions(HostModel):
    signal: asyncio.Event | None = None
    input_type: str | None = None
    """``"query"``, ``"document"``, …"""


class EmbeddingRemoteOptions(HostModel):
    base_url: str | None = None
    api_key: SecretInput | None = Field(default=None, repr=False)
    headers: dict[str, SecretInput] | None = Field(default=None, repr=False)


class EmbeddingLocalOptions(HostModel):
    model_path: str | None = None
    model_cache_dir: str | None = None


class EmbeddingProviderCreateOptions(HostModel):
    config: ConfigField
    agent_dir: Path | None = None
    provider: str | None = None
    remote: EmbeddingRemoteOptions | None = None
    model: str
    input_type: str | None = None
    query_input_type: str | None = None
    document_input_type: str | None = None
    local: EmbeddingLocalOptions | None = None
    dimensions: int | None = None
    task_type: str | None = None


class MemoryEmbeddingProviderCreateOptions(EmbeddingProviderCreateOptions):
    """Legacy adapter options."""

    fallback: str | None = None
    output_dimensionality: int | None = None


class EmbeddingUsage(StrictModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingBatchResult(StrictModel):
    embeddings: list[list[float]]
    usage: EmbeddingUsage | None = None


@runtime_checkable
class EmbeddingProvider(Protocol):
    """Optional: ``dimensions``, ``max_input_tokens``, ``embed_batch_detailed``, ``close``."""

    @property
    def id(self) -> str: ...

    @property
    def model(self) -> str: ...

    async def embed(self, input: EmbeddingInput, opts: EmbedOptions | None = None) -> list[float]: ...

    async def embed_batch(
        self, inputs: Sequence[EmbeddingInput], opts: EmbedOptions | None = None
    ) -> list[list[float]]: ...


class EmbeddingProviderRuntime(StrictModel):
    id: str
    cache_key_data: JsonObject | None = None
    """Index identity: provider + this (+ aliases). Never holds a secret."""
    index_identity_aliases: list[JsonObject] | None = None
    inline_query_timeout_ms: int | None = None
    inline_batch_timeout_ms: int | None = None
    batch_embed: Callable[..., Awaitable[list[list[float]] | None]] | None = None
    source_wide_batch_embed: Callable[..., Awaitable[Any]] | None = None


class EmbeddingProviderCreateResult(StrictModel):
    provider: EmbeddingProvider | None
    runtime: EmbeddingProviderRuntime | None = None


class EmbeddingIndexIdentity(StrictModel):
    model: str
    cache_key_data: JsonObject
    aliases: list[JsonObject] | None = None


@runtime_checkable
class LegacyMemoryEmbeddingProvider(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def model(self) -> str: ...

    async def embed_query(self, text: str) -> list[float]: ...

    async def embed_batch(self, texts: Sequence[str]) -> list[list[float]]: ...
