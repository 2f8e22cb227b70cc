"""A fake `/embeddings` endpoint under httpx (async, so answers can be delayed and shuffled) and an
adapter over it. Each vector encodes its text (crc32), so a test can check order input by input."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.surfaces.embeddings.adapter import DeepInfraEmbeddingAdapter
from openclaw_deepinfra.surfaces.embeddings.provider import DeepInfraEmbeddingProvider

KEY = "di-embed-test-key-0123456789abcdef"
BASE = "https://api.deepinfra.com/v1/openai"


def vector_for(text: str, dims: int = 3) -> list[float]:
    code = float(zlib.crc32(text.encode("utf-8")))
    return [code, float(len(text))] + [0.5] * (dims - 2)


@dataclass
class FakeEmbeddingsApi:
    """Answers POST .../embeddings; `fail(body)` may return an error response instead."""

    dims: int = 3
    shuffle: bool = True
    delay: Callable[[dict[str, Any]], float] | None = None
    fail: Callable[[dict[str, Any]], httpx.Response | None] | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    catalog_requests: int = 0
    """GET /models: `create` reads the call's catalog view (none live here: the shipped one decides)."""

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/models"):
            self.catalog_requests += 1
            return httpx.Response(404, json={"detail": "Not Found"})
        self.requests.append(request)
        if not request.url.path.endswith("/embeddings"):
            return httpx.Response(404, json={"detail": "Not Found"})
        body = json.loads(request.content)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay is not None:
                await asyncio.sleep(self.delay(body))
            failure = self.fail(body) if self.fail is not None else None
            if failure is not None:
                return failure
            texts: list[str] = body["input"]
            dims = body.get("dimensions", self.dims)
            items = [
                {"object": "embedding", "index": i, "embedding": vector_for(t, dims)}
                for i, t in enumerate(texts)
            ]
            if self.shuffle:
                items.reverse()
            tokens = sum(len(t.split()) for t in texts)
            return httpx.Response(
                200,
                json={
                    "object": "list",
                    "model": body["model"],
                    "data": items,
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                },
                headers={"x-request-id": f"req-{len(self.requests)}"},
            )
        finally:
            self.in_flight -= 1


@dataclass
class Harness:
    api: FakeEmbeddingsApi
    runtime: DeepInfraRuntime
    adapter: DeepInfraEmbeddingAdapter

    async def provider(self, **options: Any) -> DeepInfraEmbeddingProvider:
        options.setdefault("model", "")
        created = await self.adapter.create(
            EmbeddingProviderCreateOptions(config=self.runtime.config, **options)
        )
        assert isinstance(created.provider, DeepInfraEmbeddingProvider)
        return created.provider


MakeHarness = Callable[..., Harness]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[MakeHarness]:
    made: list[DeepInfraRuntime] = []

    def make(
        config: dict[str, Any] | None = None,
        *,
        api: FakeEmbeddingsApi | None = None,
        key: bool = True,
        **env: str,
    ) -> Harness:
        fake = api or FakeEmbeddingsApi()
        environment = {"OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / "cache"), **env}
        if key:
            environment.setdefault("DEEPINFRA_API_KEY", KEY)
        runtime = DeepInfraRuntime(
            OpenClawConfig(config or {}, env=environment),
            env=environment,
            transport_factory=lambda: httpx.MockTransport(fake),
        )
        made.append(runtime)
        return Harness(fake, runtime, DeepInfraEmbeddingAdapter(runtime))

    yield make
    for runtime in made:
        await runtime.aclose()
