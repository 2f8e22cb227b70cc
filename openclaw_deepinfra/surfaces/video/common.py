"""What both video APIs share: capabilities, the validated request (`VideoSpec`), configuration
(which API, the native base URL), progress reports and result URLs.

Everything a user can get wrong is checked in `build_spec`, before any request (reference §7 #6:
the aspect ratio is validated against the capabilities, a seed must be a whole number in range).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from openclaw_deepinfra import urls
from openclaw_deepinfra.config_blocks import VideoApi, VideoBlock, first_text, parse
from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.video import (
    GeneratedVideo,
    ProviderOptionType,
    VideoGenerationProviderCapabilities,
    VideoGenerationRequest,
    VideoModeCapabilities,
    VideoProgress,
    VideoProgressCallback,
    VideoTransformCapabilities,
    provider_options_mismatch,
)
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.mediatypes import extension_for, parse_data_url, sniff_video
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.settings import PROVIDER_ID, provider_value
from openclaw_deepinfra.surfaces.provider_base import stated_cost
from openclaw_deepinfra.transport.deadline import Deadline

logger = get_logger(__name__)

ASPECT_RATIOS: Final = ("16:9", "4:3", "1:1", "3:4", "9:16")
DURATIONS: Final = (5, 8)
SHORT_DURATION_LIMIT: Final = 6.5  # a request up to 6.5 s gets the 5 s clip, anything longer 8 s
MAX_SEED: Final = 2**32 - 1
NATIVE_PATH: Final = "/v1/inference"
DEFAULT_MIME: Final = "video/mp4"
GUIDED_MODEL_PREFIX: Final = "wan-ai/"  # only Wan models take guidance_scale (native API only)

PROVIDER_OPTIONS: Final[dict[str, ProviderOptionType]] = {
    "seed": "number",
    "negative_prompt": "string",
    "negativePrompt": "string",
    "style": "string",
}
GUIDED_PROVIDER_OPTIONS: Final[dict[str, ProviderOptionType]] = {
    **PROVIDER_OPTIONS,
    "guidance_scale": "number",
}

_URL_TYPES: Final = {".webm": "video/webm", ".mov": "video/quicktime", ".mp4": DEFAULT_MIME}


def is_guided(model: str) -> bool:
    return model.lower().startswith(GUIDED_MODEL_PREFIX)


def capabilities_for(model: str | None = None) -> VideoGenerationProviderCapabilities:
    """The reference's canonical shape; Wan models additionally accept `guidance_scale`."""
    options = GUIDED_PROVIDER_OPTIONS if model and is_guided(model) else PROVIDER_OPTIONS
    return VideoGenerationProviderCapabilities(
        generate=VideoModeCapabilities(
            max_videos=1,
            max_duration_seconds=max(DURATIONS),
            supported_duration_seconds=[float(d) for d in DURATIONS],
            supports_aspect_ratio=True,
            aspect_ratios=list(ASPECT_RATIOS),
            provider_options=dict(options),
        ),
        image_to_video=VideoTransformCapabilities(enabled=False),
        video_to_video=VideoTransformCapabilities(enabled=False),
    )


@dataclass(frozen=True)
class VideoSpec:
    """A request after validation: exactly what may be sent, plus what was ignored or adjusted."""

    model: str
    prompt: str
    aspect_ratio: str | None = None
    duration: int | None = None
    requested_duration: float | None = None
    seed: int | None = None
    negative_prompt: str | None = None
    style: str | None = None
    guidance_scale: float | None = None
    ignored: dict[str, Any] = field(default_factory=dict)


def _seed(value: Any) -> int | None:
    if value is None:
        return None
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or not float(number).is_integer():
        raise RequestValidationError(f"seed must be a whole number from 0 to {MAX_SEED}, got {value!r}")
    if not 0 <= number <= MAX_SEED:
        raise RequestValidationError(f"seed must be a whole number from 0 to {MAX_SEED}, got {int(number)}")
    return int(number)


def _duration(value: float | None) -> int | None:
    if value is None:
        return None
    if not math.isfinite(value) or value <= 0:
        raise RequestValidationError(f"duration must be a positive number of seconds, got {value!r}")
    return DURATIONS[0] if value <= SHORT_DURATION_LIMIT else DURATIONS[1]


def _aspect_ratio(value: str | None, caps: VideoModeCapabilities) -> str | None:
    ratio = (value or "").strip()
    if not ratio:
        return None
    allowed = caps.aspect_ratios or []
    if not caps.supports_aspect_ratio or ratio not in allowed:
        raise RequestValidationError(
            f"aspect ratio {ratio!r} is not supported; use one of {', '.join(allowed)}"
        )
    return ratio


def check_request(req: VideoGenerationRequest) -> None:
    """Every check that does not depend on the model, so a bad request fails before the call reads
    the catalog for its default model; `build_spec` then checks the model's own allowlist."""
    build_spec(req, GUIDED_MODEL_PREFIX + "any")  # the widest allowlist: only model-free checks bite


def build_spec(req: VideoGenerationRequest, default_model: str) -> VideoSpec:
    """Validate `req` and reduce it to what DeepInfra takes; raises before any request."""
    if req.input_images:
        raise RequestValidationError(
            "DeepInfra video generation currently supports text-to-video only.",
            hint="remove the input images and describe the scene in the prompt",
        )
    for given, kind in ((req.input_videos, "video"), (req.input_audios, "audio")):
        if given:
            raise RequestValidationError(
                f"DeepInfra video generation does not support {kind} reference inputs."
            )
    model = strip_provider_prefix(req.model.strip(), PROVIDER_ID) or default_model
    prompt = req.prompt.strip()
    if not prompt:
        raise RequestValidationError("the video prompt is empty; describe the video to generate")
    caps = capabilities_for(model).generate
    assert caps is not None  # capabilities_for always fills the generate block
    options = req.provider_options or {}
    problem = provider_options_mismatch(caps.provider_options, options)
    if problem is not None:
        hint = "guidance_scale is accepted only for Wan-AI/* models" if "guidance_scale" in problem else None
        raise RequestValidationError(f"DeepInfra video: {problem}", hint=hint)
    guidance = options.get("guidance_scale")
    if guidance is not None and (not math.isfinite(guidance) or guidance <= 0):
        raise RequestValidationError(f"guidance_scale must be a positive number, got {guidance!r}")
    # (key, requested value, whether the capabilities declare it)
    overrides = (
        ("size", req.size, caps.supports_size),
        ("resolution", req.resolution, caps.supports_resolution),
        ("audio", req.audio, caps.supports_audio),
        ("watermark", req.watermark, caps.supports_watermark),
    )
    return VideoSpec(
        model=model,
        prompt=prompt,
        aspect_ratio=_aspect_ratio(req.aspect_ratio, caps),
        duration=_duration(req.duration_seconds),
        requested_duration=req.duration_seconds,
        seed=_seed(options.get("seed")),
        negative_prompt=first_text(options.get("negative_prompt"), options.get("negativePrompt")),
        style=first_text(options.get("style")),
        guidance_scale=float(guidance) if guidance is not None else None,
        ignored={key: value for key, value, declared in overrides if value is not None and not declared},
    )


def result_metadata(spec: VideoSpec, body: Mapping[str, Any]) -> dict[str, Any]:
    """What both APIs' results report beyond their own fields: the cost DeepInfra states in `body`,
    the duration rendered (and the one asked for, when they differ) and the options ignored."""
    metadata: dict[str, Any] = {}
    cost = stated_cost(body)
    if cost is not None:
        metadata["cost"] = cost
    if spec.duration is not None:
        metadata["durationSeconds"] = spec.duration
        if spec.requested_duration != spec.duration:
            metadata["requestedDurationSeconds"] = spec.requested_duration
    if spec.ignored:
        metadata["ignoredOverrides"] = dict(spec.ignored)
    return metadata


# -- configuration ----------------------------------------------------------------------------------


def video_api(config: OpenClawConfig) -> VideoApi:
    """`models.providers.deepinfra.video.api`: "native" (default) or "jobs"."""
    block = parse(
        VideoBlock,
        {"api": provider_value(config, "video", "api")},
        "models.providers.deepinfra.video",
        hint="remove the key to use the native /v1/inference API",
    )
    return block.api or "native"


def native_base_url(config: OpenClawConfig, base_url: str) -> str:
    """`models.providers.deepinfra.nativeBaseUrl`, else the base URL's scheme and host + /v1/inference."""
    key = "models.providers.deepinfra.nativeBaseUrl"
    hint = f"set {key} to https://api.deepinfra.com/v1/inference or remove it"
    configured = urls.configured_base_url(
        provider_value(config, "nativeBaseUrl"), key, hint=hint, openai=False
    )
    return configured or urls.origin_url(base_url) + NATIVE_PATH


# -- progress -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Reports to the request's optional callback with the time the operation's deadline has run;
    a failing callback is logged, never fatal."""

    callback: VideoProgressCallback | None
    deadline: Deadline

    def __call__(self, status: str, *, api: VideoApi, job_id: str | None = None, poll: int = 0) -> None:
        if self.callback is None:
            return
        report = VideoProgress(
            status=status, elapsed_seconds=self.deadline.elapsed(), job_id=job_id, poll=poll, api=api
        )
        try:
            self.callback(report)
        except Exception as exc:  # a display problem must not lose a billed video
            logger.warning("video progress callback failed: %s: %s", type(exc).__name__, exc)


# -- results ------------------------------------------------------------------------------------------


def video_asset(url: str, base: str, index: int) -> GeneratedVideo:
    """One result: a `data:` URL decoded to bytes, any other URL kept for the caller to fetch."""
    # http(s) and data: URLs as given; anything else resolved against `base` (reference §3.3).
    resolved = url.strip()
    if not resolved.startswith(("http://", "https://", "data:")):
        resolved = urljoin(base.rstrip("/") + "/", resolved)
    if not resolved.startswith("data:"):
        suffix = urlsplit(resolved).path.lower().rsplit("/", 1)[-1]
        mime = next((t for ext, t in _URL_TYPES.items() if suffix.endswith(ext)), DEFAULT_MIME)
        return GeneratedVideo(
            url=resolved, mime_type=mime, file_name=f"video-{index}.{extension_for(mime, 'mp4')}"
        )
    try:
        data, declared = parse_data_url(resolved, what="DeepInfra video data URL")
    except MalformedResponseError:
        raise MalformedResponseError("DeepInfra video response returned malformed data URL base64") from None
    if not data:
        raise MalformedResponseError("DeepInfra video response returned an empty data URL")
    mime = sniff_video(data) or declared or DEFAULT_MIME
    return GeneratedVideo(
        buffer=data, mime_type=mime, file_name=f"video-{index}.{extension_for(mime, 'mp4')}"
    )


def video_assets(urls: list[str], base: str, *, missing: str) -> list[GeneratedVideo]:
    """Every distinct non-empty URL in order (the reference kept only the first), or `missing`."""
    unique = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    if not unique:
        raise MalformedResponseError(missing)
    return [video_asset(url, base, i) for i, url in enumerate(unique, start=1)]
