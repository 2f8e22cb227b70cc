"""What the registered provider objects share: the runtime they serve from and close, a repr that
shows no settings, and (for a provider of one catalog surface) its picker hints and `is_configured`.

What the image and video surfaces share: result URLs that point elsewhere, and the cost DeepInfra
states for a call. A result URL comes from the server, so it is checked like a base URL (https,
plain http only to a loopback host, no credentials) and fetched through the one HTTP layer, under
a byte cap, with the API key only when it points at the configured API host.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from openclaw_deepinfra.catalog.models import Surface
from openclaw_deepinfra.catalog.wire import price
from openclaw_deepinfra.errors import ConfigurationError, MalformedResponseError
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.responses import BytesResponse
from openclaw_deepinfra.urls import display, problem, same_origin

logger = get_logger(__name__)

IMAGE_FETCH_MAX_BYTES: Final = 50 * 1024 * 1024
VIDEO_FETCH_MAX_BYTES: Final = 512 * 1024 * 1024


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


async def fetch_remote(http: DeepInfraHttp, url: str, *, max_bytes: int, label: str) -> BytesResponse:
    """GET a result URL with `http`'s options (its deadline), capped at `max_bytes`; the key goes
    only to the API host."""
    found = problem(url, endpoint=False)
    if found is not None:
        raise MalformedResponseError(f"{label}: the result URL {display(url)} {found}")
    capped = http.with_options(max_body_bytes=min(max_bytes, http.options.max_body_bytes))
    authenticated = same_origin(url, http.options.base_url)
    logger.debug("fetching %s (authenticated=%s)", display(url), authenticated)
    return await capped.request_bytes("GET", url, authenticated=authenticated, label=label)


def stated_cost(body: Any) -> float | None:
    """USD DeepInfra says the call cost: native `inference_status.cost`, else `usage.estimated_cost`."""
    if not isinstance(body, Mapping):
        return None
    for block, key in (("inference_status", "cost"), ("usage", "estimated_cost")):
        section = body.get(block)
        if isinstance(section, Mapping):
            cost = price(section.get(key))
            if cost is not None:
                return cost
    return None
