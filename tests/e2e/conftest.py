"""Fixtures of the end-to-end suite: a loopback DeepInfra answering every surface, and hosts that
load the plugin as a gateway does (entry point -> registry), each with its own cache ("process")."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.registry import PluginRegistry
from tests.e2e.loopback import LoopbackServer, serve
from tests.e2e.surface_calls import API, KEY, Host, routes

MakeHost = Callable[..., Host]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with serve() as api:
        routes(api)
        yield api


@pytest.fixture
async def make_host(tmp_path: Path) -> AsyncIterator[MakeHost]:
    """`make_host(name, server, config, **env)`: a registry over `server`; `name` picks its cache dir."""
    made: list[Host] = []

    def make(name: str, server: LoopbackServer, config: dict[str, Any], **extra_env: str) -> Host:
        env = {
            "DEEPINFRA_API_KEY": KEY,
            "DEEPINFRA_BASE_URL": f"{server.base_url}{API}",
            "OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / name / "cache"),  # one "process" each
            "HOME": str(tmp_path / name),
            **extra_env,
        }
        cfg = OpenClawConfig(config, env=env)
        registry = PluginRegistry(cfg)
        registry.load([ep for ep in entry_points(group="openclaw.plugins") if ep.name == "deepinfra"])
        assert registry.records["deepinfra"].status == "loaded", registry.diagnostics
        host = Host(registry, cfg)
        made.append(host)
        return host

    yield make
    for host in made:
        await host.registry.aclose()
