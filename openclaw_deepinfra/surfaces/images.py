"""Image generation and editing (host contract §6, reference §3.2) over DeepInfra's
OpenAI-compatible `images/generations` and `images/edits`.

Differences from the reference, each on purpose (reference §7 #7): `n` is clamped to the
declared maximum, a URL-only answer is fetched instead of dropped, options the capabilities do not
declare are reported back as `ignoredOverrides` instead of being sent or silently lost, and the
MIME type of every image comes from its bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from openclaw_deepinfra.config_blocks import first_text
from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError
from openclaw_deepinfra.host.contracts.image import (
    GeneratedImage,
    ImageEditCapabilities,
    ImageGenerateCapabilities,
    ImageGenerationProviderCapabilities,
    ImageGenerationRequest,
    ImageGenerationResult,
    ImageGeometryCapabilities,
    ImageInput,
)
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.mediatypes import (
    JPEG,
    PNG,
    WEBP,
    decode_base64,
    extension_for,
    parse_data_url,
    safe_base_name,
    sniff_image,
)
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.surfaces.provider_base import (
    IMAGE_FETCH_MAX_BYTES,
    SurfaceProvider,
    fetch_remote,
    stated_cost,
)
from openclaw_deepinfra.transport.client import DeepInfraHttp

logger = get_logger(__name__)

DEFAULT_SIZE: Final = "1024x1024"
SIZES: Final = ("512x512", "1024x1024", "1024x1792", "1792x1024")
GENERATE_PATH: Final = "images/generations"
EDIT_PATH: Final = "images/edits"
ACCEPTED_INPUT_TYPES: Final = (JPEG, PNG, WEBP)
EMPTY_RESPONSE: Final = "DeepInfra image response did not include generated image data"
ONE_REFERENCE: Final = "DeepInfra image editing supports one reference image."


def upload_name(name: str | None, mime: str) -> str:
    """The caller's base name made safe (`safe_base_name`); ``image-1.<ext>`` when nothing is left."""
    return safe_base_name(name) or f"image-1.{extension_for(mime)}"


CAPABILITIES: Final = ImageGenerationProviderCapabilities(
    generate=ImageGenerateCapabilities(
        max_count=4, supports_size=True, supports_aspect_ratio=False, supports_resolution=False
    ),
    edit=ImageEditCapabilities(
        enabled=True,
        max_count=1,
        max_input_images=1,
        supports_size=True,
        supports_aspect_ratio=False,
        supports_resolution=False,
    ),
    geometry=ImageGeometryCapabilities(sizes=list(SIZES)),
)


def ignored_overrides(
    req: ImageGenerationRequest, caps: ImageGenerationProviderCapabilities
) -> dict[str, Any]:
    """Requested options the capabilities do not declare, in OpenClaw's spelling; never sent."""
    mode: ImageGenerateCapabilities | ImageEditCapabilities = caps.edit if req.is_edit else caps.generate
    output = caps.output
    # (key, requested value, whether the capabilities declare it)
    options = (
        ("size", req.size, mode.supports_size),
        ("aspectRatio", req.aspect_ratio, mode.supports_aspect_ratio),
        ("resolution", req.resolution, mode.supports_resolution),
        ("quality", req.quality, output and output.qualities),
        ("outputFormat", req.output_format, output and output.formats),
        ("background", req.background, output and output.backgrounds),
        ("providerOptions", req.provider_options or None, False),  # the reference accepts none
    )
    return {key: value for key, value, declared in options if value is not None and not declared}


def _count(req: ImageGenerationRequest, max_count: int) -> tuple[int, int | None]:
    """(n to send, the requested n when it was clamped)."""
    requested = 1 if req.count is None else req.count
    if requested < 1:
        raise RequestValidationError(f"image count must be at least 1, got {requested}")
    return (max_count, requested) if requested > max_count else (requested, None)


def _size(req: ImageGenerationRequest) -> str:
    """`1024x1024` when none is given (the reference's default, and an advertised size), else the
    requested size if it is one the capabilities list (every model takes the same `SIZES`);
    anything else is refused before any request."""
    size = (req.size or "").strip().lower()
    if not size:
        return DEFAULT_SIZE
    if size not in SIZES:
        raise RequestValidationError(
            f"image size {req.size!r} is not supported; use one of {', '.join(SIZES)}",
            hint=f"pass --size with one of them, or leave it out for {DEFAULT_SIZE}",
        )
    return size


def _edit_file(image: ImageInput) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of the one reference image; its bytes decide the type."""
    if not image.buffer:
        raise RequestValidationError("the reference image is empty; pass a JPEG, PNG or WebP file")
    sniffed = sniff_image(image.buffer)
    if sniffed not in ACCEPTED_INPUT_TYPES:
        raise RequestValidationError(
            "the reference image must be a JPEG, PNG or WebP file"
            + (f" (got {sniffed})" if sniffed else " (its bytes are none of these)")
        )
    return upload_name(image.file_name, sniffed), image.buffer, sniffed


class DeepInfraImageProvider(SurfaceProvider):
    """`ImageGenerationProvider`."""

    surface = "image-gen"
    capabilities: Final = CAPABILITIES
    default_timeout_ms: int | None = None  # the reference sets none; the HTTP layer's own is finite

    async def generate_image(self, req: ImageGenerationRequest) -> ImageGenerationResult:
        model = strip_provider_prefix(req.model.strip(), PROVIDER_ID)
        prompt = req.prompt.strip()
        if not prompt:
            raise RequestValidationError("the image prompt is empty; describe the image to generate")
        images = req.input_images or []
        if len(images) > 1:
            raise RequestValidationError(ONE_REFERENCE, hint="pass exactly one input image to edit")
        mode = self.capabilities.edit if images else self.capabilities.generate
        n, clamped_from = _count(req, mode.max_count or 1)
        size = _size(req)  # checked before settings are touched
        ignored = ignored_overrides(req, self.capabilities)
        upload = _edit_file(images[0]) if images else None  # checked before settings are touched
        http = self._runtime.http()
        # The catalog wait, the generate call and any result download share one deadline.
        deadline = http.deadline(timeout_ms=req.timeout_ms)
        http = http.with_options(deadline=deadline)
        model = model or (await self._runtime.catalog_view(deadline)).default("image-gen")
        if ignored:
            logger.info("DeepInfra images: ignoring options it does not support: %s", ", ".join(ignored))
        payload = {"model": model, "prompt": prompt, "n": n, "size": size, "response_format": "b64_json"}
        if upload is not None:  # the same fields as multipart text parts
            fields = {key: str(value) for key, value in payload.items()}
            response = await http.request_json(
                "POST", EDIT_PATH, data=fields, files={"image": upload}, label="DeepInfra image edit",
                model=model,
            )  # fmt: skip
        else:
            response = await http.request_json(
                "POST", GENERATE_PATH, json=payload, label="DeepInfra image generation", model=model
            )
        generated = await self._parse(response.data, http)
        optional = {
            "requestedCount": clamped_from,
            "ignoredOverrides": ignored or None,
            "requestId": response.request_id or None,
            "cost": stated_cost(response.data),
        }
        metadata = {"size": size, "count": n, **{k: v for k, v in optional.items() if v is not None}}
        served = first_text(response.data.get("model")) if isinstance(response.data, Mapping) else None
        return ImageGenerationResult(images=generated, model=served or model, metadata=metadata)

    async def _parse(self, body: Any, http: DeepInfraHttp) -> list[GeneratedImage]:
        entries = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(entries, list):
            raise MalformedResponseError(EMPTY_RESPONSE)
        images: list[GeneratedImage] = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            data, declared = await self._entry_bytes(entry, http)
            if not data:
                continue
            mime = sniff_image(data) or declared or JPEG
            revised = entry.get("revised_prompt")
            images.append(
                GeneratedImage(
                    buffer=data,
                    mime_type=mime,
                    file_name=f"image-{len(images) + 1}.{extension_for(mime, 'jpg')}",
                    revised_prompt=revised if isinstance(revised, str) and revised.strip() else None,
                )
            )
        if not images:
            raise MalformedResponseError(EMPTY_RESPONSE)
        return images

    async def _entry_bytes(self, entry: Mapping[str, Any], http: DeepInfraHttp) -> tuple[bytes, str | None]:
        """The image bytes of one `data[]` entry and the MIME type it declares (a hint only)."""
        declared = entry.get("mime_type") if isinstance(entry.get("mime_type"), str) else None
        b64 = entry.get("b64_json")
        if isinstance(b64, str) and b64.strip():
            return decode_base64(b64, what="DeepInfra image response"), declared
        url = entry.get("url")
        if not isinstance(url, str) or not url.strip():
            return b"", None
        url = url.strip()
        if url.startswith("data:"):
            data, mime = parse_data_url(url, what="DeepInfra image data URL")
            return data, mime or declared
        label = "DeepInfra image download"
        fetched = await fetch_remote(http, url, max_bytes=IMAGE_FETCH_MAX_BYTES, label=label)
        served = fetched.content_type or ""
        if fetched.content and sniff_image(fetched.content) is None and not served.startswith("image/"):
            raise MalformedResponseError(
                f"DeepInfra image download returned {served or 'an unknown type'}, not an image",
                request_id=fetched.request_id,
            )
        return fetched.content, served if served.startswith("image/") else declared
