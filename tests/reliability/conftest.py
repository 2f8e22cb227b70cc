"""Shared fixtures of the reliability suite: a fault server, the plugin loaded as a gateway loads
it (entry point -> registry) against that server, and a recorder of unhandled task exceptions."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.faults import FaultServer, fault_server
from tests.gateway import Host, MakeHost, hosts

KEY = "di-reliability-key-0f1e2d3c4b5a69788796"
CHAT_PATH = "/v1/openai/chat/completions"
EMBED_PATH = "/v1/openai/embeddings"
MODELS_PATH = "/v1/openai/models"
CHAT_MODEL = "deepseek-ai/DeepSeek-V4-Flash"  # in the shipped catalog: no catalog refresh per call


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


def host_env(server: FaultServer, tmp_path: Path, key: str = KEY) -> dict[str, str]:
    return {
        "DEEPINFRA_API_KEY": key,
        "DEEPINFRA_BASE_URL": server.api_base,
        "OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / "cache"),
    }


@pytest.fixture
async def make_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[MakeHost]:
    """`make_host(server, timeoutSeconds=0.5, maxRetries=2)`: the registry a gateway would build."""
    # The catalog store reads the process environment (not the config's env): keep it in tmp_path.
    monkeypatch.setenv("OPENCLAW_DEEPINFRA_CACHE_DIR", str(tmp_path / "cache"))
    async with hosts() as made:

        def make(server: FaultServer, config: dict[str, Any] | None = None, **provider: Any) -> Host:
            data = dict(config or {})
            data.setdefault("models", {"providers": {"deepinfra": provider}})
            return made.load(data, host_env(server, tmp_path))

        yield make


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Everything the running loop's exception handler sees (e.g. "Task exception was never
    retrieved"); the test fails at teardown if anything was recorded."""
    loop = asyncio.get_running_loop()
    recorded: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: recorded.append(context))
    try:
        yield recorded
        gc.collect()  # an abandoned failed task reports when it is collected
        await asyncio.sleep(0)
        assert recorded == [], f"unhandled exceptions in the event loop: {recorded!r}"
    finally:
        loop.set_exception_handler(previous)
