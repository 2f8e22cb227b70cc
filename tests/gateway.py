"""The plugin loaded as a gateway loads it (entry point -> registry): shared by the registration
tests and by the e2e and reliability suites' `make_host` fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.registry import PluginRegistry


def deepinfra_entry_point() -> EntryPoint:
    (ep,) = [ep for ep in entry_points(group="openclaw.plugins") if ep.name == "deepinfra"]
    return ep


def load_plugin(config: OpenClawConfig, **registry_options: Any) -> PluginRegistry:
    """A registry over `config` with the installed deepinfra plugin loaded (or its diagnostics)."""
    registry = PluginRegistry(config, **registry_options)
    registry.load([deepinfra_entry_point()])
    return registry


class Host:
    """A loaded registry and its config: what a gateway holds."""

    def __init__(self, registry: PluginRegistry, config: OpenClawConfig) -> None:
        self.registry = registry
        self.config = config

    def get(self, kind: str) -> Any:
        provider = self.registry.get(kind, "deepinfra")
        assert provider is not None, f"deepinfra registered no {kind}"
        return provider

    def get_catalog(self) -> Any:
        return self.get("model-catalog-provider")


MakeHost = Callable[..., Host]
"""The `make_host` fixtures' factory (each suite's conftest says its arguments)."""


class Hosts:
    """Hosts made during one test, all closed when it ends."""

    def __init__(self) -> None:
        self.made: list[Host] = []

    def load(self, data: dict[str, Any], env: dict[str, str]) -> Host:
        config = OpenClawConfig(data, env=env)
        registry = load_plugin(config)
        assert registry.records["deepinfra"].status == "loaded", registry.diagnostics
        host = Host(registry, config)
        self.made.append(host)
        return host


@asynccontextmanager
async def hosts() -> AsyncIterator[Hosts]:
    made = Hosts()
    try:
        yield made
    finally:
        for host in made.made:
            await host.registry.aclose()
