"""The registered media-understanding provider: image description (``describe``, a vision chat
completion) and speech-to-text, a multipart ``POST {base}/audio/transcriptions`` (reference §3.5).

Speech-to-text differs from the reference on purpose: the upload's container is checked from its
bytes before anything is sent (an empty or non-audio buffer is refused locally instead of being
billed and failing remotely); the part's content type is what the bytes are rather than the caller's
label, and the file name carries the matching extension because Whisper servers pick the decoder
from it; the model defaults to the catalog's STT default (reference §7 #2), not a constant.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Final

from openclaw_deepinfra.errors import DeepInfraError, MalformedResponseError, RequestValidationError, excerpt
from openclaw_deepinfra.host.contracts.protocols import MediaCapability
from openclaw_deepinfra.host.errors import HostError
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.mediatypes import (
    AUDIO_CONTAINERS,
    EXTENSIONS,
    extension_for,
    safe_base_name,
    sniff_audio,
)
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.surfaces.provider_base import RuntimeProvider

if TYPE_CHECKING:
    from openclaw_deepinfra.host.contracts.media import (
        ApiKeyMediaAuth,
        AudioTranscriptionRequest,
        ImageDescriptionRequest,
        ImagesDescriptionRequest,
        MediaUnderstandingResult,
    )

# The media contract models and the describe (vision chat) module are imported on first use, not at
# registration: describe pulls in the whole chat machinery.

logger = get_logger(__name__)

AUTO_PRIORITY: Final = 45
TRANSCRIPTIONS_PATH: Final = "/audio/transcriptions"
ERROR_LABEL: Final = "Audio transcription failed"
MISSING_TEXT: Final = "Audio transcription response missing text"
DEFAULT_FILE_NAME: Final = "audio"

# Headers a caller may not set on this request: the key and the multipart boundary are ours.
_RESERVED_HEADERS: Final = frozenset({"authorization", "content-type", "content-length", "host"})


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
        mime = check_audio(req.buffer, req.file_name)
        # The caller's model (one `deepinfra/` prefix removed), else the catalog's STT default.
        model = strip_provider_prefix(
            (req.model or "").strip(), PROVIDER_ID
        ) or self._runtime.snapshot().default("stt")
        fields, files = build_form(req, model, mime)
        http = self._runtime.http_with(
            api_key=req.resolved_api_key(), base_url=req.base_url, source="media request"
        )
        # Billed per second of audio: the POST's billed retry table applies (transport.retry).
        http = http.with_options(deadline=http.deadline(timeout_ms=req.timeout_ms))
        response = await http.request_json(
            "POST", TRANSCRIPTIONS_PATH, data=fields, files=files, headers=_caller_headers(req) or None,
            label=ERROR_LABEL, model=model,
        )  # fmt: skip
        body = response.data if isinstance(response.data, Mapping) else {}
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise MalformedResponseError(
                MISSING_TEXT,
                status=response.status,
                request_id=response.request_id,
                body_excerpt=excerpt(str(response.data)[:1000]),
            )
        served = body.get("model")
        from openclaw_deepinfra.host.contracts.media import MediaUnderstandingResult

        return MediaUnderstandingResult(
            text=text.strip(), model=served if isinstance(served, str) and served else model
        )

    async def describe_image(self, req: ImageDescriptionRequest) -> MediaUnderstandingResult:
        """One image: the one-element case of `describe_images`."""
        from openclaw_deepinfra.host.contracts.media import ImagesDescriptionRequest, MediaImage

        image = MediaImage(buffer=req.buffer, file_name=req.file_name, mime=req.mime)
        fields = req.model_dump(exclude={"buffer", "file_name", "mime"})
        return await self.describe_images(ImagesDescriptionRequest(**fields, images=[image]))

    async def describe_images(self, req: ImagesDescriptionRequest) -> MediaUnderstandingResult:
        from openclaw_deepinfra.surfaces.understanding import describe

        return await describe.describe_images(self._runtime, req)


def safe_file_name(name: str | None, mime: str) -> str:
    """The caller's base name made safe (`safe_base_name`), with an extension listed for ``mime``."""
    cleaned = safe_base_name(name) or DEFAULT_FILE_NAME
    if PurePosixPath(cleaned).suffix.lower().lstrip(".") not in EXTENSIONS.get(mime, ()):
        cleaned = f"{cleaned}.{extension_for(mime)}"
    return cleaned


def check_audio(buffer: bytes, file_name: str | None) -> str:
    """The container's MIME type, or a RequestValidationError saying what to send instead."""
    what = f"audio {file_name!r}" if file_name else "the audio"
    if not buffer:
        raise RequestValidationError(f"{what} is empty (0 bytes); nothing to transcribe")
    mime = sniff_audio(buffer)
    if mime is None:
        raise RequestValidationError(
            f"{what} is not a supported audio container (supported: {', '.join(AUDIO_CONTAINERS)})",
            hint="convert it first, e.g. `ffmpeg -i INPUT output.mp3`",
        )
    return mime


def _caller_headers(req: AudioTranscriptionRequest) -> dict[str, str]:
    merged: dict[str, str] = {}
    for source in (req.request.headers if req.request else None, req.headers):
        for name, value in (source or {}).items():
            if name.lower() in _RESERVED_HEADERS:
                logger.debug("ignoring caller header %s on a transcription request", name)
                continue
            merged[name] = value
    return merged


def build_form(
    req: AudioTranscriptionRequest, model: str, mime: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """The multipart text fields and the file part."""
    fields = {"model": model}
    for key, value in (("language", req.language), ("prompt", req.prompt)):
        if value is not None and value.strip():
            fields[key] = value.strip()
    files = {"file": (safe_file_name(req.file_name, mime), req.buffer, mime)}
    return fields, files
