"""The shipped static catalog: chat rows from plugin.toml, every other surface from manifests/.

It is what registration uses (a local file read, never the network) and what every surface
falls back to when the live catalog is unavailable or has nothing for it.

Where the data files live: a wheel carries `plugin.toml` and `manifests/` inside the package
(hatch force-include); a source checkout or an editable install has them at the repository root
beside the package.
"""

from __future__ import annotations

import functools
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from openclaw_deepinfra.catalog.models import (
    SURFACES,
    CatalogModel,
    CatalogSnapshot,
    Source,
    Surface,
    SurfaceCatalog,
    curated_surface,
)
from openclaw_deepinfra.catalog.wire import metadata_numbers, positive_int, price
from openclaw_deepinfra.settings import PROVIDER_ID

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _locate(name: str) -> Path:
    inside = _PACKAGE_DIR / name
    return inside if inside.exists() else _PACKAGE_DIR.parent / name


def manifest_path() -> Path:
    """The plugin manifest (`plugin.toml`)."""
    return _locate("plugin.toml")


def manifests_dir() -> Path:
    """The directory of per-surface static catalogs (`manifests/*.toml`)."""
    return _locate("manifests")


class StaticCatalogError(RuntimeError):
    """The shipped manifest data is missing or inconsistent (a packaging bug, not a user error)."""


@dataclass(frozen=True, kw_only=True)
class StaticCatalog(CatalogSnapshot):
    """The shipped catalog: a snapshot whose source is always "static"."""

    source: Source = "static"

    def snapshot(self) -> CatalogSnapshot:
        """A plain snapshot of it, the kind the live catalog falls back to."""
        return CatalogSnapshot(source="static", surfaces=self.surfaces)


def chat_row_to_model(row: Mapping[str, Any]) -> CatalogModel:
    """A `modelCatalog` manifest row (camelCase, host spelling) as a catalog model."""
    model_id = _required_id(row, "plugin.toml modelCatalog")
    raw_input = row.get("input")
    inputs = tuple(v for v in raw_input if isinstance(v, str)) if isinstance(raw_input, list) else ("text",)
    reasoning = row.get("reasoning")
    reasoning = reasoning if isinstance(reasoning, bool) else None
    cost = row.get("cost")
    cost = cost if isinstance(cost, Mapping) else {}
    pricing: dict[str, float] = {}
    for wire_key, cost_key in (("input_tokens", "input"), ("output_tokens", "output")):
        amount = price(cost.get(cost_key))
        if amount is not None:
            pricing[wire_key] = amount
    cache_read = price(cost.get("cacheRead"))
    if cache_read:
        pricing["cache_read_tokens"] = cache_read
    tags = ["chat"]
    if "image" in inputs:
        tags.append("vlm")
    if reasoning:
        tags.append("reasoning")
    compat = row.get("compat")
    return CatalogModel(
        id=model_id,
        tags=tuple(tags),
        name=_opt_str(row.get("name")),
        description=_opt_str(row.get("description")),
        context_length=positive_int(row.get("contextWindow")),
        max_tokens=positive_int(row.get("maxTokens")),
        pricing=pricing,
        status=_opt_str(row.get("status")),
        replaced_by=_opt_str(row.get("replacedBy")),
        reasoning=reasoning,
        input=inputs,
        compat=dict(compat) if isinstance(compat, Mapping) else {},
    )


def surface_row_to_model(row: Mapping[str, Any], surface: Surface, origin: str) -> CatalogModel:
    """A `[[models]]` row of a manifests/*.toml file (wire spelling)."""
    tags = row.get("tags", [surface])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise StaticCatalogError(f"{origin}: tags must be a list of strings")
    return CatalogModel(
        id=_required_id(row, origin),
        tags=tuple(tags),
        name=_opt_str(row.get("name")),
        description=_opt_str(row.get("description")),
        **metadata_numbers(row),
        status=_opt_str(row.get("status")),
        replaced_by=_opt_str(row.get("replaced_by")),
    )


@functools.cache
def load_static_catalog(manifest: Path | None = None, manifests: Path | None = None) -> StaticCatalog:
    """Read and check the shipped static catalog once per process (per path pair)."""
    manifest = manifest or manifest_path()
    manifests = manifests or manifests_dir()
    provider = _dig(_read_toml(manifest), ("modelCatalog", "providers", PROVIDER_ID), manifest)
    raw_rows = provider.get("models")
    if not isinstance(raw_rows, list) or not raw_rows:
        raise StaticCatalogError(f"{manifest}: modelCatalog.providers.{PROVIDER_ID}.models is empty")
    chat = _unique_rows([chat_row_to_model(r) for r in raw_rows if isinstance(r, Mapping)], str(manifest))

    surfaces: dict[Surface, SurfaceCatalog] = {
        "chat": SurfaceCatalog(default=chat[0].id, models=chat, source="static")
    }
    for path in sorted(manifests.glob("*.toml")):
        surface, catalog = _load_surface_file(path, chat)
        if surface in surfaces:
            raise StaticCatalogError(f"{path}: surface {surface!r} is defined twice")
        surfaces[surface] = catalog
    missing = [s for s in SURFACES if s not in surfaces]
    if missing:
        raise StaticCatalogError(f"{manifests}: no static catalog for {', '.join(missing)}")
    return StaticCatalog(MappingProxyType({s: surfaces[s] for s in SURFACES}))


def _load_surface_file(path: Path, chat: tuple[CatalogModel, ...]) -> tuple[Surface, SurfaceCatalog]:
    data = _read_toml(path)
    surface = data.get("surface")
    if surface not in SURFACES or surface == "chat":
        raise StaticCatalogError(f"{path}: surface must be one of the non-chat surfaces, got {surface!r}")
    surface = cast(Surface, surface)
    raw_rows = data.get("models", [])
    if not isinstance(raw_rows, list):
        raise StaticCatalogError(f"{path}: models must be an array of tables")
    rows = [surface_row_to_model(r, surface, str(path)) for r in raw_rows if isinstance(r, Mapping)]
    if surface == "vlm":
        # The vision list is the chat rows that take images, so each model is described once.
        rows = [m for m in chat if m.has_tag("vlm")] + rows
    models = _unique_rows(rows, str(path))
    default = data.get("default")
    if not isinstance(default, str) or not any(m.id == default for m in models):
        raise StaticCatalogError(f"{path}: default {default!r} is not one of the surface's models")
    return surface, curated_surface(default, models, "static")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StaticCatalogError(f"cannot read {path}: {exc}") from exc


def _dig(data: Mapping[str, Any], keys: tuple[str, ...], origin: Path) -> Mapping[str, Any]:
    node: Any = data
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        raise StaticCatalogError(f"{origin}: missing table {'.'.join(keys)}")
    return node


def _unique_rows(rows: list[CatalogModel], origin: str) -> tuple[CatalogModel, ...]:
    duplicates = sorted(i for i, n in Counter(m.id for m in rows).items() if n > 1)
    if duplicates:
        raise StaticCatalogError(f"{origin}: duplicate model ids {duplicates}")
    return tuple(rows)


def _required_id(row: Mapping[str, Any], origin: str) -> str:
    model_id = row.get("id")
    if not isinstance(model_id, str) or not model_id.strip():
        raise StaticCatalogError(f"{origin}: a model row has no id")
    return model_id.strip()


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
