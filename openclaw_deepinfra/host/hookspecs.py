"""The pluggy hook a plugin implements: ``register(api)``, synchronous, called once per plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from openclaw_deepinfra.host.api import PluginApi

PROJECT = "openclaw"
ENTRY_POINT_GROUP = f"{PROJECT}.plugins"  # where the host discovers plugins (host-contracts §1.1)
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class OpenClawHookSpec:
    @hookspec
    def register(self, api: PluginApi) -> None:
        """Register the plugin's providers on ``api``. Must not do network I/O and must not return an
        awaitable (async registration is ignored)."""
