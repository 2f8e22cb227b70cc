"""The provider Protocols the host checks at registration, and the constants those checks read.

Kept apart from the pydantic models of each contract module so that ``host.api`` (and so plugin
loading) does not define ~130 model classes before a single provider has been called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, get_args, runtime_checkable

if TYPE_CHECKING:  # annotations only: the models stay undefined until a provider is called
    from openclaw_deepinfra.host.contracts import embeddings, image, speech, text, video

MediaCapability: TypeAlias = Literal["image", "audio", "video"]
MEDIA_CAPABILITIES: tuple[MediaCapability, ...] = get_args(MediaCapability)

MEDIA_METHOD_BY_CAPABILITY: dict[MediaCapability, tuple[str, ...]] = {
    "audio": ("transcribe_audio",),
    "image": ("describe_image", "describe_images"),
    "video": ("describe_video",),
}
"""The hook(s) a provider must expose for each declared capability."""

ModelCatalogKind: TypeAlias = Literal[
    "text", "voice", "image_generation", "video_generation", "music_generation"
]
MODEL_CATALOG_KINDS: tuple[ModelCatalogKind, ...] = get_args(ModelCatalogKind)


@runtime_checkable
class TextProvider(Protocol):
    """``ProviderPlugin``. Optional hooks (``catalog``, ``static_catalog``, ``resolve_dynamic_model``,
    ``normalize_*``, ``wrap_stream_fn``, …) are read with ``getattr(provider, name, None)``.

    Chat runtime hooks (the Python form of ``create_stream_fn``, see ``contracts.chat``):
    ``stream(request: ChatRequest) -> ChatEventStream`` (async iterator + async context manager of
    ``ChatStreamEvent``, ending with ``ChatFinish``) and ``async complete(request) -> ChatResult``.
    ``ChatCapableProvider`` checks for both."""

    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def auth(self) -> Sequence[text.ProviderAuthMethod]: ...


@runtime_checkable
class UnifiedModelCatalogProvider(Protocol):
    """``UnifiedModelCatalogProviderPlugin``. Optional ``static_catalog(ctx)`` / ``live_catalog(ctx)``,
    sync or async, each returning entries or ``None`` ("no data, keep static rows"; never ``[]``)."""

    @property
    def provider(self) -> str: ...

    @property
    def kinds(self) -> Sequence[ModelCatalogKind]: ...


@runtime_checkable
class SpeechProvider(Protocol):
    """``SpeechProviderPlugin``. Optional: ``aliases``, ``default_model``, ``models``, ``voices``,
    ``auto_select_order``, ``default_timeout_ms``, ``resolve_config``, ``parse_directive_token``,
    ``prepare_synthesis``, ``stream_synthesize``, ``synthesize_telephony``, ``list_voices``."""

    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...

    def is_configured(self, ctx: speech.SpeechIsConfiguredContext) -> bool: ...

    async def synthesize(self, req: speech.SpeechSynthesisRequest) -> speech.SpeechSynthesisResult: ...


@runtime_checkable
class MediaUnderstandingProvider(Protocol):
    """Optional: ``default_models``, ``auto_priority``, ``resolve_auth``, ``transcribe_audio``,
    ``describe_image``, ``describe_images``, ``describe_video``, ``extract_structured``."""

    @property
    def id(self) -> str: ...

    @property
    def capabilities(self) -> Sequence[MediaCapability]: ...


@runtime_checkable
class ImageGenerationProvider(Protocol):
    """Optional: ``aliases``, ``label``, ``default_model``, ``models``, ``default_timeout_ms``,
    ``is_configured(ctx)``."""

    @property
    def id(self) -> str: ...

    @property
    def capabilities(self) -> image.ImageGenerationProviderCapabilities: ...

    async def generate_image(self, req: image.ImageGenerationRequest) -> image.ImageGenerationResult: ...


@runtime_checkable
class VideoGenerationProvider(Protocol):
    """Optional: ``aliases``, ``label``, ``default_model``, ``default_timeout_ms``, ``models``,
    ``catalog_by_model``, ``is_configured(ctx)``, ``resolve_model_capabilities(ctx)``."""

    @property
    def id(self) -> str: ...

    @property
    def capabilities(self) -> video.VideoGenerationProviderCapabilities: ...

    async def generate_video(self, req: video.VideoGenerationRequest) -> video.VideoGenerationResult: ...


@runtime_checkable
class EmbeddingProviderAdapter(Protocol):
    """Optional: ``default_model``, ``transport``, ``auth_provider_id``, ``normalize_model(opts)``,
    ``resolve_index_identity(opts)``, ``format_setup_error(err)``."""

    @property
    def id(self) -> str: ...

    async def create(
        self, opts: embeddings.EmbeddingProviderCreateOptions
    ) -> embeddings.EmbeddingProviderCreateResult: ...


@runtime_checkable
class MemoryEmbeddingProviderAdapter(Protocol):
    """Legacy ``registerMemoryEmbeddingProvider`` adapter; optional ``auto_select_priority``."""

    @property
    def id(self) -> str: ...

    async def create(self, opts: embeddings.MemoryEmbeddingProviderCreateOptions) -> Any: ...
