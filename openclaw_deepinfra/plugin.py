"""The plugin's one hook implementation: build the shared runtime and register every surface.

Registration is synchronous and does no network I/O; providers resolve settings and reach
DeepInfra only when the host calls them.
"""

from __future__ import annotations

from typing import Final

from openclaw_deepinfra.host.api import PluginApi
from openclaw_deepinfra.host.hookspecs import hookimpl
from openclaw_deepinfra.runtime import DeepInfraRuntime, TransportFactory
from openclaw_deepinfra.surfaces.embeddings.adapter import DeepInfraEmbeddingAdapter
from openclaw_deepinfra.surfaces.images import DeepInfraImageProvider
from openclaw_deepinfra.surfaces.model_catalog import DeepInfraModelCatalog
from openclaw_deepinfra.surfaces.speech.provider import DeepInfraSpeechProvider
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from openclaw_deepinfra.surfaces.understanding.provider import DeepInfraMediaUnderstandingProvider
from openclaw_deepinfra.surfaces.video.provider import DeepInfraVideoProvider

# Providers register in these modes only (host contract §2.1); setup and CLI-metadata loads get none.
PROVIDER_MODES: Final = frozenset({"full", "discovery", "tool-discovery"})


class DeepInfraPlugin:
    id: Final = "deepinfra"
    name: Final = "DeepInfra Provider"
    description: Final = "DeepInfra: chat, images, video, speech, transcription, understanding, embeddings"

    def __init__(self, *, transport_factory: TransportFactory | None = None) -> None:
        # Tests and benchmarks swap the HTTP transport under httpx; gateways use the default.
        self._transport_factory = transport_factory

    def __repr__(self) -> str:
        return f"DeepInfraPlugin(id={self.id!r})"

    @hookimpl
    def register(self, api: PluginApi) -> None:
        if api.registration_mode not in PROVIDER_MODES:
            return
        runtime = DeepInfraRuntime(
            api.config, auth_store=api.auth_store, transport_factory=self._transport_factory
        )
        api.register_provider(DeepInfraTextProvider(runtime))
        api.register_model_catalog_provider(DeepInfraModelCatalog(runtime))
        api.register_speech_provider(DeepInfraSpeechProvider(runtime))
        api.register_media_understanding_provider(DeepInfraMediaUnderstandingProvider(runtime))
        api.register_embedding_provider(DeepInfraEmbeddingAdapter(runtime))
        api.register_image_generation_provider(DeepInfraImageProvider(runtime))
        api.register_video_generation_provider(DeepInfraVideoProvider(runtime))


entry = DeepInfraPlugin()
