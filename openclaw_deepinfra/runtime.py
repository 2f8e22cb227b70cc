"""What every DeepInfra surface shares: settings, the HTTP pool and the catalog refresher.

Everything here is built lazily. Registration only constructs this object, so it does no I/O:
settings (which may resolve a SecretRef through a file or a command) are resolved on first use,
just before a request, as the host contract asks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from openclaw_deepinfra.catalog.models import CatalogSnapshot
from openclaw_deepinfra.catalog.refresher import CatalogRefresher, SnapshotStore
from openclaw_deepinfra.catalog.static import StaticCatalog, load_static_catalog
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.settings import ApiKey, Settings, resolve_settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.deadline import Deadline
from openclaw_deepinfra.transport.pool import ClientPool
from openclaw_deepinfra.urls import validate_base_url

logger = get_logger(__name__)

TransportFactory = Callable[[], httpx.AsyncBaseTransport]


class DeepInfraRuntime:
    def __init__(
        self,
        config: OpenClawConfig,
        *,
        auth_store: AuthProfileStore | None = None,
        env: Mapping[str, str] | None = None,
        transport_factory: TransportFactory | None = None,
    ) -> None:
        self.config = config
        self._auth_store = auth_store
        self._env = env
        self._pool = ClientPool(transport_factory=transport_factory)
        self._settings: Settings | None = None
        self._http: DeepInfraHttp | None = None
        self._catalog: CatalogRefresher | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"DeepInfraRuntime(config={self.config.path!s}, resolved={self._settings is not None})"

    @property
    def pool(self) -> ClientPool:
        """The connection pool every surface of this runtime sends through."""
        return self._pool

    def settings(self) -> Settings:
        """Resolved once; a configuration error is raised again on every use until fixed."""
        if self._settings is None:
            self._settings = resolve_settings(self.config, auth_store=self._auth_store, env=self._env)
        return self._settings

    @property
    def static(self) -> StaticCatalog:
        return load_static_catalog()

    def http(self) -> DeepInfraHttp:
        """The runtime's one client; a call that needs another base URL, key, body cap, retry kind
        or deadline uses `http().with_options(...)`, a view on the same pool and hooks."""
        if self._http is None:
            self._http = DeepInfraHttp(self.settings(), self._pool)
        return self._http

    def http_with(
        self, *, api_key: str | None = None, base_url: str | None = None, source: str
    ) -> DeepInfraHttp:
        """The client for a caller that brings its own key or base URL (a TTS block's ``apiKey`` /
        ``baseUrl``, a media request's host-resolved ``auth``): ``http()`` itself when neither
        differs from the plugin's own, else a view of it (same pool, limits and hooks)."""
        settings = self.settings()
        key = api_key.strip() if api_key else ""
        url = validate_base_url(base_url) if base_url and base_url.strip() else settings.base_url
        if url == settings.base_url and (not key or (settings.api_key and settings.api_key.reveal() == key)):
            return self.http()
        return self.http().with_options(base_url=url, api_key=ApiKey(key, source) if key else None)

    def catalog(self) -> CatalogRefresher:
        if self._catalog is None:
            # The config's env (process env + env.vars) decides the cache dir, as it decides the key.
            store = SnapshotStore(env=self.config.env if self._env is None else self._env)
            self._catalog = CatalogRefresher(self.settings(), self.http(), static=self.static, store=store)
        return self._catalog

    def snapshot(self) -> CatalogSnapshot:
        """The best catalog without touching the network: fresh, last good on disk, or shipped.

        A configuration error (bad base URL, unresolvable key) is logged, not raised: the shipped
        catalog still answers, and the error surfaces on the first real request.
        """
        try:
            return self.catalog().snapshot()
        except ConfigurationError as exc:
            logger.warning("DeepInfra settings are invalid, using the shipped catalog: %s", exc)
            return self.static.snapshot()

    async def catalog_view(self, deadline: Deadline | None = None) -> CatalogSnapshot:
        """The one catalog view every catalog-dependent decision of a call is taken from (default
        models, per-model capabilities, prices), obtained the same way on every surface.

        With a key and a catalog older than its TTL this awaits the single-flight refresh, bounded
        by the catalog's own short timeout and by what is left of `deadline`; on failure it is the
        last good catalog, then the shipped one. Without a key (or with invalid settings, which the
        call itself then reports) it is the shipped catalog, without a request.
        """
        fresh = self._catalog.fresh() if self._catalog is not None else None
        if fresh is not None:  # the steady state, every call: no settings or deadline read
            return fresh
        try:
            settings = self.settings()
        except ConfigurationError as exc:
            logger.warning("DeepInfra settings are invalid, using the shipped catalog: %s", exc)
            return self.static.snapshot()
        if settings.api_key is None:
            return self.static.snapshot()
        return await self.catalog().view(within=deadline.remaining() if deadline is not None else None)

    async def aclose(self) -> None:
        """Idempotent: several registered surfaces share this runtime and each may close it."""
        if self._closed:
            return
        self._closed = True
        if self._catalog is not None:
            await self._catalog.aclose()
        await self._pool.aclose()
