"""The native video route: URL, whole body, result URL shapes, failures and the native base."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import respx

from openclaw_deepinfra.errors import (
    GenerationFailedError,
    InvalidBaseUrlError,
    MalformedResponseError,
    RequestValidationError,
    ServerError,
)
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.surfaces.video.apis import native_url
from openclaw_deepinfra.surfaces.video.common import native_base_url
from tests.surfaces.conftest import KEY, MakeRuntime
from tests.surfaces.media_fixtures import MP4, b64
from tests.surfaces.video_helpers import NATIVE, provider, req

OK = {
    "video_url": "/generated/clip.mp4",
    "seed": 42,
    "request_id": "RfMWDr1NXCd7",
    "inference_status": {"status": "succeeded", "runtime_ms": 51000, "cost": 0.4},
}


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("Pixverse/Pixverse-T2V", "/Pixverse/Pixverse-T2V"),
        ("acme/Model v1:2", "/acme/Model%20v1%3A2"),
        ("org/a?b#c", "/org/a%3Fb%23c"),
    ],
)
def test_each_model_segment_is_encoded(model: str, path: str) -> None:
    assert native_url(NATIVE + "/", model) == NATIVE + path


async def test_wan_model_gets_the_whole_native_body(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(f"{NATIVE}/Wan-AI/Wan2.6-T2V").respond(200, json=OK)
        result = await provider(make_runtime()).generate_video(
            req(model="deepinfra/Wan-AI/Wan2.6-T2V", aspect_ratio=" 16:9 ", duration_seconds=6,
                provider_options={"seed": 42, "negativePrompt": " blur ", "style": "anime",
                                  "guidance_scale": 7.5})
        )  # fmt: skip
    sent = route.calls.last.request
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(sent.content) == {
        "prompt": "a paper boat on a river", "aspect_ratio": "16:9", "duration": 5, "seed": 42,
        "negative_prompt": "blur", "style": "anime", "guidance_scale": 7.5,
    }  # fmt: skip
    (video,) = result.videos
    assert (video.url, video.mime_type, video.file_name) == (
        "https://api.deepinfra.com/generated/clip.mp4", "video/mp4", "video-1.mp4",
    )  # fmt: skip
    assert result.model == "Wan-AI/Wan2.6-T2V"
    assert result.metadata == {
        "api": "native", "status": "succeeded", "requestId": "RfMWDr1NXCd7", "seed": 42, "cost": 0.4,
        "durationSeconds": 5, "requestedDurationSeconds": 6,
    }  # fmt: skip


async def test_minimal_body_has_only_the_prompt(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(f"{NATIVE}/Pixverse/Pixverse-T2V").respond(200, json=OK)
        await provider(make_runtime()).generate_video(req())
    assert json.loads(route.calls.last.request.content) == {"prompt": "a paper boat on a river"}


async def test_guidance_scale_is_refused_for_other_models_before_any_request(
    make_runtime: MakeRuntime,
) -> None:
    with respx.mock() as mock:
        with pytest.raises(
            RequestValidationError, match="unsupported provider option: guidance_scale"
        ) as caught:
            await provider(make_runtime()).generate_video(req(provider_options={"guidance_scale": 5}))
        assert mock.calls.call_count == 0
    assert caught.value.hint is not None and "Wan-AI" in caught.value.hint


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"video": "https://cdn.example.net/a.webm"}, [("https://cdn.example.net/a.webm", "video/webm")]),
        (
            {"videos": ["https://cdn.example.net/a.mp4", {"url": "//cdn.example.net/b.mov"}]},
            [
                ("https://cdn.example.net/a.mp4", "video/mp4"),
                ("https://cdn.example.net/b.mov", "video/quicktime"),
            ],
        ),
        (
            {"video_url": "generated/c.mp4"},
            [("https://api.deepinfra.com/v1/inference/generated/c.mp4", "video/mp4")],
        ),
    ],
)
async def test_result_url_shapes(
    make_runtime: MakeRuntime, answer: dict[str, Any], expected: list[Any]
) -> None:
    with respx.mock() as mock:
        mock.post(f"{NATIVE}/Pixverse/Pixverse-T2V").respond(200, json=answer)
        result = await provider(make_runtime()).generate_video(req())
    assert [(v.url, v.mime_type) for v in result.videos] == expected
    assert all(v.buffer is None for v in result.videos)


async def test_data_url_results_are_decoded(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.post(f"{NATIVE}/Pixverse/Pixverse-T2V").respond(
            200, json={"video_url": f"data:application/octet-stream;base64,{b64(MP4)}"}
        )
        result = await provider(make_runtime()).generate_video(req())
    (video,) = result.videos
    assert (video.buffer, video.url, video.mime_type, video.file_name) == (
        MP4,
        None,
        "video/mp4",
        "video-1.mp4",
    )


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        ({"video_url": "data:video/mp4;base64,@@@"}, MalformedResponseError,
         "DeepInfra video response returned malformed data URL base64"),
        ({"inference_status": {"status": "succeeded"}}, MalformedResponseError,
         "DeepInfra video response missing video URL"),
        ({"inference_status": {"status": "failed", "cost": 0}, "error": "NSFW prompt"}, GenerationFailedError,
         "NSFW prompt"),
        ({"inference_status": {"status": "failed"}}, GenerationFailedError,
         "DeepInfra video generation failed"),
    ],
)  # fmt: skip
async def test_bad_or_failed_answers_raise(
    make_runtime: MakeRuntime, answer: dict[str, Any], error: type[Exception], message: str
) -> None:
    with respx.mock() as mock:
        mock.post(f"{NATIVE}/Pixverse/Pixverse-T2V").respond(200, json=answer)
        with pytest.raises(error) as caught:
            await provider(make_runtime()).generate_video(req())
    assert str(caught.value).startswith(message)


async def test_a_5xx_is_never_resubmitted(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(f"{NATIVE}/Pixverse/Pixverse-T2V").respond(
            503, json={"detail": {"error": "overloaded"}}
        )
        with pytest.raises(ServerError):
            await provider(make_runtime()).generate_video(req())
    assert route.call_count == 1


async def test_configured_native_base_is_used_with_the_key(make_runtime: MakeRuntime) -> None:
    config = {
        "models": {
            "providers": {"deepinfra": {"nativeBaseUrl": " https://native.example.com/v1/inference/ "}}
        }
    }
    with respx.mock() as mock:
        route = mock.post("https://native.example.com/v1/inference/Pixverse/Pixverse-T2V").respond(
            200, json=OK
        )
        result = await provider(make_runtime(config)).generate_video(req())
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert result.videos[0].url == "https://native.example.com/generated/clip.mp4"


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ("http://native.example.com/v1/inference", "must use https"),
        ("https://user:pw@native.example.com/v1/inference", "must not contain credentials"),
        ("https://native.example.com/v1/inference?x=1", "must not have a query string"),
        ("native.example.com", "must be an absolute http(s) URL"),
        (42, "must be a string"),
    ],
)
async def test_bad_native_base_fails_before_any_request(
    make_runtime: MakeRuntime, configured: Any, message: str
) -> None:
    config = {"models": {"providers": {"deepinfra": {"nativeBaseUrl": configured}}}}
    with respx.mock() as mock:
        with pytest.raises(InvalidBaseUrlError, match=re.escape(message)) as caught:
            await provider(make_runtime(config)).generate_video(req())
        assert mock.calls.call_count == 0
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("base", "config", "expected"),
    [
        ("https://api.deepinfra.com/v1/openai", {}, "https://api.deepinfra.com/v1/inference"),
        ("http://127.0.0.1:8123/v1/openai", {}, "http://127.0.0.1:8123/v1/inference"),
        (
            "https://api.deepinfra.com/v1/openai",
            {"nativeBaseUrl": "http://localhost:9/x/"},
            "http://localhost:9/x",
        ),
        (
            "https://api.deepinfra.com/v1/openai",
            {"nativeBaseUrl": "  "},
            "https://api.deepinfra.com/v1/inference",
        ),
    ],
)
def test_native_base_is_derived_from_the_base_url(base: str, config: dict[str, Any], expected: str) -> None:
    data = {"models": {"providers": {"deepinfra": config}}}
    assert native_base_url(OpenClawConfig(data), base) == expected
