"""Catalog value types: one model row, one surface's list, one snapshot of all surfaces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

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
