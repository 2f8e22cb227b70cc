"""The `with_meta` model projection (`GET {base}/models?filter=with_meta`), parsed defensively.

Deliberately more forgiving than the reference: one malformed row is skipped (and counted)
instead of discarding the whole catalog. A non-empty answer from which nothing survives is
still malformed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openclaw_deepinfra.catalog.models import INT_FIELDS, CatalogModel
from openclaw_deepinfra.errors import MalformedResponseError
from openclaw_deepinfra.redact import get_logger

logger = get_logger(__name__)

_MAX_SAFE_INT = 2**53 - 1
_SHAPE_ERROR = "Live model catalog response must be an array or { data: [] }"
_EMPTY_ERROR = "DeepInfra model metadata discovery unavailable: no usable model rows in a non-empty answer"


@dataclass(frozen=True)
class ParsedProjection:
    models: tuple[CatalogModel, ...]
    skipped: tuple[str, ...] = ()  # why each malformed row was dropped
    ignored: int = 0  # blank ids and `metadata` null/missing: filtered by design, not malformed
    duplicates: int = 0


def positive_int(value: Any) -> int | None:
    """A positive safe integer, else None.

    Integral floats (`8192.0`) and plain ASCII digit strings (`"8192"`) are accepted because
    both have turned up in hand-edited metadata; `1.5`, `"1.5"`, `0`, `-1` and booleans are not.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            return None
        value = int(text)
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= _MAX_SAFE_INT:
        return value
    return None


def price(value: Any) -> float | None:
    """A finite non-negative number (USD per the key's unit), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def parse_pricing(raw: Any) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        return {}
    amounts = {key: price(value) for key, value in raw.items() if isinstance(key, str) and key}
    return {key: amount for key, amount in amounts.items() if amount is not None}


def _entries(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, Mapping) and isinstance(body.get("data"), list):
        return list(body["data"])
    raise MalformedResponseError(_SHAPE_ERROR, body_excerpt=repr(body)[:200])


def _parse_row(entry: Any) -> CatalogModel | str | None:
    """A model, a reason string for a malformed row, or None for a row ignored by design."""
    if not isinstance(entry, Mapping):
        return f"entry is {type(entry).__name__}, not an object"
    raw_id = entry.get("id")
    if not isinstance(raw_id, str):
        return "entry without a string id"
    model_id = raw_id.strip()
    meta = entry.get("metadata")
    if not model_id or meta is None:
        return None
    if not isinstance(meta, Mapping):
        return f"{model_id}: metadata is not an object"
    raw_tags = meta.get("tags")
    if not isinstance(raw_tags, list):
        return f"{model_id}: tags is not a list"
    tags = tuple(dict.fromkeys(t.strip() for t in raw_tags if isinstance(t, str) and t.strip()))
    description = meta.get("description")
    name = entry.get("name")
    return CatalogModel(
        id=model_id,
        tags=tags,
        name=name.strip() if isinstance(name, str) and name.strip() else None,
        description=description if isinstance(description, str) else None,
        **metadata_numbers(meta),
    )


def metadata_numbers(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Limits, prices and image defaults of one row: kept only when they are sane numbers."""
    numbers: dict[str, Any] = {name: positive_int(meta.get(name)) for name in INT_FIELDS}
    return {**numbers, "pricing": parse_pricing(meta.get("pricing"))}


def parse_projection_report(body: Any) -> ParsedProjection:
    entries = _entries(body)
    models: dict[str, CatalogModel] = {}
    skipped: list[str] = []
    ignored = 0
    duplicates = 0
    for entry in entries:
        parsed = _parse_row(entry)
        if parsed is None:
            ignored += 1
        elif isinstance(parsed, str):
            skipped.append(parsed)
        elif parsed.id in models:
            duplicates += 1
        else:
            models[parsed.id] = parsed
    if entries and not models:
        raise MalformedResponseError(_EMPTY_ERROR, body_excerpt=repr(body)[:200])
    if skipped:
        logger.warning(
            "DeepInfra model catalog: skipped %d malformed row(s) (first: %s)", len(skipped), skipped[0]
        )
    if duplicates:
        logger.debug("DeepInfra model catalog: %d duplicate id(s) ignored (first wins)", duplicates)
    return ParsedProjection(tuple(models.values()), tuple(skipped), ignored, duplicates)


def to_wire_row(model: CatalogModel) -> dict[str, Any]:
    """The inverse of `parse_projection_report` for one row (used to persist a catalog): its id and
    name at the top, everything else under `metadata`."""
    metadata = model.to_json()
    row = {"id": metadata.pop("id"), "metadata": metadata}
    if "name" in metadata:
        row["name"] = metadata.pop("name")
    return row
