"""Shared fixtures of the reliability suite: a fault server, the plugin loaded as a gateway loads
it (entry point -> registry) against that server, and a recorder of unhandled task exceptions."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.registry import PluginRegistry
from tests.e2e.faults import FaultServer, fault_server

KEY = "di-reliability-key-0f1e2d3c4b5a69788796"
CHAT_PATH = "/v1/openai/chat/completions"
EMBED_PATH = "/v1/openai/embeddings"
MODELS_PATH = "/v1/openai/models"
CHAT_MODEL = "deepseek-ai/DeepSeek-V4-Flash"  # in the shipped catalog: no catalog refresh per call


@dataclass
class Host:
    registry: PluginRegistry
    config: OpenClawConfig

    def get(self, kind: str) -> Any:
        provider = self.registry.get(kind, "deepinfra")
        assert provider is not None, f"deepinfra registered no {kind}"
        return provider

    def get_catalog(self) -> Any:
        return self.get("model-catalog-provider")


MakeHost = Callable[..., Host]


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
    made: list[Host] = []
    # The catalog store reads the process environment (not the config's env): keep it in tmp_path.
    monkeypatch.setenv("OPENCLAW_DEEPINFRA_CACHE_DIR", str(tmp_path / "cache"))

    def make(server: FaultServer, config: dict[str, Any] | None = None, **provider: Any) -> Host:
        data = dict(config or {})
        data.setdefault("models", {"providers": {"deepinfra": provider}})
        cfg = OpenClawConfig(data, env=host_env(server, tmp_path))
        registry = PluginRegistry(cfg)
        registry.load([ep for ep in entry_points(group="openclaw.plugins") if ep.name == "deepinfra"])
        assert registry.records["deepinfra"].status == "loaded", registry.diagnostics
        host = Host(registry, cfg)
        made.append(host)
        return host

    yield make
    for host in made:
        await host.registry.aclose()


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
