"""Load the agent config and the plugins exactly as a gateway would, for one CLI command, and say
so while its call is silent.

`Waiting` prints `still waiting for <what> (N s of M s)` on stderr after `FIRST_NOTICE_S` without
progress (`touch`: a chunk, a video poll), then every `NOTICE_EVERY_S`. The call still ends at its
own deadline with its own error; stdout (`--json`) never sees a line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.registry import PluginRegistry
from openclaw_deepinfra.settings import resolve_settings
from openclaw_deepinfra.transport.deadline import DEFAULT_DEADLINE_S

PLUGIN_ID = "deepinfra"


class CliError(Exception):
    """A failure the CLI reports as one line; `exit_code` 2 for usage/config, 1 otherwise."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class HostSession(AbstractAsyncContextManager["HostSession"]):
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

    async def __aexit__(self, *exc_info: object) -> None:
        await self.registry.aclose()


def open_host(args: argparse.Namespace) -> HostSession:
    path = paths.config_path(args.config)  # --config, else $OPENCLAW_CONFIG_PATH, else the state dir's
    config = OpenClawConfig.load(path)
    # The agent's own store in the state dir; keys left beside the config by older versions are
    # still read from there (doctor says so, onboard moves them).
    agent_id = getattr(args, "agent", None) or paths.DEFAULT_AGENT_ID
    store = AuthProfileStore.for_agent(agent_id, config_path=path)
    registry = PluginRegistry(config, auth_store=store)
    registry.load()
    return HostSession(config_path=path, config=config, auth_store=store, registry=registry)


T = TypeVar("T")
FIRST_NOTICE_S = 10.0
NOTICE_EVERY_S = 20.0


class Waiting:
    def __init__(self, what: str, config: OpenClawConfig, timeout_ms: int | None = None) -> None:
        self.what = what
        # The call's deadline as the plugin sets it: the request's `timeout_ms`, else the config's
        # `timeoutSeconds`, else the plugin's default.
        try:
            configured = None if timeout_ms else resolve_settings(config).timeout_s
        except ConfigurationError:
            configured = None  # the call itself reports the configuration error
        self.budget_s = timeout_ms / 1000 if timeout_ms else configured or DEFAULT_DEADLINE_S
        self._started = self._last = time.monotonic()
        self._gap = FIRST_NOTICE_S

    def touch(self) -> None:
        """Progress: the next line comes only after another quiet `FIRST_NOTICE_S`."""
        self._last, self._gap = time.monotonic(), FIRST_NOTICE_S

    async def run(self, call: Awaitable[T]) -> T:
        task = asyncio.ensure_future(call)
        self._started = self._last = time.monotonic()
        try:
            while not task.done():
                quiet_left = self._last + self._gap - time.monotonic()
                if quiet_left > 0:
                    await asyncio.wait({task}, timeout=quiet_left)
                    continue
                spent = f"{time.monotonic() - self._started:.0f} s of {self.budget_s:.0f} s"
                print(f"openclaw-deepinfra: still waiting for {self.what} ({spent})", file=sys.stderr)
                self._last, self._gap = time.monotonic(), NOTICE_EVERY_S
            return task.result()
        finally:
            task.cancel()  # only matters when we are cancelled ourselves (Ctrl-C)
