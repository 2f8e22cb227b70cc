"""A fake clock and sleep for the video tests: the polling schedule runs instantly and is recorded."""

from __future__ import annotations

from typing import Any

from openclaw_deepinfra.host.contracts.video import VideoGenerationRequest, VideoProgress
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.surfaces.video.provider import DeepInfraVideoProvider

NATIVE = "https://api.deepinfra.com/v1/inference"
JOBS = "https://api.deepinfra.com/v1/openai/videos"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def provider(runtime: DeepInfraRuntime, fake: FakeTime | None = None) -> DeepInfraVideoProvider:
    fake = fake or FakeTime()
    return DeepInfraVideoProvider(runtime, sleep=fake.sleep, clock=fake.clock)


def req(progress: list[VideoProgress] | None = None, **fields: Any) -> VideoGenerationRequest:
    return VideoGenerationRequest(
        provider="deepinfra",
        model=fields.pop("model", "deepinfra/Pixverse/Pixverse-T2V"),
        prompt=fields.pop("prompt", "a paper boat on a river"),
        cfg={},
        on_progress=progress.append if progress is not None else None,
        **fields,
    )


def jobs_config(api: str = "jobs", **provider: Any) -> dict[str, Any]:
    return {"models": {"providers": {"deepinfra": {"video": {"api": api}, **provider}}}}
