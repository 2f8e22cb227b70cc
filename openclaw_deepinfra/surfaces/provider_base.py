"""What the registered provider objects share: the runtime they serve from and close, a repr that
shows no settings, and (for a provider of one catalog surface) its picker hints and `is_configured`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from openclaw_deepinfra.catalog.models import Surface
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import PROVIDER_ID


class RuntimeProvider:
    """One of the objects `plugin.py` registers; they all share one runtime (settings, client)."""

    id: Final = PROVIDER_ID

    def __init__(self, runtime: DeepInfraRuntime) -> None:
        self._runtime = runtime

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"

    async def aclose(self) -> None:
        await self._runtime.aclose()


class SurfaceProvider(RuntimeProvider):
    """A provider of one catalog surface (`surface`) the host's picker lists models for."""

    surface: ClassVar[Surface]
    label: Final = "DeepInfra"
    aliases: tuple[str, ...] = ()

    # Picker hints, read on use, not at registration: the snapshot resolves settings (a SecretRef
    # may run a command). A request without a model gets the default of its call's catalog view.
    @property
    def default_model(self) -> str:
        return self._runtime.snapshot().surface(self.surface).default

    @property
    def models(self) -> list[str]:
        return list(self._runtime.snapshot().surface(self.surface).ids)

    def is_configured(self, ctx: Any = None) -> bool:
        try:
            return self._runtime.settings().api_key is not None
        except ConfigurationError:
            return False
