"""Image description: one vision chat completion with the images inline as data URLs (reference §3.6).

The request goes through the chat surface (`complete_chat`), so payload rules, limits and typed
errors are the chat path's. Checked here, before anything is sent: the model is a vision model
(``vlm``/``vision`` tag or ``image`` input in the catalog), every image is a jpg/png/webp judged
by its bytes (the caller's MIME label is ignored), and the answer is not empty.
"""

from __future__ import annotations

from typing import Final

from openclaw_deepinfra.catalog.models import CatalogSnapshot
from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError
from openclaw_deepinfra.host.contracts.chat import (
    ChatImagePart,
    ChatImageUrl,
    ChatOptions,
    ChatRequest,
    ChatTextPart,
    ChatUserMessage,
)
from openclaw_deepinfra.host.contracts.media import (
    ImagesDescriptionRequest,
    MediaImage,
    MediaUnderstandingResult,
)
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.mediatypes import sniff_image, to_data_url
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.surfaces.chat.messages import ACCEPTED_IMAGE_TYPES, MAX_IMAGE_BYTES
from openclaw_deepinfra.surfaces.chat.model import resolve_chat_model
from openclaw_deepinfra.surfaces.chat.runner import complete_chat

logger = get_logger(__name__)

DEFAULT_PROMPT: Final = "Describe the image."
DEFAULT_MAX_TOKENS: Final = 4096
VISION_TAGS: Final = frozenset({"vlm", "vision"})
_SUGGESTED: Final = 5


def vision_model(runtime: DeepInfraRuntime, requested: str | None, snapshot: CatalogSnapshot) -> str:
    """The wire id of a model that accepts images, or a RequestValidationError naming some that do.
    `snapshot` is the call's catalog view."""
    model = strip_provider_prefix((requested or "").strip(), PROVIDER_ID) or snapshot.default("vlm")
    lookup = model.split(":", 1)[0]  # a `MODEL:VERSION` pin is the same model
    # The call's catalog row, then the shipped one (which may know what the live row does not).
    rows = [r for r in (snapshot.find(lookup), runtime.static.find(lookup)) if r is not None]
    if not any(VISION_TAGS & set(r.tags) or (r.input is not None and "image" in r.input) for r in rows):
        known = "does not accept images" if rows else "is not in DeepInfra's catalog"
        current = [m.id for m in snapshot.surface("vlm").models if m.status != "deprecated"]
        choices = ", ".join(current[:_SUGGESTED] or snapshot.surface("vlm").ids[:_SUGGESTED])
        raise RequestValidationError(
            f"model {model} {known}; image description needs a vision model such as {choices}",
            hint="pass --model deepinfra/<vision model> or set tools.media.models[] to one",
        )
    deprecated = next((r for r in rows if r.status == "deprecated"), None)
    if deprecated is not None:
        logger.warning(
            "%s is deprecated%s; DeepInfra may forward requests to another model",
            model,
            f" (replaced by {deprecated.replaced_by})" if deprecated.replaced_by else "",
        )
    return model


def image_data_url(image: MediaImage, where: str) -> str:
    if not image.buffer:
        raise RequestValidationError(f"{where} is empty (0 bytes)")
    if len(image.buffer) >= MAX_IMAGE_BYTES:
        raise RequestValidationError(
            f"{where} is {len(image.buffer) / 1024 / 1024:.1f} MB; DeepInfra accepts images under 20 MB",
            hint="downscale or recompress the image",
        )
    mime = sniff_image(image.buffer)
    if mime not in ACCEPTED_IMAGE_TYPES:
        raise RequestValidationError(
            f"{where} is {mime or 'not a recognised image'}; DeepInfra accepts only jpg, png and webp",
            hint="convert the image to PNG, JPEG or WebP",
        )
    return to_data_url(image.buffer, mime)


async def describe_images(
    runtime: DeepInfraRuntime, req: ImagesDescriptionRequest
) -> MediaUnderstandingResult:
    if not req.images:
        raise RequestValidationError("no images to describe")
    urls = [image_data_url(image, _where(image, i, len(req.images))) for i, image in enumerate(req.images)]
    timeout_s = req.timeout_ms / 1000 if req.timeout_ms > 0 else None
    # One catalog view for the whole call: which model, its limits, and the chat call's decisions.
    view = await runtime.catalog_view(runtime.http().deadline(timeout_s))
    model = vision_model(runtime, req.model, view)
    prompt = (req.prompt or "").strip() or DEFAULT_PROMPT
    requested = req.max_tokens if req.max_tokens and req.max_tokens > 0 else DEFAULT_MAX_TOKENS
    max_tokens = min(requested, DEFAULT_MAX_TOKENS, resolve_chat_model(runtime, model, view).max_tokens)
    parts: list[ChatTextPart | ChatImagePart] = [ChatTextPart(text=prompt)]
    parts.extend(ChatImagePart(image_url=ChatImageUrl(url=url)) for url in urls)
    request = ChatRequest(
        model=model,
        messages=[ChatUserMessage(content=parts)],
        options=ChatOptions(max_tokens=max_tokens, timeout_s=timeout_s),
    )
    result = await complete_chat(runtime, request, view=view)
    text = result.choices[0].text.strip()
    if not text:
        raise MalformedResponseError(
            f"image description by {result.model} came back empty",
            request_id=result.request_id,
            hint="retry, or raise max tokens if the model spent them all on reasoning",
        )
    return MediaUnderstandingResult(text=text, model=result.model)


def _where(image: MediaImage, index: int, count: int) -> str:
    name = f" {image.file_name!r}" if image.file_name else ""
    return f"image{name}" if count == 1 else f"image {index + 1}{name}"
