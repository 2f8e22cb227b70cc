"""Load the agent config and the plugins exactly as a gateway would, for one CLI command."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.registry import PluginRegistry

PLUGIN_ID = "deepinfra"


class CliError(Exception):
    """A failure the CLI reports as one line; `exit_code` 2 for usage/config, 1 otherwise."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class HostSession:
    config_path: Path
    config: OpenClawConfig
    auth_store: AuthProfileStore
    registry: PluginRegistry

    def require(self, kind: str, provider_id: str = PLUGIN_ID, *, plugin_id: str | None = None) -> object:
        provider = self.registry.get(kind, provider_id)
        if provider is not None:
            return provider
        raise CliError(self._unavailable(kind, plugin_id or provider_id))

    def _unavailable(self, kind: str, plugin_id: str) -> str:
        # Say why the plugin is not serving (disabled by the config, not installed) rather than
        # only that a registration is missing: that is what the user has to act on.
        record = self.registry.records.get(plugin_id)
        if record is None:
            return (
                f"plugin {plugin_id!r} was not found in entry point group openclaw.plugins; "
                "reinstall the package that provides it"
            )
        if record.status == "disabled":
            return (
                f"plugin {plugin_id!r} is disabled ({record.error}); "
                f"enable it with `openclaw-deepinfra plugins enable {plugin_id}`"
            )
        reasons = [d.message for d in self.registry.diagnostics if d.plugin_id == plugin_id]
        detail = f": {'; '.join(reasons)}" if reasons else ""
        return (
            f"plugin {plugin_id!r} did not register a {kind}{detail}. "
            f"Check `openclaw-deepinfra plugins inspect {plugin_id}`."
        )

    def catalog_provider(self, provider_id: str = PLUGIN_ID) -> object:
        """The unified model catalog provider; the registry keys it per kind (`<id>:<kind>`)."""
        for registration in self.registry.registrations("model-catalog-provider").values():
            if registration.id == provider_id:
                return registration.provider
        return self.require("model-catalog-provider", f"{provider_id}:text", plugin_id=provider_id)

    async def aclose(self) -> None:
        await self.registry.aclose()

    async def __aenter__(self) -> HostSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def config_path_from(args: argparse.Namespace) -> Path:
    """``--config``, else ``$OPENCLAW_CONFIG_PATH``, else ``<state dir>/openclaw.json`` (``host.paths``)."""
    given: Path | None = getattr(args, "config", None)
    return paths.config_path(given)


def open_host(args: argparse.Namespace) -> HostSession:
    path = config_path_from(args)
    config = OpenClawConfig.load(path)
    # The agent's own store in the state dir; keys left beside the config by older versions are
    # still read from there (doctor says so, onboard moves them).
    agent_id = getattr(args, "agent", None) or paths.DEFAULT_AGENT_ID
    store = AuthProfileStore.for_agent(agent_id, config_path=path)
    registry = PluginRegistry(config, auth_store=store)
    registry.load()
    return HostSession(config_path=path, config=config, auth_store=store, registry=registry)
