"""The registered media-understanding provider: image description and speech-to-text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from openclaw_deepinfra.errors import DeepInfraError
from openclaw_deepinfra.host.contracts.protocols import MediaCapability
from openclaw_deepinfra.host.errors import HostError
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.surfaces.provider_base import RuntimeProvider

if TYPE_CHECKING:
    from openclaw_deepinfra.host.contracts.media import (
        ApiKeyMediaAuth,
        AudioTranscriptionRequest,
        ImageDescriptionRequest,
        ImagesDescriptionRequest,
        MediaUnderstandingResult,
    )

# The media contract models and the describe (vision chat) / transcribe modules are imported on
# first use, not at registration: describe pulls in the whole chat machinery.

logger = get_logger(__name__)

AUTO_PRIORITY: Final = 45


class DeepInfraMediaUnderstandingProvider(RuntimeProvider):
    """``MediaUnderstandingProvider``: image (vision chat) and audio (Whisper) in, text out."""

    capabilities: Final[tuple[MediaCapability, ...]] = ("image", "audio")
    auto_priority: Final[Mapping[str, int]] = {"image": AUTO_PRIORITY, "audio": AUTO_PRIORITY}

    @property
    def default_models(self) -> dict[str, str]:
        """The curated defaults (shipped catalog), the same ones the request path falls back to."""
        static = self._runtime.static
        return {"image": static.default("vlm"), "audio": static.default("stt")}

    def resolve_auth(self, ctx: Any = None) -> ApiKeyMediaAuth | None:
        """The plugin's key (config, auth profile, environment), or None when there is none."""
        try:
            key = self._runtime.settings().api_key
        except (DeepInfraError, HostError) as exc:
            logger.warning("DeepInfra media understanding is not configured: %s", exc)
            return None
        if key is None:
            return None
        from openclaw_deepinfra.host.contracts.media import ApiKeyMediaAuth

        return ApiKeyMediaAuth(api_key=key.reveal(), source=key.source)

    async def transcribe_audio(self, req: AudioTranscriptionRequest) -> MediaUnderstandingResult:
        from openclaw_deepinfra.surfaces.understanding import transcribe

        return await transcribe.transcribe(self._runtime, req)

    async def describe_image(self, req: ImageDescriptionRequest) -> MediaUnderstandingResult:
        """One image: the one-element case of `describe_images`."""
        from openclaw_deepinfra.host.contracts.media import ImagesDescriptionRequest, MediaImage

        image = MediaImage(buffer=req.buffer, file_name=req.file_name, mime=req.mime)
        fields = req.model_dump(exclude={"buffer", "file_name", "mime"})
        return await self.describe_images(ImagesDescriptionRequest(**fields, images=[image]))

    async def describe_images(self, req: ImagesDescriptionRequest) -> MediaUnderstandingResult:
        from openclaw_deepinfra.surfaces.understanding import describe

        return await describe.describe_images(self._runtime, req)
