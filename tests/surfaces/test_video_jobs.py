"""The OpenAI-compatible video job API: whole submit body, polling to success, to failure, to the
deadline and to the poll limit, with the job never submitted twice."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from openclaw_deepinfra.errors import (
    APITimeoutError,
    DeadlineExceededError,
    GenerationFailedError,
    MalformedResponseError,
    ServerError,
)
from openclaw_deepinfra.host.contracts.video import VideoProgress
from tests.surfaces.conftest import KEY, MakeRuntime
from tests.surfaces.video_helpers import JOBS, FakeTime, jobs_config, provider, req


def _sequence(*answers: dict[str, Any]) -> Any:
    replies = list(answers)

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=replies.pop(0) if len(replies) > 1 else replies[0])

    return reply


async def test_submit_body_then_polls_every_five_seconds_to_success(make_runtime: MakeRuntime) -> None:
    fake = FakeTime()
    progress: list[VideoProgress] = []
    with respx.mock() as mock:
        submit = mock.post(JOBS).respond(200, json={"id": "vid_123", "status": "queued"})
        poll = mock.get(f"{JOBS}/vid_123").mock(side_effect=_sequence(
            {"id": "vid_123", "status": "processing"},
            {"id": "vid_123", "status": "processing"},
            {"id": "vid_123", "status": "succeeded", "model": " Wan-AI/Wan2.6-T2V ",
             "data": [{"url": "/generated/x.mp4"}, {"url": ""}], "usage": {"estimated_cost": 0.25}},
        ))  # fmt: skip
        result = await provider(make_runtime(jobs_config()), fake).generate_video(
            req(progress, model="Wan-AI/Wan2.6-T2V", aspect_ratio="9:16", duration_seconds=7,
                provider_options={"seed": 7.0, "negative_prompt": "text", "style": "cinematic",
                                  "guidance_scale": 3})
        )  # fmt: skip
    assert json.loads(submit.calls.last.request.content) == {
        "model": "Wan-AI/Wan2.6-T2V", "prompt": "a paper boat on a river", "aspect_ratio": "9:16",
        "seconds": "8", "seed": 7, "negative_prompt": "text", "style": "cinematic",  # seconds: a string
    }  # fmt: skip
    assert submit.call_count == 1 and poll.call_count == 3
    assert poll.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert fake.sleeps == [5.0, 5.0, 5.0]
    (video,) = result.videos
    assert (video.url, video.mime_type, video.file_name) == (
        "https://api.deepinfra.com/generated/x.mp4", "video/mp4", "video-1.mp4",
    )  # fmt: skip
    assert result.model == "Wan-AI/Wan2.6-T2V"
    assert result.metadata == {
        "api": "jobs", "jobId": "vid_123", "status": "succeeded", "cost": 0.25,
        "durationSeconds": 8, "requestedDurationSeconds": 7,
    }  # fmt: skip
    assert [(p.status, p.job_id, p.poll, p.elapsed_seconds) for p in progress] == [
        ("submitting", None, 0, 0.0), ("queued", "vid_123", 0, 0.0), ("processing", "vid_123", 1, 5.0),
        ("processing", "vid_123", 2, 10.0), ("succeeded", "vid_123", 3, 15.0),
    ]  # fmt: skip


async def test_a_job_that_succeeded_at_submit_is_not_polled(make_runtime: MakeRuntime) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        mock.post(JOBS).respond(
            200, json={"id": "v1", "status": "succeeded", "data": [{"url": "https://c.example/v.mp4"}]}
        )
        result = await provider(make_runtime(jobs_config()), fake).generate_video(req())
    assert fake.sleeps == []
    assert result.videos[0].url == "https://c.example/v.mp4"
    assert result.model == "Pixverse/Pixverse-T2V"


async def test_polling_to_failure_raises_with_the_job_error(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "v2", "status": "queued"})
        mock.get(f"{JOBS}/v2").mock(side_effect=_sequence(
            {"id": "v2", "status": "processing"},
            {"id": "v2", "status": "failed", "error": " content policy "},
        ))  # fmt: skip
        with pytest.raises(GenerationFailedError) as caught:
            await provider(make_runtime(jobs_config())).generate_video(req())
    assert caught.value.message == "content policy (job v2)"


@pytest.mark.parametrize("done", ["completed", "succeeded", "COMPLETED"])
async def test_polling_stops_on_completed_as_on_succeeded(make_runtime: MakeRuntime, done: str) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "v5", "status": "queued"})
        poll = mock.get(f"{JOBS}/v5").mock(side_effect=_sequence(
            {"id": "v5", "status": "in_progress"},
            {"id": "v5", "status": done, "data": [{"url": "https://c.example/v5.mp4"}]},
        ))  # fmt: skip
        result = await provider(make_runtime(jobs_config()), fake).generate_video(req())
    assert poll.call_count == 2 and fake.sleeps == [5.0, 5.0]
    assert result.videos[0].url == "https://c.example/v5.mp4"
    assert result.metadata is not None and result.metadata["status"] == done.lower()


@pytest.mark.parametrize("ended", ["failed", "cancelled", "expired"])
async def test_a_failed_cancelled_or_expired_job_ends_with_the_servers_error(
    make_runtime: MakeRuntime, ended: str
) -> None:
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "v6", "status": "queued"})
        poll = mock.get(f"{JOBS}/v6").respond(
            200, json={"id": "v6", "status": ended, "error": {"message": f"job {ended} by the server"}}
        )
        with pytest.raises(GenerationFailedError) as caught:
            await provider(make_runtime(jobs_config())).generate_video(req())
    assert caught.value.message == f"job {ended} by the server (job v6)"
    assert poll.call_count == 1


async def test_an_unknown_status_keeps_polling_with_one_warning(
    make_runtime: MakeRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "v7", "status": "warming_up"})
        poll = mock.get(f"{JOBS}/v7").mock(side_effect=_sequence(
            {"id": "v7", "status": "warming_up"},
            {"id": "v7", "status": "warming_up"},
            {"id": "v7", "status": "completed", "data": [{"url": "https://c.example/v7.mp4"}]},
        ))  # fmt: skip
        result = await provider(make_runtime(jobs_config())).generate_video(req())
    assert poll.call_count == 3 and result.videos[0].url == "https://c.example/v7.mp4"
    warnings = [r.getMessage() for r in caplog.records if "not documented" in r.getMessage()]
    assert warnings == ["DeepInfra video generation job v7 reports status 'warming_up', which is not "
                        "documented; still polling"]  # fmt: skip


async def test_a_job_failed_at_submit_raises_the_default_text(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "v3", "status": "failed"})
        with pytest.raises(GenerationFailedError, match="DeepInfra video generation failed"):
            await provider(make_runtime(jobs_config())).generate_video(req())


async def test_polling_stops_at_the_deadline_without_resubmitting(make_runtime: MakeRuntime) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        submit = mock.post(JOBS).respond(200, json={"id": "v4", "status": "queued"})
        poll = mock.get(f"{JOBS}/v4").respond(200, json={"id": "v4", "status": "processing"})
        with pytest.raises(DeadlineExceededError) as caught:  # the operation's deadline (errors.py)
            await provider(make_runtime(jobs_config()), fake).generate_video(req(timeout_ms=12_000))
    assert caught.value.message == "DeepInfra video generation timed out after 12000ms"
    assert caught.value.budget_s == 12.0 and caught.value.elapsed_s >= 12.0
    assert (
        caught.value.hint is not None
        and "job v4" in caught.value.hint
        and "not resubmitted" in caught.value.hint
    )
    assert fake.sleeps == [5.0, 5.0, 2.0]
    assert submit.call_count == 1 and poll.call_count == 2


async def test_polling_stops_after_120_polls(make_runtime: MakeRuntime) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "v5", "status": "queued"})
        poll = mock.get(f"{JOBS}/v5").respond(200, json={"status": "processing"})
        with pytest.raises(APITimeoutError, match="job v5 did not finish in time"):
            await provider(make_runtime(jobs_config()), fake).generate_video(req(timeout_ms=10**9))
    assert poll.call_count == 120
    assert fake.sleeps == [5.0] * 120


async def test_each_request_gets_at_most_sixty_seconds_of_the_deadline(make_runtime: MakeRuntime) -> None:
    fake = FakeTime()
    seen: list[Any] = []

    def submit(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, json={"id": "v6", "status": "queued"})

    def poll(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return httpx.Response(
            200, json={"id": "v6", "status": "succeeded", "data": [{"url": "https://c.example/v.mp4"}]}
        )

    with respx.mock() as mock:
        mock.post(JOBS).mock(side_effect=submit)
        mock.get(f"{JOBS}/v6").mock(side_effect=poll)
        await provider(make_runtime(jobs_config()), fake).generate_video(req(timeout_ms=30_000))
        await provider(make_runtime(jobs_config()), fake).generate_video(req(timeout_ms=300_000))
    assert seen == [30.0, 25.0, 60.0, 60.0]


async def test_job_ids_are_encoded_in_the_status_path(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "job/1 x", "status": "queued"})
        route = mock.get(url__regex=r".*/videos/job%2F1%20x$").respond(
            200, json={"status": "succeeded", "data": [{"url": "https://c.example/v.mp4"}]}
        )
        result = await provider(make_runtime(jobs_config())).generate_video(req())
    assert route.call_count == 1
    assert result.metadata is not None and result.metadata["jobId"] == "job/1 x"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": "queued"}, "DeepInfra video generation response missing job id"),
        ([1, 2], "the job is not a JSON object"),
    ],
)
async def test_a_submit_answer_without_a_job_is_malformed(
    make_runtime: MakeRuntime, answer: Any, message: str
) -> None:
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json=answer)
        with pytest.raises(MalformedResponseError, match=message):
            await provider(make_runtime(jobs_config())).generate_video(req())


async def test_a_succeeded_job_without_urls_is_malformed(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "v7", "status": "succeeded", "data": [{"url": "  "}]})
        with pytest.raises(MalformedResponseError, match="DeepInfra video response missing video URL"):
            await provider(make_runtime(jobs_config())).generate_video(req())


async def test_a_5xx_submit_is_never_repeated(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(JOBS).respond(502, text="bad gateway")
        with pytest.raises(ServerError):
            await provider(make_runtime(jobs_config())).generate_video(req())
    assert route.call_count == 1


async def test_a_raising_progress_callback_does_not_lose_the_video(make_runtime: MakeRuntime) -> None:
    def broken(report: VideoProgress) -> None:
        raise RuntimeError("terminal closed")

    with respx.mock() as mock:
        mock.post(JOBS).respond(200, json={"id": "v8", "status": "queued"})
        mock.get(f"{JOBS}/v8").respond(
            200, json={"status": "succeeded", "data": [{"url": "https://c.example/v.mp4"}]}
        )
        request = req().model_copy(update={"on_progress": broken})
        result = await provider(make_runtime(jobs_config())).generate_video(request)
    assert result.metadata is not None and result.metadata["jobId"] == "v8"
