"""Catalog rows -> the host's chat model definitions (host-contracts §13)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, get_args

from openclaw_deepinfra.catalog.models import CatalogModel, CatalogSnapshot
from openclaw_deepinfra.catalog.static import StaticCatalog
from openclaw_deepinfra.host.contracts.model_rows import ModelCompatConfig, ModelCost
from openclaw_deepinfra.host.contracts.text import ModelDefinitionConfig, ModelInput
from openclaw_deepinfra.redact import get_logger

logger = get_logger(__name__)

CHAT_API: Final = "openai-completions"
DEFAULT_CONTEXT_WINDOW: Final = 128_000
DEFAULT_MAX_TOKENS: Final = 8_192
REASONING_TAGS: Final = frozenset({"reasoning", "reasoning_effort"})
# DeepSeek models emit DSML tool-call markup and `reasoning_content`, which the host strips or
# recovers only for this thinking format.
DEEPSEEK_VENDOR: Final = "deepseek-ai"
_INPUTS: Final[frozenset[str]] = frozenset(get_args(ModelInput))


def model_cost(model: CatalogModel, *, static_row: CatalogModel | None = None) -> tuple[ModelCost, bool]:
    """Cost per million tokens and whether it is known; unknown is all zeros (not "free").

    The live projection's own price comes first, then the shipped manifest's.
    """
    for pricing in (model.pricing, static_row.pricing if static_row is not None else {}):
        given_in, given_out = pricing.get("input_tokens"), pricing.get("output_tokens")
        if given_in is not None and given_out is not None:
            cost = ModelCost(
                input=given_in, output=given_out, cache_read=pricing.get("cache_read_tokens", 0.0)
            )
            return cost, True
    return ModelCost(input=0.0, output=0.0), False


def model_definition(model: CatalogModel, *, static_row: CatalogModel | None = None) -> ModelDefinitionConfig:
    """One chat model definition; `static_row` (the manifest row with this id) fills what the
    live row lacks: name, reasoning flag, compat, limits, price, deprecation."""
    static = static_row if static_row is not None and static_row is not model else None

    def own_or_static(name: str) -> Any:
        value = getattr(model, name)
        return value if value is not None or static is None else getattr(static, name)

    reasoning = own_or_static("reasoning")
    if reasoning is None:
        reasoning = any(tag in REASONING_TAGS for tag in model.tags)
    if model.input is not None:
        inputs = [i for i in model.input if i in _INPUTS]
    else:
        # `vision` alone does not count: only `vlm` models accept image parts on chat completions.
        inputs = ["text", "image"] if model.has_tag("vlm") else ["text"]
    cost, _known = model_cost(model, static_row=static)
    extra: dict[str, Any] = {}
    status = own_or_static("status")
    if status is not None:
        extra["status"] = status
        replaced_by = own_or_static("replaced_by")
        if replaced_by is not None:
            extra["replacedBy"] = replaced_by
    return ModelDefinitionConfig.model_validate(
        {
            "id": model.id,
            "name": own_or_static("name") or model.id,
            "api": CHAT_API,
            "reasoning": reasoning,
            "input": inputs or ["text"],
            "cost": cost,
            "context_window": own_or_static("context_length") or DEFAULT_CONTEXT_WINDOW,
            "max_tokens": own_or_static("max_tokens") or DEFAULT_MAX_TOKENS,
            "compat": _compat(model, static),
            **extra,
        }
    )


def chat_definitions(snapshot: CatalogSnapshot, static: StaticCatalog) -> list[ModelDefinitionConfig]:
    """Definitions for the snapshot's chat surface, each enriched by its manifest row if any."""
    static_chat = static.surface("chat")
    definitions: list[ModelDefinitionConfig] = []
    unknown = 0
    for model in snapshot.surface("chat").models:
        row = static_chat.find(model.id)
        definitions.append(model_definition(model, static_row=row))
        unknown += not model_cost(model, static_row=row)[1]
    if unknown:
        logger.info(
            "DeepInfra prices unknown for %d chat model(s); their cost is reported as 0 (unknown, not free)",
            unknown,
        )
    return definitions


def vendor_of(model_id: str) -> str:
    return model_id.split("/", 1)[0].strip().lower() if "/" in model_id else ""


def _compat(model: CatalogModel, static: CatalogModel | None) -> ModelCompatConfig:
    merged: dict[str, Any] = {"supportsUsageInStreaming": True}
    for source in (static.compat if static else {}, model.compat):
        merged.update(_camel(source))
    if "thinkingFormat" not in merged and vendor_of(model.id) == DEEPSEEK_VENDOR:
        merged["thinkingFormat"] = "deepseek"
    return ModelCompatConfig.model_validate(merged)


def _camel(values: Mapping[str, Any]) -> dict[str, Any]:
    # Manifest rows are camelCase already; a snake_case key (from Python callers) is mapped so the
    # same setting cannot appear twice under two spellings.
    fields = ModelCompatConfig.model_fields
    return {(fields[k].alias or k) if k in fields else k: v for k, v in values.items()}
