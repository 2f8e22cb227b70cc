"""The last good live catalog on disk, so a restart without network still has the live list."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openclaw_deepinfra.catalog.models import CatalogModel
from openclaw_deepinfra.catalog.wire import parse_projection_report, price, to_wire_row
from openclaw_deepinfra.errors import MalformedResponseError
from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.safe_write import write_atomic
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.urls import normalize

logger = get_logger(__name__)

CACHE_VERSION = 1


@dataclass(frozen=True)
class StoredCatalog:
    base_url: str
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
                    return StoredCatalog(data["base_url"], float(data["fetched_at"]), models)
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
