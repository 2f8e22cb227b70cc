"""DeepInfra's two video APIs (reference §3.3): the native route and the OpenAI-compatible jobs.

Native: `POST {native base}/<model>` answering once the video exists. Body `{prompt,
aspect_ratio?, duration?, seed?, negative_prompt?, style?, guidance_scale?}` (`guidance_scale` for
`Wan-AI/*` only); answer `{video_url | video | videos[], seed, request_id, inference_status
{status, runtime_ms, cost}}`. One request, so a 5xx is never repeated: the video may already be
rendering and billed.

Jobs, the OpenAI-compatible asynchronous API: `POST {base}/videos`, then `GET {base}/videos/{id}`
every 5 s until the job ends.

Statuses (`JOB_STATUSES`): `completed` (OpenAI's video API, which `/v1/openai/videos` follows) and
`succeeded` end the job with its video; `failed`, `cancelled` and `expired` end it with the
server's error; the in-progress ones keep polling, and so does a status nobody documented, with
one warning per job. `seconds` is sent as a string (`"8"`), as OpenAI's video API defines it.

The submit never repeats after a 5xx or 408 (the job may exist and be billed) and holds one of
the model's concurrency slots; polls are plain GETs that keep the client's idempotent retries
and take no model slot (a poll is a status read, and a job can take minutes). Submit and polls
share the operation's deadline. The job id is reported as soon as it exists and is part of
every timeout error, so a caller can look the job up instead of paying for a second one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from openclaw_deepinfra.config_blocks import first_text
from openclaw_deepinfra.errors import (
    APITimeoutError,
    DeadlineExceededError,
    GenerationFailedError,
    MalformedResponseError,
)
from openclaw_deepinfra.host.contracts.video import VideoGenerationResult
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.surfaces.video.common import (
    Progress,
    VideoSpec,
    is_guided,
    result_metadata,
    video_assets,
)
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.deadline import Deadline
from openclaw_deepinfra.transport.responses import JsonResponse

logger = get_logger(__name__)

# Which statuses end a job, and how; anything else keeps it polling.
DONE_STATUSES: Final = frozenset({"completed", "succeeded"})
FAILED_STATUSES: Final = frozenset({"failed", "cancelled", "canceled", "expired"})
PENDING_STATUSES: Final = frozenset({"queued", "pending", "in_progress", "processing", "running", "starting"})
JOB_STATUSES: Final = DONE_STATUSES | FAILED_STATUSES | PENDING_STATUSES
LABEL: Final = "DeepInfra video generation"
STATUS_LABEL: Final = "DeepInfra video status request"
MISSING_URL: Final = "DeepInfra video response missing video URL"
POLL_INTERVAL_S: Final = 5.0
MAX_POLLS: Final = 120
MAX_REQUEST_S: Final = 60.0  # one HTTP call's budget within the operation deadline


@dataclass(frozen=True)
class Job:
    id: str
    status: str
    body: Mapping[str, Any] = field(repr=False)
    request_id: str | None = None


def jobs_body(spec: VideoSpec) -> dict[str, Any]:
    """The submit body; `guidance_scale` is never sent to this API (reference)."""
    body = {
        "model": spec.model,
        "prompt": spec.prompt,
        "aspect_ratio": spec.aspect_ratio,
        "seconds": str(spec.duration) if spec.duration is not None else None,
        "seed": spec.seed,
        "negative_prompt": spec.negative_prompt,
        "style": spec.style,
    }
    return {key: value for key, value in body.items() if value is not None}


def _failure(job: Job) -> GenerationFailedError:
    error = job.body.get("error")
    if isinstance(error, Mapping):
        error = error.get("message")
    message = first_text(error) or f"{LABEL} {job.status}"
    return GenerationFailedError(f"{message} (job {job.id})", request_id=job.request_id)


def _job(body: Any, request_id: str | None, *, known_id: str | None = None) -> Job:
    if not isinstance(body, Mapping):
        raise MalformedResponseError(f"{LABEL} failed: the job is not a JSON object", request_id=request_id)
    job_id = first_text(body.get("id")) or known_id
    if not job_id:
        raise MalformedResponseError(f"{LABEL} response missing job id", request_id=request_id)
    status = body.get("status")
    return Job(
        id=job_id,
        status=status.strip().lower() if isinstance(status, str) else "unknown",
        body=body,
        request_id=request_id,
    )


async def submit_job(http: DeepInfraHttp, spec: VideoSpec, *, deadline: Deadline) -> Job:
    # `submit`: only connect failures and 429 (nothing was processed) are repeated; a 502-504
    # in front of a long job can hide a job that exists and will be billed (`transport.retry`).
    http = http.with_options(deadline=deadline.capped(MAX_REQUEST_S), retry_kind="submit")
    response = await http.request_json("POST", "videos", json=jobs_body(spec), label=LABEL, model=spec.model)
    job = _job(response.data, response.request_id)
    if job.status in FAILED_STATUSES:
        raise _failure(job)
    return job


async def wait_for_job(
    http: DeepInfraHttp,
    job: Job,
    *,
    deadline: Deadline,
    progress: Progress,
    sleep: Callable[[float], Awaitable[None]],
) -> Job:
    """Poll until the job succeeds (returned) or fails, the deadline passes or polls run out;
    `sleep` is the provider's, injectable so tests run the schedule instantly."""
    progress(job.status, api="jobs", job_id=job.id)
    poll = 0
    warned = False
    http = http.with_options(deadline=deadline.capped(MAX_REQUEST_S))
    path = f"videos/{quote(job.id, safe='')}"
    resume_hint = (
        f"job {job.id} was accepted and may still finish; it was not resubmitted. "
        f"Look it up with GET {http.url(path)} "
        "or raise the timeout (agents.defaults.mediaModels.video.timeoutMs)"
    )
    while job.status not in DONE_STATUSES:
        if job.status not in JOB_STATUSES and not warned:
            warned = True
            logger.warning(
                "%s job %s reports status %r, which is not documented; still polling",
                LABEL, job.id, job.status[:40],
            )  # fmt: skip
        if poll >= MAX_POLLS:
            raise APITimeoutError(f"{LABEL} job {job.id} did not finish in time", hint=resume_hint)
        remaining = deadline.remaining()
        if remaining <= 0:
            raise timed_out(deadline, resume_hint)
        await sleep(min(POLL_INTERVAL_S, remaining))
        if deadline.expired:
            raise timed_out(deadline, resume_hint)
        poll += 1
        response = await http.request_json("GET", path, label=STATUS_LABEL)
        job = _job(response.data, response.request_id, known_id=job.id)
        progress(job.status, api="jobs", job_id=job.id, poll=poll)
        if job.status in FAILED_STATUSES:
            raise _failure(job)
    return job


def timed_out(deadline: Deadline, hint: str | None = None) -> DeadlineExceededError:
    """The operation's deadline ran out between requests (submit not sent, or between polls)."""
    return DeadlineExceededError(
        f"{LABEL} timed out after {round(deadline.budget_s * 1000)}ms",
        elapsed_s=deadline.elapsed(),
        budget_s=deadline.budget_s,
        hint=hint,
    )


def job_result(job: Job, spec: VideoSpec, base: str) -> VideoGenerationResult:
    data = job.body.get("data")
    urls = [
        item["url"] for item in (data if isinstance(data, list) else [])
        if isinstance(item, Mapping) and isinstance(item.get("url"), str)
    ]  # fmt: skip
    videos = video_assets(urls, base, missing=MISSING_URL)
    metadata: dict[str, Any] = {"api": "jobs", "jobId": job.id, "status": job.status}
    metadata.update(result_metadata(spec, job.body))
    model = first_text(job.body.get("model")) or spec.model
    return VideoGenerationResult(videos=videos, model=model, metadata=metadata)


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


async def generate_native(
    http: DeepInfraHttp, base: str, spec: VideoSpec, *, deadline: Deadline
) -> VideoGenerationResult:
    """One billed call that holds a model slot, addressed (and key-scoped) to the native base;
    never repeated after a 5xx (the `submit` retry kind)."""
    native = http.with_options(base_url=base, retry_kind="submit", deadline=deadline)
    response = await native.request_json(
        "POST", native_url(base, spec.model), json=native_body(spec), label=LABEL, model=spec.model
    )
    return native_result(response, spec, base)


def _urls(body: Mapping[str, Any]) -> list[str]:
    """`video_url`, `video`, then each `videos[]` item (a URL or `{url}`): every one that is a string."""
    videos = body.get("videos")
    items = videos if isinstance(videos, list) else []
    listed = [item.get("url") if isinstance(item, Mapping) else item for item in items]
    return [url for url in (body.get("video_url"), body.get("video"), *listed) if isinstance(url, str)]


def native_result(response: JsonResponse, spec: VideoSpec, base: str) -> VideoGenerationResult:
    body = response.data
    if not isinstance(body, Mapping):
        raise MalformedResponseError(
            f"{LABEL} failed: the response is not a JSON object", request_id=response.request_id
        )
    status_block = body.get("inference_status")
    block = status_block if isinstance(status_block, Mapping) else {}
    status = block.get("status")
    request_id = body.get("request_id") if isinstance(body.get("request_id"), str) else response.request_id
    if isinstance(status, str) and status.strip().lower() in FAILED_STATUSES:
        message = first_text(body.get("error") or block.get("error")) or f"{LABEL} failed"
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
