"""DeepInfra model catalog: wire projection, surface buckets, static fallback, refresher."""

from __future__ import annotations

from openclaw_deepinfra.catalog.buckets import bucket_models, build_snapshot
from openclaw_deepinfra.catalog.models import (
    SURFACES,
    CatalogModel,
    CatalogSnapshot,
    Source,
    Surface,
    SurfaceCatalog,
)
from openclaw_deepinfra.catalog.static import StaticCatalog, load_static_catalog
from openclaw_deepinfra.catalog.store import SnapshotStore
from openclaw_deepinfra.catalog.wire import parse_projection

__all__ = [
    "SURFACES",
    "CatalogModel",
    "CatalogSnapshot",
    "SnapshotStore",
    "Source",
    "StaticCatalog",
    "Surface",
    "SurfaceCatalog",
    "bucket_models",
    "build_snapshot",
    "load_static_catalog",
    "parse_projection",
]
