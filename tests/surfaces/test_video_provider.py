"""The video provider: capabilities, input rejection before any request, the one switch between
APIs on 404/405/410, configuration errors, downloads and a key that never leaks."""

from __future__ import annotations

import re
from typing import Any

import pytest
import respx

from openclaw_deepinfra.errors import (
    ConfigurationError,
    DeepInfraError,
    InvalidRequestError,
    MissingApiKeyError,
    NotFoundError,
    RequestValidationError,
)
from openclaw_deepinfra.host.contracts.protocols import VideoGenerationProvider
from openclaw_deepinfra.host.contracts.video import VideoInput, VideoResolveModelCapabilitiesContext
from openclaw_deepinfra.surfaces.video.common import capabilities_for
from tests.surfaces.conftest import KEY, MODELS_URL, MakeRuntime, row
from tests.surfaces.media_fixtures import MP4
from tests.surfaces.video_helpers import JOBS, NATIVE, jobs_config, provider, req

NATIVE_PIXVERSE = f"{NATIVE}/Pixverse/Pixverse-T2V"
DONE_JOB = {"id": "vid_9", "status": "succeeded", "data": [{"url": "https://c.example/v.mp4"}]}
DONE_NATIVE = {"video_url": "https://c.example/n.mp4", "inference_status": {"status": "succeeded"}}


def test_capabilities_match_the_reference(make_runtime: MakeRuntime) -> None:
    video = provider(make_runtime())
    assert isinstance(video, VideoGenerationProvider)
    assert video.capabilities.model_dump(by_alias=True, exclude_none=True) == {
        "generate": {
            "maxVideos": 1, "maxDurationSeconds": 8, "supportedDurationSeconds": [5, 8],
            "aspectRatios": ["16:9", "4:3", "1:1", "3:4", "9:16"], "supportsAspectRatio": True,
            "providerOptions": {"seed": "number", "negative_prompt": "string", "negativePrompt": "string",
                                "style": "string"},
        },
        "imageToVideo": {"enabled": False},
        "videoToVideo": {"enabled": False},
    }  # fmt: skip
    assert video.default_model == "Pixverse/Pixverse-T2V"
    assert video.models == [
        "Pixverse/Pixverse-T2V",
        "Pixverse/Pixverse-T2V-HD",
        "Wan-AI/Wan2.6-T2V",
        "google/veo-3.1-fast",
    ]
    assert video.default_timeout_ms == 600_000


async def test_model_capabilities_come_from_the_calls_catalog_view(make_runtime: MakeRuntime) -> None:
    video = provider(make_runtime())

    def ctx(model: str) -> VideoResolveModelCapabilitiesContext:
        return VideoResolveModelCapabilitiesContext(
            provider="deepinfra", model=model, cfg={}, timeout_ms=30_000
        )

    with respx.mock() as mock:
        # The live list names a model the shipped one lacks: the call's view decides.
        mock.get(MODELS_URL).respond(200, json={"data": [
            row("Wan-AI/Wan2.6-T2V", "video-gen"), row("Pixverse/Pixverse-T2V", "video-gen"),
            row("acme/Brand-New-T2V", "video-gen"),
        ]})  # fmt: skip
        wan = await video.resolve_model_capabilities(ctx("deepinfra/Wan-AI/Wan2.6-T2V"))
        pix = await video.resolve_model_capabilities(ctx("Pixverse/Pixverse-T2V"))
        new = await video.resolve_model_capabilities(ctx("acme/Brand-New-T2V"))
        unknown = await video.resolve_model_capabilities(ctx("acme/Unknown"))
    assert wan is not None and wan.generate is not None and wan.generate.provider_options is not None
    assert wan.generate.provider_options["guidance_scale"] == "number"
    assert pix is not None and pix.generate is not None and pix.generate.provider_options is not None
    assert "guidance_scale" not in pix.generate.provider_options
    assert new == capabilities_for("acme/Brand-New-T2V")
    assert unknown is None
    # Without a key nothing is fetched: the shipped list decides.
    keyless = provider(make_runtime(key=False))
    assert await keyless.resolve_model_capabilities(ctx("Pixverse/Pixverse-T2V")) is not None
    assert await keyless.resolve_model_capabilities(ctx("acme/Brand-New-T2V")) is None


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"input_images": [VideoInput(buffer=b"x", mime_type="image/png")]}, RequestValidationError,
         "DeepInfra video generation currently supports text-to-video only."),
        ({"input_videos": [VideoInput(url="https://c.example/in.mp4")]}, RequestValidationError,
         "DeepInfra video generation does not support video reference inputs."),
        ({"input_audios": [VideoInput(buffer=b"x")]}, RequestValidationError, "does not support audio"),
        ({"aspect_ratio": "21:9"}, RequestValidationError,
         "aspect ratio '21:9' is not supported; use one of 16:9"),
        ({"provider_options": {"seed": 1.5}}, RequestValidationError, "seed must be a whole number"),
        ({"provider_options": {"seed": -1}}, RequestValidationError, "seed must be a whole number"),
        ({"provider_options": {"seed": 2**32}}, RequestValidationError, "seed must be a whole number"),
        ({"provider_options": {"seed": True}}, RequestValidationError,
         "provider option seed must be a number"),
        ({"provider_options": {"fps": 24}}, RequestValidationError, "unsupported provider option: fps"),
        ({"duration_seconds": 0}, RequestValidationError, "duration must be a positive number"),
        ({"duration_seconds": float("nan")}, RequestValidationError, "duration must be a positive number"),
        ({"prompt": " "}, RequestValidationError, "prompt is empty"),
    ],
)  # fmt: skip
async def test_bad_requests_fail_before_any_request(
    make_runtime: MakeRuntime, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    with respx.mock() as mock:
        with pytest.raises(error, match=re.escape(message)):
            await provider(make_runtime()).generate_video(req(**fields))
        assert mock.calls.call_count == 0


@pytest.mark.parametrize(("asked", "sent"), [(1, 5), (5, 5), (6.5, 5), (6.6, 8), (8, 8), (30, 8)])
async def test_durations_snap_to_five_or_eight(make_runtime: MakeRuntime, asked: float, sent: int) -> None:
    with respx.mock() as mock:
        route = mock.post(NATIVE_PIXVERSE).respond(200, json=DONE_NATIVE)
        result = await provider(make_runtime()).generate_video(req(duration_seconds=asked))
    assert route.calls.last.request.content.count(f'"duration":{sent}'.encode()) == 1
    assert result.metadata is not None and result.metadata["durationSeconds"] == sent


async def test_seed_bounds_are_inclusive(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(NATIVE_PIXVERSE).respond(200, json=DONE_NATIVE)
        await provider(make_runtime()).generate_video(req(provider_options={"seed": 0}))
        await provider(make_runtime()).generate_video(req(provider_options={"seed": 2**32 - 1}))
    assert [b'"seed":0' in c.request.content for c in route.calls] == [True, False]
    assert b'"seed":4294967295' in route.calls.last.request.content


async def test_unsupported_geometry_is_reported_as_ignored(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(NATIVE_PIXVERSE).respond(200, json=DONE_NATIVE)
        result = await provider(make_runtime()).generate_video(
            req(size="1280x720", resolution="720P", audio=True)
        )
    assert b"1280x720" not in route.calls.last.request.content
    assert result.metadata is not None
    assert result.metadata["ignoredOverrides"] == {"size": "1280x720", "resolution": "720P", "audio": True}


async def test_native_404_switches_to_jobs_once_and_says_so(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        native = mock.post(NATIVE_PIXVERSE).respond(404, json={"detail": "Not Found"})
        jobs = mock.post(JOBS).respond(200, json=DONE_JOB)
        result = await provider(make_runtime()).generate_video(req())
    assert native.call_count == 1 and jobs.call_count == 1
    assert result.metadata is not None
    assert result.metadata["api"] == "jobs"
    assert result.metadata["apiFallback"] == {"from": "native", "to": "jobs", "status": 404}


@pytest.mark.parametrize("status", [404, 405, 410])
async def test_jobs_route_gone_switches_to_native(make_runtime: MakeRuntime, status: int) -> None:
    with respx.mock() as mock:
        jobs = mock.post(JOBS).respond(status, json={"error": {"message": "gone"}})
        native = mock.post(NATIVE_PIXVERSE).respond(200, json=DONE_NATIVE)
        result = await provider(make_runtime(jobs_config())).generate_video(req())
    assert jobs.call_count == 1 and native.call_count == 1
    assert result.metadata is not None and result.metadata["api"] == "native"
    assert result.metadata["apiFallback"] == {"from": "jobs", "to": "native", "status": status}


async def test_the_switch_happens_once_then_the_error_surfaces(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        native = mock.post(NATIVE_PIXVERSE).respond(404, json={"detail": "Not Found"})
        jobs = mock.post(JOBS).respond(404, json={"detail": "Not Found"})
        with pytest.raises(NotFoundError):
            await provider(make_runtime()).generate_video(req())
    assert native.call_count == 1 and jobs.call_count == 1


async def test_a_404_while_polling_an_accepted_job_never_resubmits(make_runtime: MakeRuntime) -> None:
    with respx.mock(assert_all_called=False) as mock:
        jobs = mock.post(JOBS).respond(200, json={"id": "vid_10", "status": "queued"})
        mock.get(f"{JOBS}/vid_10").respond(404, json={"detail": "Not Found"})
        native = mock.post(NATIVE_PIXVERSE).respond(200, json=DONE_NATIVE)
        with pytest.raises(NotFoundError):
            await provider(make_runtime(jobs_config())).generate_video(req())
    assert jobs.call_count == 1 and native.call_count == 0


async def test_other_errors_do_not_switch(make_runtime: MakeRuntime) -> None:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(NATIVE_PIXVERSE).respond(
            422, json={"detail": [{"loc": ["body", "prompt"], "msg": "too long"}]}
        )
        jobs = mock.post(JOBS).respond(200, json=DONE_JOB)
        with pytest.raises(InvalidRequestError, match=r"body\.prompt: too long"):
            await provider(make_runtime()).generate_video(req())
    assert jobs.call_count == 0


@pytest.mark.parametrize("value", ["sync", 3, ["jobs"]])
async def test_a_bad_api_choice_is_a_configuration_error(make_runtime: MakeRuntime, value: Any) -> None:
    with respx.mock() as mock:
        with pytest.raises(ConfigurationError, match=r'video\.api must be "native" or "jobs"'):
            await provider(make_runtime(jobs_config(value))).generate_video(req())
        assert mock.calls.call_count == 0


async def test_api_choice_is_case_insensitive(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        jobs = mock.post(JOBS).respond(200, json=DONE_JOB)
        await provider(make_runtime(jobs_config(" JOBS "))).generate_video(req())
    assert jobs.call_count == 1


async def test_a_missing_key_fails_before_any_request(make_runtime: MakeRuntime) -> None:
    video = provider(make_runtime(key=False))
    assert video.is_configured() is False
    with respx.mock() as mock:
        with pytest.raises(MissingApiKeyError):
            await video.generate_video(req())
        assert mock.calls.call_count == 0


async def test_fetch_video_sends_the_key_only_to_the_api_host(make_runtime: MakeRuntime) -> None:
    video = provider(make_runtime())
    with respx.mock() as mock:
        cdn = mock.get("https://cdn.example.net/v.mp4").respond(
            200, content=MP4, headers={"content-type": "video/mp4"}
        )
        own = mock.get("https://api.deepinfra.com/generated/v.mp4").respond(200, content=MP4)
        assert await video.fetch_video("https://cdn.example.net/v.mp4") == (MP4, "video/mp4")
        assert (await video.fetch_video("https://api.deepinfra.com/generated/v.mp4"))[0] == MP4
    assert "authorization" not in cdn.calls.last.request.headers
    assert own.calls.last.request.headers["authorization"] == f"Bearer {KEY}"


async def test_the_key_never_appears_in_errors_or_reprs(make_runtime: MakeRuntime) -> None:
    video = provider(make_runtime())
    with respx.mock() as mock:
        mock.post(NATIVE_PIXVERSE).respond(400, json={"detail": {"error": f"key {KEY} not allowed"}})
        with pytest.raises(DeepInfraError) as caught:
            await video.generate_video(req())
    for text in (
        str(caught.value),
        repr(caught.value),
        caught.value.body_excerpt or "",
        repr(video),
        repr(req()),
    ):
        assert KEY not in text
