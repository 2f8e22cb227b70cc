"""Tags -> surface buckets, and the per-surface default rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from openclaw_deepinfra.catalog.models import (
    SURFACES,
    CatalogModel,
    CatalogSnapshot,
    Source,
    Surface,
    SurfaceCatalog,
)
from openclaw_deepinfra.catalog.static import StaticCatalog
from openclaw_deepinfra.redact import get_logger

logger = get_logger(__name__)

# Surfaces whose default follows the live ranking (`sort_by=openclaw`): the first tagged entry.
# The others keep a curated default (product decision: STT, TTS, media understanding and
# embeddings must not change model because the backend ranking moved).
LIVE_DEFAULT_SURFACES: frozenset[Surface] = frozenset({"chat", "image-gen", "video-gen"})


def bucket_models(models: Iterable[CatalogModel]) -> dict[Surface, tuple[CatalogModel, ...]]:
    """Each model in every bucket it is tagged for, in input order; other tags bucket nothing."""
    buckets: dict[Surface, list[CatalogModel]] = {s: [] for s in SURFACES}
    for model in models:
        for surface in SURFACES:
            if model.has_tag(surface):
                buckets[surface].append(model)
    return {s: tuple(rows) for s, rows in buckets.items()}


def bucket_counts(models: Iterable[CatalogModel]) -> dict[Surface, int]:
    return {s: len(rows) for s, rows in bucket_models(models).items()}


def build_snapshot(
    models: Iterable[CatalogModel],
    static: StaticCatalog,
    *,
    source: Source,
    fetched_at: float | None = None,
    warnings: tuple[str, ...] = (),
) -> CatalogSnapshot:
    """A snapshot of `models` (live or cached), surface by surface falling back to `static`."""
    if source == "static":
        return CatalogSnapshot(source="static", surfaces=static.surfaces, warnings=warnings)
    buckets = bucket_models(models)
    surfaces: dict[Surface, SurfaceCatalog] = {}
    empty: list[Surface] = []
    for surface in SURFACES:
        rows = buckets[surface]
        if not rows:
            empty.append(surface)
            surfaces[surface] = static.surface(surface)
        else:
            surfaces[surface] = _surface_catalog(surface, rows, static, source)
    if empty:
        logger.info(
            "DeepInfra %s catalog has no entries for %s; serving the static list there",
            source,
            ", ".join(empty),
        )
    return CatalogSnapshot(
        source=source, surfaces=MappingProxyType(surfaces), fetched_at=fetched_at, warnings=warnings
    )


def _surface_catalog(
    surface: Surface, rows: tuple[CatalogModel, ...], static: StaticCatalog, source: Source
) -> SurfaceCatalog:
    # The curated default stays even when the live list does not name it: the list is shown as
    # DeepInfra ranks it, and the default is a product decision, not a ranking. Deprecation is
    # shipped data (the wire does not carry it), so the static surface already says whether the
    # curated default was replaced.
    if surface in LIVE_DEFAULT_SURFACES:
        return SurfaceCatalog(default=rows[0].id, models=rows, source=source)
    curated = static.surface(surface)
    return SurfaceCatalog(
        default=curated.default, models=rows, source=source, deprecated_default=curated.deprecated_default
    )


def describe_counts(counts: Mapping[Surface, int]) -> str:
    return ", ".join(f"{s}={counts.get(s, 0)}" for s in SURFACES)
