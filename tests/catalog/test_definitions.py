"""Catalog rows -> host chat model definitions."""

from __future__ import annotations

import pytest

from openclaw_deepinfra.catalog.definitions import (
    DEFAULT_CONTEXT_WINDOW,
    DEFAULT_MAX_TOKENS,
    chat_definitions,
    model_cost,
    model_definition,
)
from openclaw_deepinfra.catalog.models import CatalogModel, build_snapshot
from openclaw_deepinfra.catalog.static import StaticCatalog, load_static_catalog


@pytest.fixture(scope="module")
def static() -> StaticCatalog:
    return load_static_catalog()


def test_bare_live_row_gets_the_defaults() -> None:
    definition = model_definition(CatalogModel(id="acme/new-model", tags=("chat",)))
    assert definition.id == "acme/new-model"
    assert definition.name == "acme/new-model"
    assert definition.api == "openai-completions"
    assert definition.reasoning is False
    assert definition.input == ["text"]
    assert (definition.context_window, definition.max_tokens) == (DEFAULT_CONTEXT_WINDOW, DEFAULT_MAX_TOKENS)
    assert (definition.context_window, definition.max_tokens) == (128000, 8192)
    assert definition.cost.model_dump() == {
        "input": 0.0,
        "output": 0.0,
        "cache_read": 0.0,
        "cache_write": 0.0,
        "tiered_pricing": None,
    }
    assert definition.compat is not None
    assert definition.compat.supports_usage_in_streaming is True
    assert definition.compat.thinking_format is None
    assert model_cost(CatalogModel(id="acme/new-model", tags=("chat",)))[1] is False


@pytest.mark.parametrize(
    ("tags", "reasoning", "inputs"),
    [
        (("chat",), False, ["text"]),
        (("chat", "reasoning"), True, ["text"]),
        (("chat", "reasoning_effort"), True, ["text"]),
        (("chat", "vision"), False, ["text"]),
        (("chat", "vlm"), False, ["text", "image"]),
        (("vlm", "reasoning"), True, ["text", "image"]),
    ],
)
def test_reasoning_and_input_from_tags(tags: tuple[str, ...], reasoning: bool, inputs: list[str]) -> None:
    definition = model_definition(CatalogModel(id="acme/m", tags=tags))
    assert definition.reasoning is reasoning
    assert definition.input == inputs


def test_live_limits_and_price_are_used() -> None:
    model = CatalogModel(
        id="acme/m",
        tags=("chat",),
        context_length=32768,
        max_tokens=4096,
        pricing={"input_tokens": 0.5, "output_tokens": 1.5, "cache_read_tokens": 0.05},
    )
    definition = model_definition(model)
    assert (definition.context_window, definition.max_tokens) == (32768, 4096)
    assert (definition.cost.input, definition.cost.output, definition.cost.cache_read) == (0.5, 1.5, 0.05)
    assert definition.cost.cache_write == 0.0
    assert model_cost(model)[1] is True


@pytest.mark.parametrize(
    ("model_id", "compat", "expected"),
    [
        ("deepseek-ai/DeepSeek-V4-Flash", {}, "deepseek"),
        ("DeepSeek-AI/whatever", {}, "deepseek"),
        ("deepseek-ai/x", {"thinkingFormat": "openai"}, "openai"),
        ("deepseek-ai/x", {"thinking_format": "qwen"}, "qwen"),
        ("deepseek/x", {}, None),
        ("acme/deepseek-ai", {}, None),
        ("no-slash", {}, None),
    ],
)
def test_thinking_format(model_id: str, compat: dict[str, str], expected: str | None) -> None:
    definition = model_definition(CatalogModel(id=model_id, tags=("chat",), compat=compat))
    assert definition.compat is not None
    assert definition.compat.thinking_format == expected


def test_static_row_definition(static: StaticCatalog) -> None:
    row = static.surface("chat").find("deepseek-ai/DeepSeek-V3.2")
    assert row is not None
    definition = model_definition(row)
    assert definition.name == "DeepSeek V3.2"
    assert definition.reasoning is False
    assert (definition.context_window, definition.max_tokens) == (163840, 163840)
    assert (definition.cost.input, definition.cost.output, definition.cost.cache_read) == (0.26, 0.38, 0.13)
    assert definition.compat is not None and definition.compat.thinking_format == "deepseek"
    dumped = definition.model_dump(by_alias=True, exclude_none=True)
    assert dumped["status"] == "deprecated"
    assert dumped["replacedBy"] == "deepseek-ai/DeepSeek-V4-Pro"
    assert dumped["contextWindow"] == 163840
    assert dumped["compat"] == {"supportsUsageInStreaming": True, "thinkingFormat": "deepseek"}


def test_live_row_enriched_by_its_manifest_row(static: StaticCatalog) -> None:
    row = static.surface("chat").find("zai-org/GLM-5.1")
    live = CatalogModel(id="zai-org/GLM-5.1", tags=("chat",), context_length=100000)
    definition = model_definition(live, static_row=row)
    assert definition.name == "GLM-5.1"
    assert definition.reasoning is True, "manifest value wins over the (absent) tag"
    assert definition.context_window == 100000, "live limit wins"
    assert definition.max_tokens == 202752, "manifest fills what live lacks"
    assert (definition.cost.input, definition.cost.output) == (1.05, 3.5), "manifest price as fallback"
    assert definition.compat is not None and definition.compat.code_mode == "capable"
    assert definition.model_dump(by_alias=True)["replacedBy"] == "zai-org/GLM-5.2"


def test_chat_definitions_for_a_snapshot(static: StaticCatalog) -> None:
    static_defs = chat_definitions(static.snapshot(), static)
    assert [d.id for d in static_defs] == list(static.surface("chat").ids)
    kimi = next(d for d in static_defs if d.id == "moonshotai/Kimi-K2.5")
    assert kimi.input == ["text", "image"]
    live = build_snapshot(
        [
            CatalogModel(id="acme/fresh", tags=("chat", "vlm")),
            CatalogModel(id="deepseek-ai/DeepSeek-V4-Pro", tags=("chat",)),
        ],
        static,
        source="live",
    )
    live_defs = chat_definitions(live, static)
    assert [d.id for d in live_defs] == ["acme/fresh", "deepseek-ai/DeepSeek-V4-Pro"]
    assert live_defs[0].input == ["text", "image"]
    assert live_defs[1].name == "DeepSeek V4 Pro"
    assert live_defs[1].cost.input == 1.3
