"""The text provider object: catalogs, dynamic models, pure hooks and the onboarding method."""

from __future__ import annotations

import httpx
import pytest
import respx

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.protocols import TextProvider
from openclaw_deepinfra.host.contracts.text import (
    ProviderAuthContext,
    ProviderCatalogContext,
    ProviderDynamicModelContext,
)
from openclaw_deepinfra.surfaces.auth import OnboardingError, config_patch
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from tests.surfaces.conftest import BASE, KEY, LIVE, MODELS_URL, MakeRuntime


def _ctx(runtime_config: OpenClawConfig) -> ProviderCatalogContext:
    return ProviderCatalogContext(config=runtime_config)


def test_the_provider_satisfies_the_host_protocol(make_runtime: MakeRuntime) -> None:
    provider = DeepInfraTextProvider(make_runtime())
    assert isinstance(provider, TextProvider)
    assert (provider.id, provider.label, provider.docs_path) == (
        "deepinfra",
        "DeepInfra",
        "/providers/deepinfra",
    )
    assert provider.catalog.order == "simple"
    assert [m.id for m in provider.auth] == ["api-key"]
    assert KEY not in repr(provider)


def test_static_catalog_is_the_manifest_chat_rows_without_network(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime()
    provider = DeepInfraTextProvider(runtime)
    with respx.mock() as mock:  # no route: any request would fail the test
        assert provider.catalog.static_run is not None
        result = provider.catalog.static_run(_ctx(runtime.config))
        assert mock.calls.call_count == 0
    assert result is not None and not isinstance(result, type(None))
    config = result.provider  # type: ignore[union-attr]
    assert config is not None
    assert (config.base_url, config.api, config.api_key) == (BASE, "openai-completions", None)
    by_id = {m.id: m for m in config.models}
    flash = by_id["deepseek-ai/DeepSeek-V4-Flash"]
    assert config.models[0].id == "deepseek-ai/DeepSeek-V4-Flash"
    assert (flash.context_window, flash.cost.input, flash.cost.output) == (1048576, 0.09, 0.18)
    assert flash.compat is not None and flash.compat.thinking_format == "deepseek"
    assert flash.compat.supports_usage_in_streaming is True
    kimi = by_id["moonshotai/Kimi-K2.5"]
    assert kimi.input == ["text", "image"]
    assert kimi.model_dump(by_alias=True)["replacedBy"] == "moonshotai/Kimi-K2.6"
    assert by_id["deepseek-ai/DeepSeek-V3.2"].reasoning is False
    assert by_id["stepfun-ai/Step-3.7-Flash"].compat.thinking_format is None  # type: ignore[union-attr]


async def test_live_catalog_without_a_key_is_skipped(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(key=False)
    with respx.mock() as mock:
        result = await DeepInfraTextProvider(runtime).catalog.run(_ctx(runtime.config))
        assert mock.calls.call_count == 0
    assert result is None


async def test_live_catalog_is_ready_and_never_carries_the_literal_key(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime()
    with respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json=LIVE)
        result = await DeepInfraTextProvider(runtime).catalog.run(_ctx(runtime.config))
    assert result is not None and result.provider is not None
    assert [o.status for o in result.outcomes or []] == ["ready"]
    assert [m.id for m in result.provider.models] == [
        "zai-org/GLM-9",
        "deepseek-ai/DeepSeek-V4-Flash",
        "Qwen/Qwen9-VL",
    ]
    glm = result.provider.models[0]
    assert (glm.context_window, glm.max_tokens, glm.reasoning) == (202752, 8192, True)
    assert (glm.cost.input, glm.cost.output) == (0.5, 1.5)
    assert result.provider.models[2].input == ["text", "image"]
    # live row without metadata limits keeps the manifest's (richer) values for a known id
    assert result.provider.models[1].context_window == 1048576
    assert result.provider.api_key == "${DEEPINFRA_API_KEY}"
    assert KEY not in result.model_dump_json()


async def test_live_catalog_hands_the_configured_secret_input_through(make_runtime: MakeRuntime) -> None:
    secret_ref = {"source": "env", "provider": "default", "id": "MY_DEEPINFRA_KEY"}
    runtime = make_runtime(
        {"models": {"providers": {"deepinfra": {"apiKey": secret_ref}}}}, key=False, MY_DEEPINFRA_KEY=KEY
    )
    with respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json=LIVE)
        result = await DeepInfraTextProvider(runtime).catalog.run(_ctx(runtime.config))
    assert result is not None and result.provider is not None
    assert result.provider.api_key == secret_ref


async def test_failed_catalog_without_a_good_one_reports_unavailable(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime()
    with respx.mock() as mock:
        mock.get(MODELS_URL).mock(side_effect=httpx.ConnectError("refused"))
        result = await DeepInfraTextProvider(runtime).catalog.run(_ctx(runtime.config))
    assert result is not None
    assert result.providers == {} and result.provider is None
    assert [(o.provider, o.status) for o in result.outcomes or []] == [("deepinfra", "unavailable")]


@pytest.mark.parametrize(
    ("ref", "model_id", "context_window", "max_tokens"),
    [
        ("deepseek-ai/DeepSeek-V4-Flash", "deepseek-ai/DeepSeek-V4-Flash", 1048576, 1048576),
        ("deepinfra/moonshotai/Kimi-K2.6", "moonshotai/Kimi-K2.6", 262144, 262144),
        ("deepinfra/deepinfra/odd", "deepinfra/odd", 128000, 8192),  # one prefix stripped, no more
        ("someorg/private-model:v2", "someorg/private-model:v2", 128000, 8192),
        ("deploy_id:abc123XYZ", "deploy_id:abc123XYZ", 128000, 8192),
    ],
)
def test_dynamic_models_accept_any_id(
    make_runtime: MakeRuntime, ref: str, model_id: str, context_window: int, max_tokens: int
) -> None:
    runtime = make_runtime(key=False)
    provider = DeepInfraTextProvider(runtime)
    model = provider.resolve_dynamic_model(
        ProviderDynamicModelContext(config=runtime.config, provider="deepinfra", model_id=ref)
    )
    assert (model.id, model.provider, model.base_url) == (model_id, "deepinfra", BASE)
    assert (model.context_window, model.max_tokens, model.api) == (
        context_window,
        max_tokens,
        "openai-completions",
    )


def test_pure_hooks(make_runtime: MakeRuntime) -> None:
    provider = DeepInfraTextProvider(make_runtime(key=False))

    class Ctx:
        def __init__(self, **values: object) -> None:
            self.__dict__.update(values)

    assert provider.normalize_transport(Ctx(api="openai-completions", base_url=BASE + "/")) == {
        "api": "openai-completions",
        "base_url": BASE,
    }
    assert (
        provider.normalize_transport(Ctx(api="openai-completions", base_url="https://proxy.example/v1"))
        is None
    )
    marker = object()
    assert provider.normalize_config(Ctx(provider_config=marker)) is marker
    assert provider.is_cache_ttl_eligible(Ctx(provider="deepinfra", model_id="Anthropic/claude-5")) is True
    assert provider.is_cache_ttl_eligible(Ctx(provider="deepinfra", model_id="deepseek-ai/x")) is False
    assert provider.is_modern_model_ref(Ctx()) is True


async def test_onboarding_method_returns_a_profile_and_a_config_patch(make_runtime: MakeRuntime) -> None:
    method = DeepInfraTextProvider(make_runtime(key=False)).auth[0]
    ctx = ProviderAuthContext(
        config=OpenClawConfig({}), opts={"deepinfraApiKey": f"  {KEY} "}, interactive=False
    )
    result = await method.run(ctx)
    assert [p.profile_id for p in result.profiles] == ["deepinfra:default"]
    assert result.profiles[0].credential == {"type": "api_key", "provider": "deepinfra", "key": KEY}
    assert result.config_patch == {
        "agents": {
            "defaults": {
                "model": {"primary": "deepinfra/deepseek-ai/DeepSeek-V4-Flash"},
                "models": {"deepinfra/deepseek-ai/DeepSeek-V4-Flash": {"alias": "DeepInfra"}},
            }
        }
    }
    assert KEY not in repr(result)
    with pytest.raises(OnboardingError, match="--deepinfra-api-key"):
        await method.run(ProviderAuthContext(config=OpenClawConfig({}), opts={"deepinfraApiKey": "  "}))


@pytest.mark.parametrize(
    ("defaults", "patch"),
    [
        ({"model": "openai/gpt-9"}, {}),
        ({"model": {"primary": "openai/gpt-9", "fallbacks": ["x/y"]}}, {}),
        (
            {"model": {"fallbacks": ["x/y"]}},
            {
                "agents": {
                    "defaults": {
                        "model": {"primary": "deepinfra/deepseek-ai/DeepSeek-V4-Flash"},
                        "models": {"deepinfra/deepseek-ai/DeepSeek-V4-Flash": {"alias": "DeepInfra"}},
                    }
                }
            },
        ),
        (
            {"models": {"deepinfra/deepseek-ai/DeepSeek-V4-Flash": {"alias": "Mine"}}},
            {
                "agents": {
                    "defaults": {
                        "model": {"primary": "deepinfra/deepseek-ai/DeepSeek-V4-Flash"},
                    }
                }
            },
        ),
    ],
)
def test_config_patch_keeps_what_the_user_chose(
    defaults: dict[str, object], patch: dict[str, object]
) -> None:
    assert config_patch({"agents": {"defaults": defaults}}) == patch
