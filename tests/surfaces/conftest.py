"""A DeepInfra runtime over a mocked network, a private cache dir and a clean environment."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.runtime import DeepInfraRuntime
from tests.catalog_rows import row

BASE = "https://api.deepinfra.com/v1/openai"
MODELS_URL = f"{BASE}/models"
KEY = "di-surface-test-key-0123456789abcdef"

MakeRuntime = Callable[..., DeepInfraRuntime]


LIVE = {
    "data": [
        row(
            "zai-org/GLM-9",
            "chat",
            "reasoning",
            context_length=202752,
            pricing={"input_tokens": 0.5, "output_tokens": 1.5},
        ),
        row("deepseek-ai/DeepSeek-V4-Flash", "chat"),
        row("Qwen/Qwen9-VL", "chat", "vlm"),
        row("black-forest-labs/FLUX-2-pro", "image-gen"),
        row("Wan-AI/Wan2.9-T2V", "video-gen"),
        row("hexgrad/Kokoro-82M", "tts"),
        row("openai/whisper-large-v3", "stt"),
        row("BAAI/bge-m3", "embed"),
    ]
}


@pytest.fixture
async def make_runtime(tmp_path: Path) -> AsyncIterator[MakeRuntime]:
    made: list[DeepInfraRuntime] = []

    def make(data: dict[str, Any] | None = None, *, key: bool = True, **env: str) -> DeepInfraRuntime:
        environment = {"OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / "cache"), **env}
        if key:
            environment.setdefault("DEEPINFRA_API_KEY", KEY)
        runtime = DeepInfraRuntime(OpenClawConfig(data or {}, env=environment), env=environment)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:  # runtimes own pooled clients; close them the way the host does
        await runtime.aclose()
