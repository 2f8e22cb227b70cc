"""Keeps the live catalog fresh: TTL cache, one shared in-flight fetch, last good kept on disk.

Rules: no key -> static, no request. A failed, malformed or empty answer never replaces a good
catalog; callers then get the last good one (source "cache") or the static one, with a warning.
The last good catalog is kept on disk (`SnapshotStore`), so a restart without network still has
the live list.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cachetools import TTLCache

from openclaw_deepinfra.catalog.models import (
    SURFACES,
    CatalogModel,
    CatalogSnapshot,
    Surface,
    bucket_counts,
    build_snapshot,
)
from openclaw_deepinfra.catalog.static import StaticCatalog
from openclaw_deepinfra.catalog.wire import parse_projection_report, price, to_wire_row
from openclaw_deepinfra.errors import DeepInfraError, MalformedResponseError
from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.safe_write import write_atomic
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.urls import normalize

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import Settings
    from openclaw_deepinfra.transport.client import DeepInfraHttp

logger = get_logger(__name__)

MODELS_PATH: Final = "/models"
MODELS_PARAMS: Final = {"sort_by": "openclaw", "filter": "with_meta"}
FETCH_TIMEOUT_S: Final = 5.0
DEFAULT_TTL_S: Final = 300.0
# After a failed fetch, callers get the fallback without a new request for this long
# (force=True bypasses it), so an outage does not put a timeout on every catalog lookup.
DEFAULT_FAILURE_BACKOFF_S: Final = 30.0
CACHE_VERSION = 1


@dataclass(frozen=True)
class StoredCatalog:
    fetched_at: float
    models: tuple[CatalogModel, ...]


class SnapshotStore:
    """One JSON file per base URL, named by the URL's sha256 (never by anything secret), in
    ``$OPENCLAW_DEEPINFRA_CACHE_DIR``, else ``<state dir>/cache/deepinfra``: it follows the state dir
    so two profiles (or containers) never share a last-good catalog from different base URLs."""

    def __init__(self, directory: Path | None = None, *, env: Mapping[str, str] | None = None) -> None:
        self.directory = directory if directory is not None else paths.cache_dir(env)

    def __repr__(self) -> str:
        return f"SnapshotStore({str(self.directory)!r})"

    def path_for(self, base_url: str) -> Path:
        digest = hashlib.sha256(normalize(base_url).encode()).hexdigest()
        return self.directory / f"catalog-{digest}.json"

    def load(self, base_url: str) -> StoredCatalog | None:
        """The stored catalog, or None when missing, unreadable, corrupt or of another version."""
        path = self.path_for(base_url)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            logger.debug("no cached DeepInfra catalog at %s", path)
            return None
        except (OSError, ValueError) as exc:
            logger.debug("ignoring unreadable DeepInfra catalog cache %s: %s", path, exc)
            return None
        reason = _invalid_reason(data, normalize(base_url))
        if reason is None:
            try:
                models = parse_projection_report(data["models"]).models
            except MalformedResponseError as exc:
                reason = exc.message
            else:
                if models:
                    return StoredCatalog(float(data["fetched_at"]), models)
                reason = "no models"
        logger.debug("ignoring DeepInfra catalog cache %s: %s", path, reason)
        return None

    def save(self, base_url: str, models: Iterable[CatalogModel], *, fetched_at: float) -> Path:
        """Write atomically, mode 0600, never through a symlink out of the cache directory."""
        path = self.path_for(base_url)
        payload = {
            "version": CACHE_VERSION,
            "base_url": normalize(base_url),
            "fetched_at": fetched_at,
            "models": [to_wire_row(m) for m in models],
        }
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        write_atomic(path, text, private=True, within=self.directory)
        return path


def _invalid_reason(data: object, base_url: str) -> str | None:
    if not isinstance(data, dict):
        return "not an object"
    if data.get("version") != CACHE_VERSION:
        return f"version {data.get('version')!r}, expected {CACHE_VERSION}"
    if data.get("base_url") != base_url:
        return "written for another base URL"
    if price(data.get("fetched_at")) is None:
        return "no usable fetched_at"
    if not isinstance(data.get("models"), list):
        return "no models list"
    return None


class CatalogRefresher:
    def __init__(
        self,
        settings: Settings,
        http: DeepInfraHttp,
        *,
        static: StaticCatalog,
        store: SnapshotStore | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._http = http
        self._static = static
        self._store = store
        self._clock = clock
        self._key = normalize(settings.base_url)
        self._fresh: TTLCache[str, CatalogSnapshot] = TTLCache(maxsize=1, ttl=DEFAULT_TTL_S, timer=clock)
        self._good: StoredCatalog | None = None  # last good answer (this process or disk)
        self._good_snapshot: CatalogSnapshot | None = None  # `_good` as a "cache" snapshot
        self._disk_checked = False
        self._failure: tuple[float, str] | None = None
        self._inflight: asyncio.Task[CatalogSnapshot] | None = None

    def __repr__(self) -> str:
        return f"CatalogRefresher(base_url={self._settings.base_url!r})"

    def snapshot(self) -> CatalogSnapshot:
        """Fresh live snapshot, else the last good one (source "cache"), else static. No network."""
        if self._settings.api_key is None:
            return self._static.snapshot()
        return self.fresh() or self._fallback()

    def fresh(self) -> CatalogSnapshot | None:
        """The live snapshot while it is younger than the TTL, else None. No network."""
        return self._fresh.get(self._key)

    async def refresh(self, *, force: bool = False) -> CatalogSnapshot:
        """Fetch when stale (or forced); never raises for network, HTTP or parse failures."""
        if self._settings.api_key is None:
            logger.debug("no DeepInfra API key: serving the static catalog without a request")
            return self._static.snapshot()
        if not force:
            fresh = self.fresh()
            if fresh is not None:
                return fresh
            if self._good_is_recent():
                # Another process (or an earlier run) fetched it within the TTL: no new request.
                return self._fallback()
            if self._failure is not None and self._clock() - self._failure[0] < DEFAULT_FAILURE_BACKOFF_S:
                return self._fallback(self._failure[1])
        loop = asyncio.get_running_loop()
        task = self._inflight
        if task is None or task.done() or task.get_loop() is not loop:
            task = loop.create_task(self._fetch(), name="deepinfra-catalog-refresh")
            task.add_done_callback(self._fetch_done)
            self._inflight = task
        # shield: a caller that is cancelled must not cancel the fetch the others are waiting on.
        return await asyncio.shield(task)

    async def view(self, *, within: float | None = None) -> CatalogSnapshot:
        """The catalog one call decides from: `refresh()` awaited for at most the fetch's own short
        timeout, cut to `within` (what is left of the call's deadline). When that runs out first the
        call gets last good, then shipped, and the fetch carries on for the calls after it."""
        fresh = self.fresh()  # None without a key: nothing is fetched then
        if fresh is not None:  # the steady state: no timeout scope, no task, per call
            return fresh
        budget = FETCH_TIMEOUT_S if within is None else min(FETCH_TIMEOUT_S, max(within, 0.0))
        try:
            async with asyncio.timeout(budget):
                return await self.refresh()
        except TimeoutError:
            message = f"DeepInfra model catalog did not answer within {budget:.1f} s"
        except Exception as exc:  # a catalog bug must not fail the call that only reads it
            message = f"DeepInfra model catalog refresh failed: {type(exc).__name__}"
        fallback = self._fallback(message)
        logger.warning("%s; deciding from the %s catalog", message, fallback.source)
        return fallback

    def _fetch_done(self, task: asyncio.Task[CatalogSnapshot]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("DeepInfra catalog refresh crashed", exc_info=exc)
            # Backed off like any failed fetch, so calls that read the catalog do not retry a bug.
            self._failure = (self._clock(), f"DeepInfra catalog refresh crashed: {type(exc).__name__}")

    async def _fetch(self) -> CatalogSnapshot:
        try:
            http = self._http.with_options(deadline=self._http.deadline(FETCH_TIMEOUT_S))
            response = await http.request_json(
                "GET",
                MODELS_PATH,
                params=MODELS_PARAMS,
                authenticated=False,  # the projection is anonymous; the key only gates fetching
                label="DeepInfra model discovery",
            )
            parsed = parse_projection_report(response.data)
        except DeepInfraError as exc:
            return self._failed(f"DeepInfra model catalog unavailable: {exc}")
        counts = bucket_counts(parsed.models)
        logger.debug("DeepInfra catalog buckets: %s", ", ".join(f"{s}={n}" for s, n in counts.items()))
        if not any(counts.values()):
            what = "an empty list" if not parsed.models else "no models tagged for any surface"
            return self._failed(f"DeepInfra model catalog answered with {what}; not replacing the catalog")
        self._warn_on_drop(counts)
        fetched_at = self._clock()
        warnings: tuple[str, ...] = ()
        if parsed.skipped:
            warnings = (f"skipped {len(parsed.skipped)} malformed catalog row(s): {parsed.skipped[0]}",)
        snapshot = build_snapshot(
            parsed.models, self._static, source="live", fetched_at=fetched_at, warnings=warnings
        )
        self._fresh[self._key] = snapshot
        self._good = StoredCatalog(fetched_at, parsed.models)
        self._good_snapshot = None
        self._disk_checked = True
        self._failure = None
        await self._persist(parsed.models, fetched_at)
        return snapshot

    def _failed(self, message: str) -> CatalogSnapshot:
        fallback = self._fallback(message)
        logger.warning("%s; serving the %s catalog", message, fallback.source)
        self._failure = (self._clock(), message)
        return fallback

    def _fallback(self, warning: str | None = None) -> CatalogSnapshot:
        snapshot = self._last_good() or self._static.snapshot()
        return replace(snapshot, warnings=(*snapshot.warnings, warning)) if warning else snapshot

    def _good_catalog(self) -> StoredCatalog | None:
        if self._good is None and not self._disk_checked:
            self._disk_checked = True
            self._good = self._store.load(self._settings.base_url) if self._store is not None else None
        return self._good

    def _good_is_recent(self) -> bool:
        good = self._good_catalog()
        return good is not None and 0 <= self._clock() - good.fetched_at < DEFAULT_TTL_S

    def _last_good(self) -> CatalogSnapshot | None:
        good = self._good_catalog()
        if good is not None and self._good_snapshot is None:
            self._good_snapshot = build_snapshot(
                good.models, self._static, source="cache", fetched_at=good.fetched_at
            )
        return self._good_snapshot

    def _warn_on_drop(self, counts: dict[Surface, int]) -> None:
        good = self._good_catalog()
        if good is None:
            return
        before = bucket_counts(good.models)
        for surface in SURFACES:
            if before[surface] and counts[surface] * 2 < before[surface]:
                logger.warning(
                    "DeepInfra catalog: %s fell from %d to %d models since the last good catalog "
                    "(did the sort_by/filter semantics change?)",
                    surface,
                    before[surface],
                    counts[surface],
                )

    async def _persist(self, models: tuple[CatalogModel, ...], fetched_at: float) -> None:
        if (store := self._store) is None:
            return
        try:
            await asyncio.to_thread(store.save, self._settings.base_url, models, fetched_at=fetched_at)
        except OSError as exc:
            logger.warning("could not save the DeepInfra catalog cache in %s: %s", store.directory, exc)

    async def aclose(self) -> None:
        """Cancel a fetch nobody waits for any more (at shutdown)."""
        task, self._inflight = self._inflight, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
