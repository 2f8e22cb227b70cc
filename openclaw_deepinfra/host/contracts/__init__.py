"""Host contracts: one module per surface (pydantic models + ``typing.Protocol`` for provider objects).

Import from here or from the surface module; both are public. Names resolve lazily (on first
access) so importing one contract module, or the light ``protocols`` module the registry checks
against, does not define every surface's models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# mypy cannot see through the lazy `__getattr__` (every name would be Any): these imports give it the
# real types.
if TYPE_CHECKING:
    from openclaw_deepinfra.host.contracts.chat import (
        CacheRetention,
        ChatAssistantMessage,
        ChatCapableProvider,
        ChatChoice,
        ChatContentPart,
        ChatCost,
        ChatEventStream,
        ChatFinish,
        ChatFunctionDefinition,
        ChatImagePart,
        ChatImageUrl,
        ChatJsonSchema,
        ChatMessage,
        ChatNamedFunction,
        ChatNamedToolChoice,
        ChatOptions,
        ChatReasoningDelta,
        ChatRequest,
        ChatResponseFormat,
        ChatResult,
        ChatStreamEvent,
        ChatSystemMessage,
        ChatTextDelta,
        ChatTextPart,
        ChatTool,
        ChatToolCall,
        ChatToolCallDelta,
        ChatToolCallDone,
        ChatToolCallFunction,
        ChatToolChoice,
        ChatToolMessage,
        ChatUsage,
        ChatUsageEvent,
        ChatUserMessage,
        CostSource,
        ThinkingLevel,
    )
    from openclaw_deepinfra.host.contracts.common import (
        ConfigField,
        HostModel,
        JsonObject,
        MaybeAwaitable,
        SecretInput,
        StrictModel,
    )
    from openclaw_deepinfra.host.contracts.embeddings import (
        EmbeddingBatchResult,
        EmbeddingIndexIdentity,
        EmbeddingInput,
        EmbeddingInputObject,
        EmbeddingLocalOptions,
        EmbeddingProvider,
        EmbeddingProviderAdapter,
        EmbeddingProviderCreateOptions,
        EmbeddingProviderCreateResult,
        EmbeddingProviderRuntime,
        EmbeddingRemoteOptions,
        EmbeddingTransport,
        EmbeddingUsage,
        EmbedOptions,
        LegacyMemoryEmbeddingProvider,
        MemoryEmbeddingProviderAdapter,
        MemoryEmbeddingProviderCreateOptions,
        embedding_input_text,
    )
    from openclaw_deepinfra.host.contracts.image import (
        GeneratedImage,
        ImageBackground,
        ImageEditCapabilities,
        ImageFormat,
        ImageGenerateCapabilities,
        ImageGenerationIsConfiguredContext,
        ImageGenerationProvider,
        ImageGenerationProviderCapabilities,
        ImageGenerationRequest,
        ImageGenerationResult,
        ImageGeometryCapabilities,
        ImageInput,
        ImageOutputCapabilities,
        ImageQuality,
        ImageResolution,
    )
    from openclaw_deepinfra.host.contracts.media import (
        MEDIA_CAPABILITIES,
        MEDIA_METHOD_BY_CAPABILITY,
        ApiKeyMediaAuth,
        AudioTranscriptionRequest,
        AudioTranscriptionResult,
        BearerAuth,
        EnvProxy,
        ExplicitProxy,
        HeaderAuth,
        ImageDescriptionRequest,
        ImageDescriptionResult,
        ImagesDescriptionRequest,
        MediaAuth,
        MediaCapability,
        MediaImage,
        MediaResolveAuthContext,
        MediaUnderstandingProvider,
        MediaUnderstandingResult,
        NoneMediaAuth,
        ProviderDefaultAuth,
        TransportAuth,
        TransportOverrides,
        TransportProxy,
        VideoDescriptionRequest,
        VideoDescriptionResult,
    )
    from openclaw_deepinfra.host.contracts.model_catalog import (
        MODEL_CATALOG_KINDS,
        ModelCatalogKind,
        UnifiedModelCatalogContext,
        UnifiedModelCatalogEntry,
        UnifiedModelCatalogProvider,
    )
    from openclaw_deepinfra.host.contracts.model_rows import (
        CatalogSource,
        ImageMediaInput,
        MediaInputConfig,
        ModelCatalogModel,
        ModelCompatConfig,
        ModelCost,
        ModelRowFields,
        ModelStatus,
        TieredPrice,
    )
    from openclaw_deepinfra.host.contracts.speech import (
        SpeechDirectivePolicy,
        SpeechDirectiveTokenContext,
        SpeechDirectiveTokenResult,
        SpeechIsConfiguredContext,
        SpeechListVoicesRequest,
        SpeechPrepareSynthesisContext,
        SpeechPrepareSynthesisResult,
        SpeechProvider,
        SpeechResolveConfigContext,
        SpeechSynthesisRequest,
        SpeechSynthesisResult,
        SpeechSynthesisStreamRequest,
        SpeechSynthesisStreamResult,
        SpeechTarget,
        SpeechVoice,
    )
    from openclaw_deepinfra.host.contracts.text import (
        CATALOG_ORDERS,
        KNOWN_MODEL_APIS,
        ApiKeyAuthMethodOptions,
        AuthKind,
        CatalogOrder,
        CatalogRun,
        ModelDefinitionConfig,
        ModelInput,
        ModelProviderConfig,
        OutcomeStatus,
        ProviderApiKeyResolution,
        ProviderAuthContext,
        ProviderAuthMethod,
        ProviderAuthProfile,
        ProviderAuthResolution,
        ProviderAuthResult,
        ProviderAuthWizard,
        ProviderCatalog,
        ProviderCatalogContext,
        ProviderCatalogOutcome,
        ProviderCatalogResult,
        ProviderDynamicModelContext,
        ProviderRequestConfig,
        ProviderRuntimeModel,
        StaticCatalogRun,
        TextProvider,
    )
    from openclaw_deepinfra.host.contracts.video import (
        VIDEO_INPUT_ROLES,
        GeneratedVideo,
        ProviderOptionType,
        VideoCatalogModelEntry,
        VideoGenerationIsConfiguredContext,
        VideoGenerationProvider,
        VideoGenerationProviderCapabilities,
        VideoGenerationRequest,
        VideoGenerationResult,
        VideoInput,
        VideoInputRole,
        VideoModeCapabilities,
        VideoProgress,
        VideoProgressCallback,
        VideoResolveModelCapabilitiesContext,
        VideoTransformCapabilities,
        provider_options_mismatch,
    )

# Surface module -> the names this package re-exports from it, loaded on first access.
# fmt: off
_MODULES: dict[str, tuple[str, ...]] = {
    "chat": (
        "CacheRetention", "ChatAssistantMessage", "ChatCapableProvider", "ChatChoice", "ChatContentPart",
        "ChatCost", "ChatEventStream", "ChatFinish", "ChatFunctionDefinition", "ChatImagePart",
        "ChatImageUrl", "ChatJsonSchema", "ChatMessage", "ChatNamedFunction", "ChatNamedToolChoice",
        "ChatOptions", "ChatReasoningDelta", "ChatRequest", "ChatResponseFormat", "ChatResult",
        "ChatStreamEvent", "ChatSystemMessage", "ChatTextDelta", "ChatTextPart", "ChatTool", "ChatToolCall",
        "ChatToolCallDelta", "ChatToolCallDone", "ChatToolCallFunction", "ChatToolChoice", "ChatToolMessage",
        "ChatUsage", "ChatUsageEvent", "ChatUserMessage", "CostSource", "ThinkingLevel",
    ),
    "common": (
        "ConfigField", "HostModel", "JsonObject", "MaybeAwaitable", "SecretInput", "StrictModel",
    ),
    "embeddings": (
        "EmbedOptions", "EmbeddingBatchResult", "EmbeddingIndexIdentity", "EmbeddingInput",
        "EmbeddingInputObject", "EmbeddingLocalOptions", "EmbeddingProvider", "EmbeddingProviderAdapter",
        "EmbeddingProviderCreateOptions", "EmbeddingProviderCreateResult", "EmbeddingProviderRuntime",
        "EmbeddingRemoteOptions", "EmbeddingTransport", "EmbeddingUsage", "LegacyMemoryEmbeddingProvider",
        "MemoryEmbeddingProviderAdapter", "MemoryEmbeddingProviderCreateOptions", "embedding_input_text",
    ),
    "image": (
        "GeneratedImage", "ImageBackground", "ImageEditCapabilities", "ImageFormat",
        "ImageGenerateCapabilities", "ImageGenerationIsConfiguredContext", "ImageGenerationProvider",
        "ImageGenerationProviderCapabilities", "ImageGenerationRequest", "ImageGenerationResult",
        "ImageGeometryCapabilities", "ImageInput", "ImageOutputCapabilities", "ImageQuality",
        "ImageResolution",
    ),
    "media": (
        "MEDIA_CAPABILITIES", "MEDIA_METHOD_BY_CAPABILITY", "ApiKeyMediaAuth", "AudioTranscriptionRequest",
        "AudioTranscriptionResult", "BearerAuth", "EnvProxy", "ExplicitProxy", "HeaderAuth",
        "ImageDescriptionRequest", "ImageDescriptionResult", "ImagesDescriptionRequest", "MediaAuth",
        "MediaCapability", "MediaImage", "MediaResolveAuthContext", "MediaUnderstandingProvider",
        "MediaUnderstandingResult", "NoneMediaAuth", "ProviderDefaultAuth", "TransportAuth",
        "TransportOverrides", "TransportProxy", "VideoDescriptionRequest", "VideoDescriptionResult",
    ),
    "model_catalog": (
        "MODEL_CATALOG_KINDS", "ModelCatalogKind", "UnifiedModelCatalogContext", "UnifiedModelCatalogEntry",
        "UnifiedModelCatalogProvider",
    ),
    "model_rows": (
        "CatalogSource", "ImageMediaInput", "MediaInputConfig", "ModelCatalogModel", "ModelCompatConfig",
        "ModelCost", "ModelRowFields", "ModelStatus", "TieredPrice",
    ),
    "speech": (
        "SpeechDirectivePolicy", "SpeechDirectiveTokenContext", "SpeechDirectiveTokenResult",
        "SpeechIsConfiguredContext", "SpeechListVoicesRequest", "SpeechPrepareSynthesisContext",
        "SpeechPrepareSynthesisResult", "SpeechProvider", "SpeechResolveConfigContext",
        "SpeechSynthesisRequest", "SpeechSynthesisResult", "SpeechSynthesisStreamRequest",
        "SpeechSynthesisStreamResult", "SpeechTarget", "SpeechVoice",
    ),
    "text": (
        "CATALOG_ORDERS", "KNOWN_MODEL_APIS", "ApiKeyAuthMethodOptions", "AuthKind", "CatalogOrder",
        "CatalogRun", "ModelDefinitionConfig", "ModelInput", "ModelProviderConfig", "OutcomeStatus",
        "ProviderApiKeyResolution", "ProviderAuthContext", "ProviderAuthMethod", "ProviderAuthProfile",
        "ProviderAuthResolution", "ProviderAuthResult", "ProviderAuthWizard", "ProviderCatalog",
        "ProviderCatalogContext", "ProviderCatalogOutcome", "ProviderCatalogResult",
        "ProviderDynamicModelContext", "ProviderRequestConfig", "ProviderRuntimeModel", "StaticCatalogRun",
        "TextProvider",
    ),
    "video": (
        "VIDEO_INPUT_ROLES", "GeneratedVideo", "ProviderOptionType", "VideoCatalogModelEntry",
        "VideoGenerationIsConfiguredContext", "VideoGenerationProvider",
        "VideoGenerationProviderCapabilities", "VideoGenerationRequest", "VideoGenerationResult",
        "VideoInput", "VideoInputRole", "VideoModeCapabilities", "VideoProgress", "VideoProgressCallback",
        "VideoResolveModelCapabilitiesContext", "VideoTransformCapabilities", "provider_options_mismatch",
    ),
}
# fmt: on
_EXPORTS: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}

# mypy only honours a literal `__all__` (and needs one: without it the imports above are not
# re-exported under --strict), so the names are listed again here, grouped as in the table.
# ruff checks this list against the imports above (F401/F822); tests/host checks it against the table.
# fmt: off
__all__ = [  # noqa: RUF022
    "CacheRetention", "ChatAssistantMessage", "ChatCapableProvider", "ChatChoice", "ChatContentPart",
    "ChatCost", "ChatEventStream", "ChatFinish", "ChatFunctionDefinition", "ChatImagePart", "ChatImageUrl",
    "ChatJsonSchema", "ChatMessage", "ChatNamedFunction", "ChatNamedToolChoice", "ChatOptions",
    "ChatReasoningDelta", "ChatRequest", "ChatResponseFormat", "ChatResult", "ChatStreamEvent",
    "ChatSystemMessage", "ChatTextDelta", "ChatTextPart", "ChatTool", "ChatToolCall", "ChatToolCallDelta",
    "ChatToolCallDone", "ChatToolCallFunction", "ChatToolChoice", "ChatToolMessage", "ChatUsage",
    "ChatUsageEvent", "ChatUserMessage", "CostSource", "ThinkingLevel", "ConfigField", "HostModel",
    "JsonObject", "MaybeAwaitable", "SecretInput", "StrictModel", "EmbedOptions", "EmbeddingBatchResult",
    "EmbeddingIndexIdentity", "EmbeddingInput", "EmbeddingInputObject", "EmbeddingLocalOptions",
    "EmbeddingProvider", "EmbeddingProviderAdapter", "EmbeddingProviderCreateOptions",
    "EmbeddingProviderCreateResult", "EmbeddingProviderRuntime", "EmbeddingRemoteOptions",
    "EmbeddingTransport", "EmbeddingUsage", "LegacyMemoryEmbeddingProvider", "MemoryEmbeddingProviderAdapter",
    "MemoryEmbeddingProviderCreateOptions", "embedding_input_text", "GeneratedImage", "ImageBackground",
    "ImageEditCapabilities", "ImageFormat", "ImageGenerateCapabilities", "ImageGenerationIsConfiguredContext",
    "ImageGenerationProvider", "ImageGenerationProviderCapabilities", "ImageGenerationRequest",
    "ImageGenerationResult", "ImageGeometryCapabilities", "ImageInput", "ImageOutputCapabilities",
    "ImageQuality", "ImageResolution", "MEDIA_CAPABILITIES", "MEDIA_METHOD_BY_CAPABILITY", "ApiKeyMediaAuth",
    "AudioTranscriptionRequest", "AudioTranscriptionResult", "BearerAuth", "EnvProxy", "ExplicitProxy",
    "HeaderAuth", "ImageDescriptionRequest", "ImageDescriptionResult", "ImagesDescriptionRequest",
    "MediaAuth", "MediaCapability", "MediaImage", "MediaResolveAuthContext", "MediaUnderstandingProvider",
    "MediaUnderstandingResult", "NoneMediaAuth", "ProviderDefaultAuth", "TransportAuth", "TransportOverrides",
    "TransportProxy", "VideoDescriptionRequest", "VideoDescriptionResult", "MODEL_CATALOG_KINDS",
    "ModelCatalogKind", "UnifiedModelCatalogContext", "UnifiedModelCatalogEntry",
    "UnifiedModelCatalogProvider", "CatalogSource", "ImageMediaInput", "MediaInputConfig",
    "ModelCatalogModel", "ModelCompatConfig", "ModelCost", "ModelRowFields", "ModelStatus", "TieredPrice",
    "SpeechDirectivePolicy", "SpeechDirectiveTokenContext", "SpeechDirectiveTokenResult",
    "SpeechIsConfiguredContext", "SpeechListVoicesRequest", "SpeechPrepareSynthesisContext",
    "SpeechPrepareSynthesisResult", "SpeechProvider", "SpeechResolveConfigContext", "SpeechSynthesisRequest",
    "SpeechSynthesisResult", "SpeechSynthesisStreamRequest", "SpeechSynthesisStreamResult", "SpeechTarget",
    "SpeechVoice", "CATALOG_ORDERS", "KNOWN_MODEL_APIS", "ApiKeyAuthMethodOptions", "AuthKind",
    "CatalogOrder", "CatalogRun", "ModelDefinitionConfig", "ModelInput", "ModelProviderConfig",
    "OutcomeStatus", "ProviderApiKeyResolution", "ProviderAuthContext", "ProviderAuthMethod",
    "ProviderAuthProfile", "ProviderAuthResolution", "ProviderAuthResult", "ProviderAuthWizard",
    "ProviderCatalog", "ProviderCatalogContext", "ProviderCatalogOutcome", "ProviderCatalogResult",
    "ProviderDynamicModelContext", "ProviderRequestConfig", "ProviderRuntimeModel", "StaticCatalogRun",
    "TextProvider", "VIDEO_INPUT_ROLES", "GeneratedVideo", "ProviderOptionType", "VideoCatalogModelEntry",
    "VideoGenerationIsConfiguredContext", "VideoGenerationProvider", "VideoGenerationProviderCapabilities",
    "VideoGenerationRequest", "VideoGenerationResult", "VideoInput", "VideoInputRole",
    "VideoModeCapabilities", "VideoProgress", "VideoProgressCallback", "VideoResolveModelCapabilitiesContext",
    "VideoTransformCapabilities", "provider_options_mismatch",
]
# fmt: on


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
