"""Shared fixtures for the refresher tests: fake clock, real transport, respx-mocked catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.catalog.refresher import CatalogRefresher, SnapshotStore
from openclaw_deepinfra.catalog.static import StaticCatalog, load_static_catalog
from openclaw_deepinfra.settings import ApiKey, Settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.pool import ClientPool

BASE = "https://api.deepinfra.com/v1/openai"
MODELS_URL = f"{BASE}/models"
KEY = "sk-catalog-test-key-0123456789abcdef"
T0 = 1_800_000_000.0


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def no_sleep(_seconds: float) -> None:
    return None


def row(model_id: str, tags: list[Any], **meta: Any) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "owned_by": "deepinfra", "metadata": {"tags": tags, **meta}}


def catalog_rows(prefix: str) -> list[dict[str, Any]]:
    """One answer with every surface filled; `<prefix>/chat`, `/img`, `/vid` are the live defaults."""
    return [
        row(f"{prefix}/chat", ["chat", "reasoning"], context_length=131072, pricing={"input_tokens": 0.1}),
        row(f"{prefix}/vlm", ["chat", "vlm"]),
        row(f"{prefix}/chat-2", ["chat", "prompt_cache"]),
        row(f"{prefix}/img", ["image-gen"], default_width=1024),
        row(f"{prefix}/vid", ["video-gen"]),
        row(f"{prefix}/tts", ["tts"]),
        row(f"{prefix}/stt", ["stt"]),
        row(f"{prefix}/embed", ["embed"]),
    ]


def settings(*, key: bool = True) -> Settings:
    return Settings(api_key=ApiKey(KEY, "env:DEEPINFRA_API_KEY") if key else None, base_url=BASE)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def static() -> StaticCatalog:
    return load_static_catalog()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("OPENCLAW_DEEPINFRA_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def store(cache_dir: Path) -> SnapshotStore:
    return SnapshotStore()


@pytest.fixture
async def pool() -> AsyncIterator[ClientPool]:
    async with ClientPool() as client_pool:
        yield client_pool


class Factory:
    def __init__(
        self, pool: ClientPool, static: StaticCatalog, store: SnapshotStore, clock: FakeClock
    ) -> None:
        self.pool, self.static, self.store, self.clock = pool, static, store, clock

    def __call__(self, *, key: bool = True, persist: bool = True) -> CatalogRefresher:
        conf = settings(key=key)
        http = DeepInfraHttp(conf, self.pool, sleep=no_sleep)
        store = self.store if persist else None
        return CatalogRefresher(conf, http, static=self.static, store=store, clock=self.clock)


@pytest.fixture
def make_refresher(
    pool: ClientPool, static: StaticCatalog, store: SnapshotStore, clock: FakeClock
) -> Factory:
    return Factory(pool, static, store, clock)
