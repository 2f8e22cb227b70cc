"""Host contracts: protocol conformance, alias handling, strictness and small helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.embeddings import (
    EmbeddingBatchResult,
    EmbeddingProvider,
    EmbeddingProviderCreateOptions,
    EmbeddingProviderCreateResult,
)
from openclaw_deepinfra.host.contracts.image import (
    GeneratedImage,
    ImageEditCapabilities,
    ImageGenerationProviderCapabilities,
    ImageGenerationRequest,
)
from openclaw_deepinfra.host.contracts.media import ApiKeyMediaAuth, AudioTranscriptionRequest, NoneMediaAuth
from openclaw_deepinfra.host.contracts.model_catalog import UnifiedModelCatalogEntry
from openclaw_deepinfra.host.contracts.model_rows import ModelCatalogModel, ModelCompatConfig
from openclaw_deepinfra.host.contracts.protocols import (
    EmbeddingProviderAdapter,
    ImageGenerationProvider,
    MediaUnderstandingProvider,
    SpeechProvider,
    TextProvider,
    UnifiedModelCatalogProvider,
    VideoGenerationProvider,
)
from openclaw_deepinfra.host.contracts.speech import (
    SpeechSynthesisRequest,
    SpeechSynthesisResult,
    SpeechSynthesisStreamResult,
)
from openclaw_deepinfra.host.contracts.text import (
    ModelDefinitionConfig,
    ModelProviderConfig,
    ProviderApiKeyResolution,
    ProviderCatalogContext,
    ProviderCatalogResult,
)
from openclaw_deepinfra.host.contracts.video import (
    GeneratedVideo,
    VideoGenerationProviderCapabilities,
    provider_options_mismatch,
)

# -- protocol conformance -------------------------------------------------------------------------


class GoodText:
    id = "t"
    label = "T"
    auth: Sequence[Any] = ()


class GoodSpeech:
    id = "s"
    label = "S"

    def is_configured(self, ctx: Any) -> bool:
        return True

    async def synthesize(self, req: Any) -> Any:
        return None


class GoodMedia:
    id = "m"
    capabilities = ("image",)


class GoodImage:
    id = "i"
    capabilities = ImageGenerationProviderCapabilities(edit=ImageEditCapabilities(enabled=False))

    async def generate_image(self, req: Any) -> Any:
        return None


class GoodVideo:
    id = "v"
    capabilities = VideoGenerationProviderCapabilities()

    async def generate_video(self, req: Any) -> Any:
        return None


class GoodAdapter:
    id = "e"

    async def create(self, opts: Any) -> Any:
        return None


class GoodEmbedder:
    id = "e"
    model = "m"

    async def embed(self, input: Any, opts: Any = None) -> list[float]:
        return [0.0]

    async def embed_batch(self, inputs: Any, opts: Any = None) -> list[list[float]]:
        return [[0.0]]


class GoodCatalog:
    provider = "c"
    kinds = ("text",)


class OnlyId:
    id = "x"


PROTOCOL_CASES = [
    (TextProvider, GoodText),
    (SpeechProvider, GoodSpeech),
    (MediaUnderstandingProvider, GoodMedia),
    (ImageGenerationProvider, GoodImage),
    (VideoGenerationProvider, GoodVideo),
    (EmbeddingProviderAdapter, GoodAdapter),
    (EmbeddingProvider, GoodEmbedder),
    (UnifiedModelCatalogProvider, GoodCatalog),
]


@pytest.mark.parametrize(("protocol", "good"), PROTOCOL_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_conforming_class_satisfies_protocol(protocol: type, good: type) -> None:
    assert isinstance(good(), protocol)


@pytest.mark.parametrize(("protocol", "good"), PROTOCOL_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_class_missing_members_does_not_satisfy_protocol(protocol: type, good: type) -> None:
    assert not isinstance(OnlyId(), protocol)
    assert not isinstance(object(), protocol)


def test_speech_protocol_needs_synthesize() -> None:
    class NoSynth:
        id = "s"
        label = "S"

        def is_configured(self, ctx: Any) -> bool:
            return True

    assert not isinstance(NoSynth(), SpeechProvider)


# -- aliases: camelCase and snake_case in, camelCase out ------------------------------------------

ROW_CAMEL = {
    "id": "org/Model-X",
    "name": "Model X",
    "reasoning": True,
    "input": ["text", "image"],
    "cost": {
        "input": 0.1,
        "output": 0.2,
        "cacheRead": 0.01,
        "cacheWrite": 0,
        "tieredPricing": [{"input": 1, "output": 2, "range": [0, 1000]}],
    },
    "contextWindow": 1000,
    "maxTokens": 100,
    "compat": {"supportsUsageInStreaming": True, "thinkingFormat": "deepseek"},
}
ROW_SNAKE = {
    "id": "org/Model-X",
    "name": "Model X",
    "reasoning": True,
    "input": ["text", "image"],
    "cost": {
        "input": 0.1,
        "output": 0.2,
        "cache_read": 0.01,
        "cache_write": 0,
        "tiered_pricing": [{"input": 1, "output": 2, "range": [0, 1000]}],
    },
    "context_window": 1000,
    "max_tokens": 100,
    "compat": {"supports_usage_in_streaming": True, "thinking_format": "deepseek"},
}


@pytest.mark.parametrize("data", [ROW_CAMEL, ROW_SNAKE], ids=["camel", "snake"])
def test_model_definition_accepts_both_spellings(data: dict[str, Any]) -> None:
    row = ModelDefinitionConfig.model_validate(data)
    assert row.context_window == 1000
    assert row.cost.cache_read == 0.01
    assert row.cost.tiered_pricing is not None and row.cost.tiered_pricing[0].range == (0, 1000)
    assert row.compat is not None and row.compat.thinking_format == "deepseek"


def test_model_definition_dumps_camel_case_by_alias() -> None:
    dumped = ModelDefinitionConfig.model_validate(ROW_SNAKE).model_dump(by_alias=True, exclude_none=True)
    assert dumped["contextWindow"] == 1000
    assert dumped["maxTokens"] == 100
    assert dumped["cost"]["cacheRead"] == 0.01
    assert dumped["compat"] == {"supportsUsageInStreaming": True, "thinkingFormat": "deepseek"}
    assert "context_window" not in dumped


COMPAT_KEYS = [
    "supportsStore",
    "supportsDeveloperRole",
    "supportsReasoningEffort",
    "supportsUsageInStreaming",
    "supportsStrictMode",
    "maxTokensField",
    "requiresToolResultName",
    "requiresAssistantAfterToolResult",
    "requiresThinkingAsText",
    "requiresReasoningContentOnAssistantMessages",
    "openRouterRouting",
    "vercelGatewayRouting",
    "zaiToolStream",
    "cacheControlFormat",
    "sendSessionAffinityHeaders",
    "sendSessionIdHeader",
    "supportsLongCacheRetention",
    "supportsEagerToolInputStreaming",
    "supportsPromptCacheKey",
    "thinkingFormat",
    "supportedReasoningEfforts",
    "reasoningEffortMap",
    "visibleReasoningDetailTypes",
    "supportsTools",
    "requiresStringContent",
    "strictMessageKeys",
    "toolSchemaProfile",
    "unsupportedToolSchemaKeywords",
    "nativeWebSearchTool",
    "toolCallArgumentsEncoding",
    "requiresMistralToolIds",
    "requiresOpenAiAnthropicToolPayload",
    "codeMode",
]


@pytest.mark.parametrize("key", COMPAT_KEYS)
def test_every_compat_key_is_a_declared_field(key: str) -> None:
    declared = {info.alias for info in ModelCompatConfig.model_fields.values()}
    assert key in declared


def test_host_model_keeps_unknown_fields_and_strict_model_rejects_them() -> None:
    compat = ModelCompatConfig.model_validate({"futureFlag": True})
    assert compat.model_extra == {"futureFlag": True}
    with pytest.raises(ValidationError, match=r"revised_promt"):
        GeneratedImage(buffer=b"x", mime_type="image/png", revised_promt="typo")  # type: ignore[call-arg]


def test_provider_config_hides_api_key_in_repr() -> None:
    cfg = ModelProviderConfig(base_url="https://x", api_key="sk-secret-value", models=[])
    assert "sk-secret-value" not in repr(cfg)
    assert cfg.api_key == "sk-secret-value"
    resolution = ProviderApiKeyResolution(api_key="sk-secret-value")
    assert "sk-secret-value" not in repr(resolution)
    auth = ApiKeyMediaAuth(api_key="sk-secret-value")
    assert "sk-secret-value" not in repr(auth)


def test_cfg_field_wraps_a_plain_mapping_into_openclaw_config() -> None:
    req = SpeechSynthesisRequest.model_validate(
        {"text": "hi", "cfg": {"tts": {"provider": "x"}}, "timeoutMs": 1000}
    )
    assert isinstance(req.cfg, OpenClawConfig)
    assert req.cfg.get("tts.provider") == "x"
    with pytest.raises(ValidationError):
        SpeechSynthesisRequest(text="hi", cfg=42, timeout_ms=1000)  # type: ignore[arg-type]


def test_request_accepts_camel_case_keys() -> None:
    req = ImageGenerationRequest.model_validate(
        {
            "provider": "deepinfra",
            "model": "m",
            "prompt": "p",
            "cfg": {},
            "timeoutMs": 5,
            "aspectRatio": "1:1",
            "inputImages": [{"buffer": b"\x89PNG", "mimeType": "image/png"}],
        }
    )
    assert req.timeout_ms == 5 and req.aspect_ratio == "1:1"
    assert req.input_images is not None and req.input_images[0].mime_type == "image/png"
    assert req.is_edit


# -- results and capabilities ----------------------------------------------------------------------


def test_generated_image_needs_a_non_empty_buffer() -> None:
    with pytest.raises(ValidationError):
        GeneratedImage(buffer=b"", mime_type="image/png")


@pytest.mark.parametrize(
    ("kwargs", "ok"),
    [
        ({"url": "https://x/v.mp4"}, True),
        ({"buffer": b"\x00\x01"}, True),
        ({"buffer": b"", "url": "https://x/v.mp4"}, True),
        ({"buffer": b""}, False),
        ({}, False),
    ],
)
def test_generated_video_needs_buffer_or_url(kwargs: dict[str, Any], ok: bool) -> None:
    if ok:
        assert GeneratedVideo(mime_type="video/mp4", **kwargs).mime_type == "video/mp4"
    else:
        with pytest.raises(ValidationError, match="buffer or a url"):
            GeneratedVideo(mime_type="video/mp4", **kwargs)


def test_video_capabilities_use_openclaw_mode_keys() -> None:
    caps = VideoGenerationProviderCapabilities.model_validate(
        {
            "generate": {
                "maxVideos": 1,
                "supportedDurationSeconds": [5, 8],
                "aspectRatios": ["16:9"],
                "providerOptions": {"seed": "number", "negative_prompt": "string"},
            },
            "imageToVideo": {"enabled": False},
            "videoToVideo": {"enabled": False},
        }
    )
    assert caps.image_to_video is not None and caps.image_to_video.enabled is False
    dumped = caps.model_dump(by_alias=True, exclude_none=True)
    assert set(dumped) == {"generate", "imageToVideo", "videoToVideo"}
    assert dumped["generate"]["providerOptions"] == {"seed": "number", "negative_prompt": "string"}
    with pytest.raises(ValidationError):
        VideoGenerationProviderCapabilities.model_validate({"imageToVideo": {}})  # enabled is required
    with pytest.raises(ValidationError):
        VideoGenerationProviderCapabilities.model_validate({"providerOptions": {"seed": "int"}})


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (None, None),
        ({}, None),
        ({"seed": 3}, None),
        ({"seed": 1.5, "style": "anime"}, None),
        ({"seed": True}, "provider option seed must be a number"),
        ({"style": 3}, "provider option style must be a string"),
        ({"loop": True}, "unsupported provider option: loop"),
    ],
)
def test_provider_options_allowlist(options: dict[str, Any] | None, expected: str | None) -> None:
    allowlist = {"seed": "number", "style": "string"}
    assert provider_options_mismatch(allowlist, options) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("ext", "dotted"), [(".mp3", ".mp3"), ("mp3", ".mp3")])
def test_speech_result_accepts_extension_with_or_without_dot(ext: str, dotted: str) -> None:
    result = SpeechSynthesisResult(
        audio_buffer=b"ID3", output_format="mp3", file_extension=ext, voice_compatible=True
    )
    assert result.dotted_extension == dotted
    assert result.model_dump(by_alias=True)["audioBuffer"] == b"ID3"


async def test_stream_result_holds_an_async_iterator() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    result = SpeechSynthesisStreamResult(
        audio_stream=chunks(), output_format="mp3", file_extension=".mp3", voice_compatible=True
    )
    assert [c async for c in result.audio_stream] == [b"a", b"b"]
    with pytest.raises(ValidationError):
        SpeechSynthesisStreamResult(
            audio_stream=[b"a"],
            output_format="mp3",  # type: ignore[arg-type]
            file_extension=".mp3",
            voice_compatible=True,
        )


@pytest.mark.parametrize(
    ("auth", "api_key", "expected"),
    [
        (None, "legacy", "legacy"),
        ({"kind": "api-key", "apiKey": "new"}, "legacy", "new"),
        ({"kind": "none", "source": "local"}, "legacy", None),
    ],
)
def test_media_request_prefers_auth_over_api_key(auth: Any, api_key: str, expected: str | None) -> None:
    req = AudioTranscriptionRequest.model_validate(
        {"buffer": b"RIFF", "fileName": "a.wav", "apiKey": api_key, "auth": auth, "timeoutMs": 1000}
    )
    assert req.resolved_api_key() == expected
    assert isinstance(req.auth, ApiKeyMediaAuth | NoneMediaAuth | type(None))


def test_embedding_create_result_checks_the_provider_protocol() -> None:
    result = EmbeddingProviderCreateResult(provider=GoodEmbedder())
    assert result.provider is not None and result.provider.model == "m"
    assert EmbeddingProviderCreateResult(provider=None).provider is None
    with pytest.raises(ValidationError):
        EmbeddingProviderCreateResult(provider=OnlyId())  # type: ignore[arg-type]
    batch = EmbeddingBatchResult.model_validate(
        {"embeddings": [[0.1]], "usage": {"promptTokens": 3, "totalTokens": 3}}
    )
    assert batch.usage is not None and batch.usage.prompt_tokens == 3
    opts = EmbeddingProviderCreateOptions.model_validate(
        {"config": {}, "model": "BAAI/bge-m3", "dimensions": 256}
    )
    assert isinstance(opts.config, OpenClawConfig)


def test_catalog_result_and_context() -> None:
    provider = ModelProviderConfig.model_validate({"baseUrl": "https://x", "models": [ROW_CAMEL]})
    assert ProviderCatalogResult(provider=provider).provider == provider
    assert ProviderCatalogResult(providers={}).providers == {}
    ctx = ProviderCatalogContext(config=OpenClawConfig({}, env={}))
    assert ctx.resolve_provider_api_key("deepinfra").api_key is None
    assert ctx.resolve_provider_auth(None).source == "none"


def test_manifest_catalog_row_drops_unknown_inputs() -> None:
    row = ModelCatalogModel.model_validate({"id": "x", "input": ["text", "video", "image", "document"]})
    assert row.input == ["text", "image", "document"]
    assert row.name is None and row.cost is None


def test_unified_catalog_entry_carries_video_capabilities() -> None:
    entry = UnifiedModelCatalogEntry.model_validate(
        {
            "kind": "video_generation",
            "provider": "deepinfra",
            "model": "Pixverse/Pixverse-T2V",
            "source": "live",
            "capabilities": {"maxVideos": 1, "imageToVideo": {"enabled": False}},
        }
    )
    assert isinstance(entry.capabilities, VideoGenerationProviderCapabilities)
    with pytest.raises(ValidationError):
        UnifiedModelCatalogEntry(kind="audio", provider="p", model="m", source="live")  # type: ignore[arg-type]


def test_all_contract_models_are_pydantic() -> None:
    import importlib
    import pkgutil

    from openclaw_deepinfra.host import contracts

    # Every model each contract module defines (not the ones it imports from a sibling).
    modules = [
        importlib.import_module(f"{contracts.__name__}.{info.name}")
        for info in pkgutil.iter_modules(contracts.__path__)
    ]
    models = [
        v
        for module in modules
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == module.__name__
    ]
    assert len(models) > 60
    for model in models:
        assert model.model_config.get("populate_by_name") is True, model
