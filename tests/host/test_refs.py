from __future__ import annotations

from typing import Any

import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ModelRefError
from openclaw_deepinfra.host.refs import ModelRef, parse_model_ref, resolve_text_model, strip_provider_prefix


@pytest.mark.parametrize(
    ("ref", "provider", "model"),
    [
        ("deepinfra/deepseek-ai/DeepSeek-V4-Flash", "deepinfra", "deepseek-ai/DeepSeek-V4-Flash"),
        ("  DeepInfra/meta-llama/Llama-3.3-70B-Instruct ", "deepinfra", "meta-llama/Llama-3.3-70B-Instruct"),
        (
            "deepinfra/black-forest-labs/FLUX-1-schnell:2b1f",
            "deepinfra",
            "black-forest-labs/FLUX-1-schnell:2b1f",
        ),
        ("deepinfra/deploy_id:abc123", "deepinfra", "deploy_id:abc123"),
        ("deepinfra/deepinfra/x", "deepinfra", "deepinfra/x"),
        ("openai/gpt-4o", "openai", "gpt-4o"),
        ("deep-infra/Qwen/Qwen3", "deepinfra", "Qwen/Qwen3"),  # provider alias
    ],
)
def test_parse_model_ref(ref: str, provider: str, model: str) -> None:
    parsed = parse_model_ref(ref, aliases={"deep-infra": "deepinfra"})
    assert parsed == ModelRef(provider, model)
    assert str(parsed) == f"{provider}/{model}"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("", "has no provider"),
        ("DeepSeek-V4-Flash", "has no provider"),
        ("/model", "empty provider"),
        ("  /model", "empty provider"),
        ("deepinfra/", "empty model"),
        ("deepinfra/   ", "empty model"),
    ],
)
def test_parse_model_ref_errors_have_fix_hint(ref: str, message: str) -> None:
    with pytest.raises(ModelRefError) as info:
        parse_model_ref(ref)
    assert message in str(info.value) and '"<provider>/<model>"' in str(info.value)


def test_parse_model_ref_rejects_non_string() -> None:
    bad: Any = 3
    with pytest.raises(ModelRefError, match="must be a string"):
        parse_model_ref(bad)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("deepinfra/deepseek-ai/X", "deepseek-ai/X"),
        ("deepinfra/deepinfra/X", "deepinfra/X"),
        ("DeepInfra/X", "X"),
        ("deepseek-ai/X", "deepseek-ai/X"),
        ("deepinfraX/Y", "deepinfraX/Y"),
    ],
)
def test_strip_provider_prefix(model: str, expected: str) -> None:
    assert strip_provider_prefix(model, "deepinfra") == expected


CONFIG = OpenClawConfig(
    {
        "agents": {
            "defaults": {"models": {"deepinfra/deepseek-ai/DeepSeek-V4-Flash": {"alias": "DeepInfra"}}}
        },
        "models": {
            "providers": {
                "deepinfra": {"models": [{"id": "only-here"}, {"id": "shared"}]},
                "other": {"models": [{"id": "shared"}]},
            }
        },
    },
    env={},
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deepinfra", ModelRef("deepinfra", "deepseek-ai/DeepSeek-V4-Flash")),  # alias, case-insensitive
        ("other/some/model", ModelRef("other", "some/model")),
        ("only-here", ModelRef("deepinfra", "only-here")),
    ],
)
def test_resolve_text_model(text: str, expected: ModelRef) -> None:
    assert resolve_text_model(CONFIG, text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("shared", "several providers (deepinfra, other)"),
        ("nowhere", "not an alias or a configured model"),
        ("  ", "empty model"),
    ],
)
def test_resolve_text_model_errors(text: str, message: str) -> None:
    with pytest.raises(ModelRefError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve_text_model(CONFIG, text)
