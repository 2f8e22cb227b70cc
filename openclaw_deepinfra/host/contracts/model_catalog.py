"""Unified model catalog (host-contracts §8.2) and the manifest's catalog rows (§9 ``modelCatalog``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from pydantic import field_validator

from openclaw_deepinfra.host.contracts.common import JsonObject, StrictModel
from openclaw_deepinfra.host.contracts.protocols import (
    MODEL_CATALOG_KINDS as MODEL_CATALOG_KINDS,
)
from openclaw_deepinfra.host.contracts.protocols import (
    ModelCatalogKind as ModelCatalogKind,
)
from openclaw_deepinfra.host.contracts.protocols import (
    UnifiedModelCatalogProvider as UnifiedModelCatalogProvider,
)
from openclaw_deepinfra.host.contracts.text import (
    ModelCost,
    ModelRowFields,
    ProviderCatalogContext,
)
from openclaw_deepinfra.host.contracts.video import VideoGenerationProviderCapabilities

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
