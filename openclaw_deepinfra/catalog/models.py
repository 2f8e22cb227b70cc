"""Catalog value types (one model row, one surface's list, one snapshot of all surfaces) and the
rules that make a snapshot from rows: tags -> surface buckets, and each surface's default."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, get_args

from openclaw_deepinfra.redact import get_logger

if TYPE_CHECKING:
    from openclaw_deepinfra.catalog.static import StaticCatalog

logger = get_logger(__name__)

Surface = Literal["chat", "vlm", "embed", "image-gen", "video-gen", "tts", "stt"]
SURFACES: tuple[Surface, ...] = get_args(Surface)
Source = Literal["live", "cache", "static"]

# Integer metadata fields shared by the wire parser, the static loader and the on-disk store.
INT_FIELDS: tuple[str, ...] = (
    "context_length",
    "max_tokens",
    "default_width",
    "default_height",
    "default_iterations",
)


@dataclass(frozen=True)
class CatalogModel:
    id: str
    tags: tuple[str, ...]
    name: str | None = None
    description: str | None = None
    context_length: int | None = None
    max_tokens: int | None = None
    pricing: Mapping[str, float] = field(default_factory=dict, hash=False)
    default_width: int | None = None
    default_height: int | None = None
    default_iterations: int | None = None
    # The remaining fields only come from the shipped manifest, never from the wire.
    status: str | None = None
    replaced_by: str | None = None
    reasoning: bool | None = None
    input: tuple[str, ...] | None = None
    compat: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def has_tag(self, tag: str) -> bool:
        return tag in self.tags

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (wire spelling): tuples as lists; `None` and empty mappings are left out."""
        out: dict[str, Any] = {}
        for name in (f.name for f in fields(self)):
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value) or None
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True)
class SurfaceCatalog:
    default: str
    models: tuple[CatalogModel, ...]
    source: Source
    # The curated default this surface's `default` stands in for, when that one is deprecated.
    deprecated_default: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.models)

    def find(self, model_id: str) -> CatalogModel | None:
        return next((m for m in self.models if m.id == model_id), None)


def curated_surface(curated: str, models: tuple[CatalogModel, ...], source: Source) -> SurfaceCatalog:
    """A surface whose default is `curated`, or what replaces it when the catalog marks it deprecated.

    The replacement chain is followed while each step is a deprecated row of this surface naming
    a `replaced_by` that is also one of its rows; a replacement the surface does not list is not
    taken (nothing says it can do this surface's job), nor is a cycle.
    """
    by_id = {m.id: m for m in models}
    default, seen = curated, {curated}
    while (row := by_id.get(default)) is not None and row.status == "deprecated":
        nxt = row.replaced_by
        if nxt is None or nxt in seen or nxt not in by_id:
            break
        default = nxt
        seen.add(nxt)
    replaced = curated if default != curated else None
    return SurfaceCatalog(default=default, models=models, source=source, deprecated_default=replaced)


@dataclass(frozen=True)
class CatalogSnapshot:
    source: Source
    surfaces: Mapping[Surface, SurfaceCatalog]
    fetched_at: float | None = None
    warnings: tuple[str, ...] = ()

    def surface(self, surface: Surface) -> SurfaceCatalog:
        return self.surfaces[surface]

    def default(self, surface: Surface) -> str:
        return self.surfaces[surface].default

    def find(self, model_id: str) -> CatalogModel | None:
        """First row with this id, looking through the surfaces in `SURFACES` order."""
        for surface in SURFACES:
            found = self.surfaces[surface].find(model_id) if surface in self.surfaces else None
            if found is not None:
                return found
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "fetched_at": self.fetched_at,
            "warnings": list(self.warnings),
            "surfaces": {
                s: {
                    "default": cat.default,
                    "deprecated_default": cat.deprecated_default,
                    "source": cat.source,
                    "models": [m.to_json() for m in cat.models],
                }
                for s in SURFACES
                if (cat := self.surfaces.get(s)) is not None
            },
        }


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
    surfaces = {
        s: _surface_catalog(s, buckets[s], static, source) if buckets[s] else static.surface(s)
        for s in SURFACES
    }
    empty = [s for s in SURFACES if not buckets[s]]
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
