"""Unified model catalog (host-contracts §8.2) and the manifest's catalog rows (§9 ``modelCatalog``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeAlias, runtime_checkable

from pydantic import field_validator

from openclaw_deepinfra.host.contracts.common import JsonObject, StrictModel
from openclaw_deepinfra.host.contracts.text import (
    ModelCost,
    ModelRowFields,
    ProviderCatalogContext,
)
from openclaw_deepinfra.host.contracts.video import VideoGenerationProviderCapabilities

ModelCatalogKind: TypeAlias = Literal[
    "text", "voice", "image_generation", "video_generation", "music_generation"
]
MODEL_CATALOG_KINDS: tuple[ModelCatalogKind, ...] = (
    "text", "voice", "image_generation", "video_generation", "music_generation",
)
CatalogSource: TypeAlias = str
"""``"static"``, ``"live"``, ``"cache"``, ``"manifest"``, ``"configured"``, …"""
ModelStatus: TypeAlias = Literal["available", "preview", "deprecated", "disabled"]

_CATALOG_INPUTS = frozenset({"text", "image", "document"})


class UnifiedModelCatalogEntry(StrictModel):
    kind: ModelCatalogKind
    provider: str
    model: str
    label: str | None = None
    source: CatalogSource
    default: bool | None = None
    configured: bool | None = None
    capabilities: VideoGenerationProviderCapabilities | JsonObject | None = None
    modes: list[str] | None = None
    auth_env_vars: list[str] | None = None
    docs_path: str | None = None
    fetched_at: float | None = None
    expires_at: float | None = None
    warnings: list[str] | None = None


@dataclass
class UnifiedModelCatalogContext(ProviderCatalogContext):
    signal: asyncio.Event | None = None
    include_live: bool = False
    timeout_ms: int | None = None


@runtime_checkable
class UnifiedModelCatalogProvider(Protocol):
    """``UnifiedModelCatalogProviderPlugin``. Optional ``static_catalog(ctx)`` / ``live_catalog(ctx)``,
    sync or async, each returning entries or ``None`` ("no data, keep static rows"; never ``[]``)."""

    @property
    def provider(self) -> str: ...

    @property
    def kinds(self) -> Sequence[ModelCatalogKind]: ...


class ModelCatalogModel(ModelRowFields):
    """A manifest ``modelCatalog.providers.<id>.models[]`` row: definition fields, all optional but
    ``id``, plus lifecycle fields. ``input`` values other than text/image/document are dropped."""

    id: str
    name: str | None = None
    reasoning: bool | None = None
    input: list[Literal["text", "image", "document"]] | None = None
    cost: ModelCost | None = None
    context_window: int | None = None
    max_tokens: int | None = None
    upstream_model: str | None = None
    status: ModelStatus | None = None
    status_reason: str | None = None
    replaces: str | list[str] | None = None
    replaced_by: str | None = None
    tags: list[str] | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _drop_unknown_inputs(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in value if item in _CATALOG_INPUTS]
        return value
