"""Unified model catalog contract (host-contracts §8.2): one entry per model of any kind, and its context."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from openclaw_deepinfra.host.contracts.common import JsonObject, StrictModel
from openclaw_deepinfra.host.contracts.model_rows import CatalogSource
from openclaw_deepinfra.host.contracts.protocols import ModelCatalogKind
from openclaw_deepinfra.host.contracts.text import ProviderCatalogContext
from openclaw_deepinfra.host.contracts.video import VideoGenerationProviderCapabilities


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
