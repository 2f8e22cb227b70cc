"""DeepInfra's native video route: `POST {native base}/<model>` answering once the video exists.

Body `{prompt, aspect_ratio?, duration?, seed?, negative_prompt?, style?, guidance_scale?}`
(`guidance_scale` for `Wan-AI/*` only); answer `{video_url | video | videos[], seed, request_id,
inference_status {status, runtime_ms, cost}}`. One request, so a 5xx is never repeated: the video
may already be rendering and billed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from openclaw_deepinfra.errors import GenerationFailedError, MalformedResponseError
from openclaw_deepinfra.host.contracts.video import VideoGenerationResult
from openclaw_deepinfra.surfaces.video.common import VideoSpec, is_guided, result_metadata, video_assets
from openclaw_deepinfra.surfaces.video.jobs import FAILED_STATUSES, LABEL, MISSING_URL
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.responses import JsonResponse


def native_url(base: str, model: str) -> str:
    """Each model path segment percent-encoded on its own, so `/` keeps separating org and model."""
    return f"{base.rstrip('/')}/{'/'.join(quote(segment, safe='') for segment in model.split('/'))}"


def native_body(spec: VideoSpec) -> dict[str, Any]:
    body = {
        "prompt": spec.prompt,
        "aspect_ratio": spec.aspect_ratio,
        "duration": spec.duration,
        "seed": spec.seed,
        "negative_prompt": spec.negative_prompt,
        "style": spec.style,
        "guidance_scale": spec.guidance_scale if is_guided(spec.model) else None,
    }
    return {key: value for key, value in body.items() if value is not None}


async def submit(http: DeepInfraHttp, base: str, spec: VideoSpec) -> JsonResponse:
    """One billed call that holds a model slot, addressed (and key-scoped) to the native base;
    never repeated after a 5xx (the `submit` retry kind)."""
    native = http.with_options(base_url=base, retry_kind="submit")
    return await native.request_json(
        "POST", native_url(base, spec.model), json=native_body(spec), label=LABEL, model=spec.model
    )


def _urls(body: Mapping[str, Any]) -> list[str]:
    urls: list[str] = []
    for key in ("video_url", "video"):
        value = body.get(key)
        if isinstance(value, str):
            urls.append(value)
    videos = body.get("videos")
    if isinstance(videos, list):
        for item in videos:
            value = item.get("url") if isinstance(item, Mapping) else item
            if isinstance(value, str):
                urls.append(value)
    return urls


def native_result(response: JsonResponse, spec: VideoSpec, base: str) -> VideoGenerationResult:
    body = response.data
    if not isinstance(body, Mapping):
        raise MalformedResponseError(
            f"{LABEL} failed: the response is not a JSON object", request_id=response.request_id
        )
    status_block = body.get("inference_status")
    status = status_block.get("status") if isinstance(status_block, Mapping) else None
    request_id = body.get("request_id") if isinstance(body.get("request_id"), str) else response.request_id
    if isinstance(status, str) and status.strip().lower() in FAILED_STATUSES:
        error = body.get("error") or (
            status_block.get("error") if isinstance(status_block, Mapping) else None
        )
        message = error.strip() if isinstance(error, str) and error.strip() else f"{LABEL} failed"
        raise GenerationFailedError(message, request_id=request_id)
    metadata: dict[str, Any] = {"api": "native", "status": status if isinstance(status, str) else "succeeded"}
    if request_id:
        metadata["requestId"] = request_id
    seed = body.get("seed")
    if isinstance(seed, int) and not isinstance(seed, bool):
        metadata["seed"] = seed
    metadata.update(result_metadata(spec, body))
    videos = video_assets(_urls(body), base, missing=MISSING_URL)
    return VideoGenerationResult(videos=videos, model=spec.model, metadata=metadata)
