"""The unified model catalog provider (host contract §8.2), the per-surface report the CLI shows
and `doctor`'s key check.

`None` from `live_catalog` means "nothing live, keep the static rows": an empty list would starve
the host's picker, so it is never returned.

The key check: the model catalog answers anonymously, so fetching it proves nothing about the key.
`GET /deploy/list` (DeepInfra's documented list of the account's own deployments) needs the key,
costs nothing and bills nothing. It lives at the API root, so it is addressed from the base URL's
origin. A scoped `jwt:` token only authorizes inference on its models, so it is not checked this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

from openclaw_deepinfra.catalog.models import CatalogSnapshot, Surface
from openclaw_deepinfra.errors import (
    AuthenticationError,
    DeepInfraError,
    InsufficientBalanceError,
    NotFoundError,
)
from openclaw_deepinfra.host.contracts.model_catalog import (
    UnifiedModelCatalogContext,
    UnifiedModelCatalogEntry,
)
from openclaw_deepinfra.host.contracts.protocols import ModelCatalogKind
from openclaw_deepinfra.settings import API_KEY_ENV, API_TOKEN_ENV, PROVIDER_ID
from openclaw_deepinfra.surfaces.provider_base import RuntimeProvider
from openclaw_deepinfra.surfaces.video.common import capabilities_for
from openclaw_deepinfra.urls import origin_url

DOCS_PATH: Final = "/providers/deepinfra"
AUTH_PATH: Final = "/deploy/list"
AUTH_TIMEOUT_S: Final = 15.0
KIND_SURFACES: Final[dict[ModelCatalogKind, Surface]] = {
    "text": "chat",
    "image_generation": "image-gen",
    "video_generation": "video-gen",
    "voice": "tts",
}


class DeepInfraModelCatalog(RuntimeProvider):
    provider: Final = PROVIDER_ID
    kinds: Final[Sequence[ModelCatalogKind]] = tuple(KIND_SURFACES)

    def static_catalog(self, ctx: UnifiedModelCatalogContext | None = None) -> list[UnifiedModelCatalogEntry]:
        return _entries(self._runtime.static.snapshot())

    async def live_catalog(
        self, ctx: UnifiedModelCatalogContext | None = None
    ) -> list[UnifiedModelCatalogEntry] | None:
        if self._runtime.settings().api_key is None:
            return None
        # A static snapshot (no good answer yet) has no live or cached surface: None, not [].
        snapshot = await self._runtime.catalog().refresh()
        return _entries(snapshot, only_sources=("live", "cache")) or None

    async def surface_report(self, *, refresh: bool = False) -> dict[str, Any]:
        """Every surface's list and default and where they came from (`models --json`)."""
        self._runtime.settings()  # a configuration error is reported, not hidden behind static rows
        snapshot = await self._runtime.catalog().refresh(force=refresh)
        return snapshot.to_json()

    async def verify_key(self) -> dict[str, Any]:
        """`{level, detail, request_id}`: what DeepInfra says about the key, from one free
        authenticated call (`doctor`); never raises for an API answer."""
        settings = self._runtime.settings()
        if settings.require_key().is_jwt:
            return _key_check("warn", "a scoped jwt: token only authorizes inference; not checked here")
        url = origin_url(settings.base_url) + AUTH_PATH
        http = self._runtime.http()
        try:
            # No retries: doctor reports what happens now, and a retry would only delay the answer.
            check = http.with_options(deadline=http.deadline(AUTH_TIMEOUT_S), max_retries=0)
            response = await check.request_json("GET", url, label="DeepInfra key check")
        except AuthenticationError as exc:
            return _key_check("fail", f"DeepInfra rejected the key (HTTP {exc.status})", exc.request_id)
        except InsufficientBalanceError as exc:
            # The key is valid; the account cannot pay. Worth a warning, not a failure of the key.
            no_balance = f"the key is valid but the account has no balance: {exc.message}"
            return _key_check("warn", no_balance, exc.request_id)
        except NotFoundError as exc:
            # A proxy or gateway in front of the OpenAI-compatible API need not serve the account API.
            return _key_check("warn", f"could not check the key: {url} answered 404", exc.request_id)
        except DeepInfraError as exc:
            return _key_check("warn", f"could not check the key: {exc}", exc.request_id)
        return _key_check("ok", "DeepInfra accepted the key", response.request_id)


def _key_check(
    level: Literal["ok", "warn", "fail"], detail: str, request_id: str | None = None
) -> dict[str, Any]:
    return {"level": level, "detail": detail, "request_id": request_id}


def _entries(
    snapshot: CatalogSnapshot, *, only_sources: tuple[str, ...] | None = None
) -> list[UnifiedModelCatalogEntry]:
    entries: list[UnifiedModelCatalogEntry] = []
    for kind, surface in KIND_SURFACES.items():
        catalog = snapshot.surfaces.get(surface)
        if catalog is None or (only_sources is not None and catalog.source not in only_sources):
            continue
        entries.extend(
            UnifiedModelCatalogEntry(
                kind=kind,
                provider=PROVIDER_ID,
                model=model.id,
                label=model.name or model.id,
                source=catalog.source,
                default=model.id == catalog.default,
                auth_env_vars=[API_KEY_ENV, API_TOKEN_ENV],
                docs_path=DOCS_PATH,
                fetched_at=snapshot.fetched_at if catalog.source != "static" else None,
                # Every video entry, live or shipped, carries the capabilities a call checks against.
                capabilities=capabilities_for(model.id) if kind == "video_generation" else None,
            )
            for model in catalog.models
        )
    return entries
