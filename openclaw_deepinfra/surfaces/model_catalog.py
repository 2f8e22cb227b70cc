"""The unified model catalog provider (host contract §8.2) and the per-surface report the CLI shows.

`None` from `live_catalog` means "nothing live, keep the static rows": an empty list would starve
the host's picker, so it is never returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from openclaw_deepinfra.catalog.models import CatalogSnapshot, Surface
from openclaw_deepinfra.host.contracts.model_catalog import (
    UnifiedModelCatalogContext,
    UnifiedModelCatalogEntry,
)
from openclaw_deepinfra.host.contracts.protocols import ModelCatalogKind
from openclaw_deepinfra.settings import API_KEY_ENV, API_TOKEN_ENV, PROVIDER_ID
from openclaw_deepinfra.surfaces.provider_base import RuntimeProvider
from openclaw_deepinfra.surfaces.video.common import capabilities_for

DOCS_PATH: Final = "/providers/deepinfra"
KIND_SURFACES: Final[dict[ModelCatalogKind, Surface]] = {
    "text": "chat",
    "image_generation": "image-gen",
    "video_generation": "video-gen",
    "voice": "tts",
}


class DeepInfraModelCatalog(RuntimeProvider):
    provider: Final = PROVIDER_ID
    kinds: Final[Sequence[ModelCatalogKind]] = tuple(KIND_SURFACES)

    def static_catalog(self, ctx: UnifiedModelCatalogContext | None = None) -> list[UnifiedModelCatalogEntry]:
        return _entries(self._runtime.static.snapshot())

    async def live_catalog(
        self, ctx: UnifiedModelCatalogContext | None = None
    ) -> list[UnifiedModelCatalogEntry] | None:
        if self._runtime.settings().api_key is None:
            return None
        snapshot = await self._runtime.catalog().refresh()
        if snapshot.source == "static":
            return None
        entries = _entries(snapshot, only_sources=("live", "cache"))
        return entries or None

    async def surface_report(self, *, refresh: bool = False) -> dict[str, Any]:
        """Every surface's list and default and where they came from (`models --json`)."""
        self._runtime.settings()  # a configuration error is reported, not hidden behind static rows
        snapshot = await self._runtime.catalog().refresh(force=refresh)
        return snapshot.to_json()

    async def verify_key(self) -> dict[str, Any]:
        """`{level, detail, request_id}`: one free authenticated call (`doctor`)."""
        from openclaw_deepinfra.surfaces.account import verify_key

        check = await verify_key(self._runtime)
        return {"level": check.level, "detail": check.detail, "request_id": check.request_id}


def _entries(
    snapshot: CatalogSnapshot, *, only_sources: tuple[str, ...] | None = None
) -> list[UnifiedModelCatalogEntry]:
    entries: list[UnifiedModelCatalogEntry] = []
    for kind, surface in KIND_SURFACES.items():
        catalog = snapshot.surfaces.get(surface)
        if catalog is None or (only_sources is not None and catalog.source not in only_sources):
            continue
        entries.extend(
            UnifiedModelCatalogEntry(
                kind=kind,
                provider=PROVIDER_ID,
                model=model.id,
                label=model.name or model.id,
                source=catalog.source,
                default=model.id == catalog.default,
                auth_env_vars=[API_KEY_ENV, API_TOKEN_ENV],
                docs_path=DOCS_PATH,
                fetched_at=snapshot.fetched_at if catalog.source != "static" else None,
                # Every video entry, live or shipped, carries the capabilities a call checks against.
                capabilities=capabilities_for(model.id) if kind == "video_generation" else None,
            )
            for model in catalog.models
        )
    return entries
