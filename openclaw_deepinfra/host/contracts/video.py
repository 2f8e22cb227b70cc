"""Video generation provider contract (host-contracts §7)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeAlias

from pydantic import Field, model_validator

from openclaw_deepinfra.host.contracts.common import (
    GenerationContext,
    GenerationIsConfiguredContext,
    GenerationRequest,
    HostModel,
    JsonObject,
    StrictModel,
)

ProviderOptionType: TypeAlias = Literal["number", "boolean", "string"]
VideoInputRole: TypeAlias = str
"""``"first_frame"``, ``"last_frame"``, ``"reference_image"``, ``"reference_video"``,
``"reference_audio"`` or any other string."""


class VideoModeCapabilities(StrictModel):
    """One mode block: counts, allowed values, flags and the typed provider-option allowlist."""

    max_videos: int | None = None
    max_input_images: int | None = None
    max_input_images_by_model: dict[str, int] | None = None
    max_input_videos: int | None = None
    max_input_videos_by_model: dict[str, int] | None = None
    max_input_audios: int | None = None
    max_input_audios_by_model: dict[str, int] | None = None
    max_duration_seconds: float | None = None
    supported_duration_seconds: list[float] | None = None
    supported_duration_seconds_by_model: dict[str, list[float]] | None = None
    sizes: list[str] | None = None
    aspect_ratios: list[str] | None = None
    resolutions: list[str] | None = None
    """``"360P"`` … ``"1080P"`` or any string."""
    supports_size: bool | None = None
    supports_aspect_ratio: bool | None = None
    supports_resolution: bool | None = None
    supports_audio: bool | None = None
    supports_watermark: bool | None = None
    provider_options: dict[str, ProviderOptionType] | None = None


class VideoTransformCapabilities(VideoModeCapabilities):
    enabled: bool


class VideoGenerationProviderCapabilities(VideoModeCapabilities):
    """A top-level mode block plus optional per-mode blocks."""

    generate: VideoModeCapabilities | None = None
    image_to_video: VideoTransformCapabilities | None = None
    video_to_video: VideoTransformCapabilities | None = None


class VideoCatalogModelEntry(StrictModel):
    capabilities: VideoGenerationProviderCapabilities | None = None
    modes: list[str] | None = None


class VideoInput(HostModel):
    url: str | None = None
    buffer: bytes | None = Field(default=None, repr=False)
    mime_type: str | None = None
    file_name: str | None = None
    role: VideoInputRole | None = None
    metadata: JsonObject | None = None


class VideoProgress(StrictModel):
    """One progress report while a video is generated (Python-side addition, not an OpenClaw field).

    ``status`` is the provider's word for the state (``"submitted"``, ``"queued"``,
    ``"processing"``, ``"succeeded"``, ...); ``job_id`` is set once a job exists, so a caller can
    show it and look the job up later; ``poll`` counts status requests so far.
    """

    status: str
    elapsed_seconds: float
    job_id: str | None = None
    poll: int = 0
    api: str | None = None


VideoProgressCallback: TypeAlias = Callable[[VideoProgress], None]


class VideoGenerationRequest(GenerationRequest):
    duration_seconds: float | None = None
    audio: bool | None = None
    watermark: bool | None = None
    input_images: list[VideoInput] | None = None
    input_videos: list[VideoInput] | None = None
    input_audios: list[VideoInput] | None = None
    on_progress: VideoProgressCallback | None = Field(default=None, exclude=True, repr=False)
    """Optional (Python-side addition): called with a ``VideoProgress`` while the provider waits.
    A callback that raises does not fail the generation."""


class GeneratedVideo(StrictModel):
    buffer: bytes | None = Field(default=None, repr=False)
    url: str | None = None
    mime_type: str
    file_name: str | None = None
    metadata: JsonObject | None = None

    @model_validator(mode="after")
    def _needs_content(self) -> GeneratedVideo:
        # URL-only assets are valid; an empty buffer only counts as absent when a URL is present.
        if not self.buffer and not self.url:
            raise ValueError("a generated video needs a non-empty buffer or a url")
        return self


class VideoGenerationResult(StrictModel):
    videos: list[GeneratedVideo]
    model: str | None = None
    metadata: JsonObject | None = None


VideoGenerationIsConfiguredContext = GenerationIsConfiguredContext
VideoResolveModelCapabilitiesContext = GenerationContext


def _matches(kind: ProviderOptionType, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def provider_options_mismatch(
    allowlist: Mapping[str, ProviderOptionType] | None, options: Mapping[str, Any] | None
) -> str | None:
    """Why ``options`` break the typed allowlist (the host then skips that candidate), else None."""
    if not options:
        return None
    allowed = allowlist or {}
    for key, value in options.items():
        kind = allowed.get(key)
        if kind is None:
            return f"unsupported provider option: {key}"
        if not _matches(kind, value):
            return f"provider option {key} must be a {kind}"
    return None
