"""Image generation provider contract (host-contracts §6)."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from pydantic import Field

from openclaw_deepinfra.host.contracts.common import (
    GenerationIsConfiguredContext,
    GenerationRequest,
    HostModel,
    JsonObject,
    StrictModel,
)

ImageResolution: TypeAlias = Literal["1K", "2K", "4K"]
ImageQuality: TypeAlias = Literal["low", "medium", "high", "xhigh", "max", "auto"]
ImageFormat: TypeAlias = Literal["png", "jpeg", "webp"]
ImageBackground: TypeAlias = Literal["transparent", "opaque", "auto"]


class ImageGenerateCapabilities(StrictModel):
    max_count: int | None = None
    supports_size: bool | None = None
    supports_aspect_ratio: bool | None = None
    supports_resolution: bool | None = None


class ImageEditCapabilities(ImageGenerateCapabilities):
    enabled: bool
    max_input_images: int | None = None
    max_input_images_by_model: dict[str, int] | None = None
    max_input_images_by_model_prefix: dict[str, int] | None = None


class ImageGeometryCapabilities(StrictModel):
    sizes: list[str] | None = None
    sizes_by_model: dict[str, list[str]] | None = None
    aspect_ratios: list[str] | None = None
    aspect_ratios_by_model: dict[str, list[str]] | None = None
    resolutions: list[ImageResolution] | None = None
    resolutions_by_model: dict[str, list[ImageResolution]] | None = None


class ImageOutputCapabilities(StrictModel):
    qualities: list[ImageQuality] | None = None
    qualities_by_model: dict[str, list[ImageQuality]] | None = None
    formats: list[ImageFormat] | None = None
    formats_by_model: dict[str, list[ImageFormat]] | None = None
    backgrounds: list[ImageBackground] | None = None
    backgrounds_by_model: dict[str, list[ImageBackground]] | None = None


class ImageGenerationProviderCapabilities(StrictModel):
    generate: ImageGenerateCapabilities = Field(default_factory=ImageGenerateCapabilities)
    edit: ImageEditCapabilities
    geometry: ImageGeometryCapabilities | None = None
    output: ImageOutputCapabilities | None = None


class ImageInput(HostModel):
    buffer: bytes = Field(repr=False)
    mime_type: str
    file_name: str | None = None
    metadata: JsonObject | None = None


class ImageGenerationRequest(GenerationRequest):
    count: int | None = None
    quality: ImageQuality | None = None
    output_format: str | None = None
    background: str | None = None
    input_images: list[ImageInput] | None = None
    ssrf_policy: Any = None

    @property
    def is_edit(self) -> bool:
        return bool(self.input_images)


class GeneratedImage(StrictModel):
    buffer: bytes = Field(min_length=1, repr=False)
    mime_type: str
    file_name: str | None = None
    revised_prompt: str | None = None
    metadata: JsonObject | None = None


class ImageGenerationResult(StrictModel):
    images: list[GeneratedImage]
    model: str | None = None
    metadata: JsonObject | None = None


ImageGenerationIsConfiguredContext = GenerationIsConfiguredContext
