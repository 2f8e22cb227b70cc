"""The video generation provider object: validation, which API, the one switch between APIs, and
the operation deadline.

API choice: `models.providers.deepinfra.video.api` ("native", the default, or "jobs"). When the
chosen API's *submit* answers 404, 405 or 410 (the route is gone or not offered on this host), the
other API is tried once and the result metadata says so (`apiFallback`). A job that was accepted
is never submitted again, whatever happens while it is polled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Final

from openclaw_deepinfra.config_blocks import VideoApi
from openclaw_deepinfra.errors import APIStatusError
from openclaw_deepinfra.host.contracts.video import (
    VideoGenerationProviderCapabilities,
    VideoGenerationRequest,
    VideoGenerationResult,
    VideoResolveModelCapabilitiesContext,
)
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.surfaces.provider_base import VIDEO_FETCH_MAX_BYTES, SurfaceProvider, fetch_remote
from openclaw_deepinfra.surfaces.video.apis import (
    Job,
    generate_native,
    job_result,
    submit_job,
    timed_out,
    wait_for_job,
)
from openclaw_deepinfra.surfaces.video.common import (
    Progress,
    build_spec,
    capabilities_for,
    check_request,
    native_base_url,
    video_api,
)
from openclaw_deepinfra.transport.deadline import Deadline

logger = get_logger(__name__)

# Ten minutes: the job API's 120 polls at 5 s; also the native route's single-request budget.
DEFAULT_TIMEOUT_MS: Final = 600_000
SWITCH_STATUSES: Final = frozenset({404, 405, 410})


class DeepInfraVideoProvider(SurfaceProvider):
    """`VideoGenerationProvider`; `sleep` and `clock` are injectable for tests (monotonic seconds)."""

    surface = "video-gen"
    capabilities: Final = capabilities_for()
    default_timeout_ms: int = DEFAULT_TIMEOUT_MS

    def __init__(
        self,
        runtime: DeepInfraRuntime,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(runtime)
        self._sleep = sleep
        self._clock = clock

    async def resolve_model_capabilities(
        self, ctx: VideoResolveModelCapabilitiesContext
    ) -> VideoGenerationProviderCapabilities | None:
        """The canonical capabilities when the catalog view's video list holds the model (the same
        view a call decides from; the request context's timeout bounds the catalog wait)."""
        model = strip_provider_prefix(ctx.model.strip(), PROVIDER_ID)
        budget_s = ctx.timeout_ms / 1000.0 if ctx.timeout_ms and ctx.timeout_ms > 0 else None
        deadline = Deadline(budget_s, clock=self._clock) if budget_s is not None else None
        view = await self._runtime.catalog_view(deadline)
        return capabilities_for(model) if model in view.surface("video-gen").ids else None

    async def generate_video(self, req: VideoGenerationRequest) -> VideoGenerationResult:
        budget_ms = req.timeout_ms if req.timeout_ms and req.timeout_ms > 0 else self.default_timeout_ms
        # One deadline for the operation; a single request may use all of what is left of it.
        deadline = Deadline(budget_ms / 1000.0, clock=self._clock, attempt_s=budget_ms / 1000.0)
        model = strip_provider_prefix(req.model.strip(), PROVIDER_ID)
        if not model:
            # The default (and with it the provider-option allowlist) comes from the call's
            # catalog view; the wait for it is part of the operation's deadline.
            check_request(req)  # a bad request fails before the catalog is read
            view = await self._runtime.catalog_view(deadline)
            model = view.default("video-gen")
        spec = build_spec(req, model)
        config = self._runtime.config
        chosen = video_api(config)
        settings = self._runtime.settings()
        settings.require_key()
        native_base = native_base_url(config, settings.base_url)
        progress = Progress(req.on_progress, deadline)

        async def submit(api: VideoApi) -> VideoGenerationResult | Job:
            """The native route's whole answer, or the accepted job (polled below)."""
            if deadline.expired:
                raise timed_out(deadline)
            progress("submitting", api=api)
            if api == "jobs":
                return await submit_job(self._runtime.http(), spec, deadline=deadline)
            result = await generate_native(self._runtime.http(), native_base, spec, deadline=deadline)
            progress("succeeded", api=api)
            return result

        fallback: dict[str, object] | None = None
        try:
            result = await submit(chosen)
        except APIStatusError as exc:
            if exc.status not in SWITCH_STATUSES:
                raise
            other: VideoApi = "jobs" if chosen == "native" else "native"
            logger.warning(
                "DeepInfra video: the %s API answered HTTP %d; trying the %s API once",
                chosen,
                exc.status,
                other,
            )
            fallback = {"from": chosen, "to": other, "status": exc.status}
            result = await submit(other)
        if isinstance(result, Job):  # accepted: poll it until it ends
            http = self._runtime.http()
            job = await wait_for_job(http, result, deadline=deadline, progress=progress, sleep=self._sleep)
            result = job_result(job, spec, settings.base_url)
        if fallback is not None:
            result = result.model_copy(
                update={"metadata": {**(result.metadata or {}), "apiFallback": fallback}}
            )
        return result

    async def fetch_video(self, url: str, *, timeout_ms: int | None = None) -> tuple[bytes, str | None]:
        """Download a URL-only result (bytes, served MIME type) through the same HTTP layer: capped,
        finite timeout, and the API key only when the URL is on the API host. Used by the CLI."""
        http = self._runtime.http()
        http = http.with_options(deadline=http.deadline(timeout_ms=timeout_ms))
        label = "DeepInfra video download"
        response = await fetch_remote(http, url, max_bytes=VIDEO_FETCH_MAX_BYTES, label=label)
        return response.content, response.content_type
