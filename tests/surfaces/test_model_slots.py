"""Which surface calls hold a per-model concurrency slot (issue 7): model calls do, for the whole
request; video polls and result downloads do not (a job can take minutes; a poll is a status read).
Billed surfaces keep the billed retry table."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from openclaw_deepinfra.errors import ServerError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.speech import SpeechSynthesisRequest
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.surfaces.speech.provider import DeepInfraSpeechProvider
from tests.surfaces.conftest import BASE, MakeRuntime
from tests.surfaces.video_helpers import JOBS, FakeTime, jobs_config, provider, req

AUDIO = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64


def in_flight(runtime: DeepInfraRuntime) -> dict[str, int]:
    return {model: stats.in_flight for model, stats in runtime.http().model_limits.snapshot().items()}


async def test_video_submit_holds_a_slot_and_polls_do_not(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(jobs_config())
    seen: list[tuple[str, dict[str, int]]] = []

    def submit(request: httpx.Request) -> httpx.Response:
        seen.append(("submit", in_flight(runtime)))
        return httpx.Response(200, json={"id": "v1", "status": "queued"})

    def poll(request: httpx.Request) -> httpx.Response:
        seen.append(("poll", in_flight(runtime)))
        return httpx.Response(
            200, json={"id": "v1", "status": "succeeded", "data": [{"url": "https://c.example/v.mp4"}]}
        )

    with respx.mock() as mock:
        mock.post(JOBS).mock(side_effect=submit)
        mock.get(f"{JOBS}/v1").mock(side_effect=poll)
        await provider(runtime, FakeTime()).generate_video(req(model="Wan-AI/Wan2.9-T2V"))
    assert seen == [("submit", {"Wan-AI/Wan2.9-T2V": 1}), ("poll", {"Wan-AI/Wan2.9-T2V": 0})]


async def test_video_submit_is_not_repeated_after_a_503(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(JOBS).respond(503, json={"error": {"message": "overloaded"}})
        with pytest.raises(ServerError):
            await provider(make_runtime(jobs_config()), FakeTime()).generate_video(req())
    assert route.call_count == 1  # an accepted job is polled, never resubmitted: 429 is the only retry


async def test_speech_holds_a_slot_for_its_model_and_gives_it_back(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime()
    seen: list[dict[str, int]] = []

    def speak(request: httpx.Request) -> httpx.Response:
        seen.append(in_flight(runtime))
        return httpx.Response(200, content=AUDIO, headers={"content-type": "audio/mpeg"})

    with respx.mock() as mock:
        mock.post(f"{BASE}/audio/speech").mock(side_effect=speak)
        request = SpeechSynthesisRequest(text="Hi.", cfg=OpenClawConfig({}), timeout_ms=30_000)
        await DeepInfraSpeechProvider(runtime).synthesize(request)
    assert seen == [{"hexgrad/Kokoro-82M": 1}]
    assert in_flight(runtime) == {"hexgrad/Kokoro-82M": 0}


async def test_chat_holds_a_slot_for_its_model(make_runtime: MakeRuntime) -> None:
    from openclaw_deepinfra.host.contracts.chat import ChatRequest
    from openclaw_deepinfra.surfaces.chat.runner import complete_chat

    runtime = make_runtime()
    seen: list[dict[str, int]] = []
    answer: dict[str, Any] = {
        "id": "c1", "model": "deepseek-ai/DeepSeek-V4-Flash",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    }  # fmt: skip

    def chat(request: httpx.Request) -> httpx.Response:
        seen.append(in_flight(runtime))
        return httpx.Response(200, json=answer)

    with respx.mock() as mock:
        mock.get(f"{BASE}/models").respond(404)  # the call's catalog view: none live, shipped decides
        mock.post(f"{BASE}/chat/completions").mock(side_effect=chat)
        request = ChatRequest.model_validate(
            {"model": "deepseek-ai/DeepSeek-V4-Flash", "messages": [{"role": "user", "content": "hi"}]}
        )
        await complete_chat(runtime, request)
    assert seen == [{"deepseek-ai/DeepSeek-V4-Flash": 1}]
