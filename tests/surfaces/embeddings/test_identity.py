"""Index identity (`cache_key_data`): what changes stored vectors changes it, nothing else does,
and no secret or header value ever enters it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.surfaces.embeddings.adapter import cache_key_data
from openclaw_deepinfra.urls import normalize
from tests.surfaces.embeddings.conftest import KEY, MakeHarness

DEFAULT = {"provider": "deepinfra", "model": "BAAI/bge-m3"}


def search(**search: Any) -> dict[str, Any]:
    return {"memory": {"search": search}}


async def identity(harness: MakeHarness, config: dict[str, Any], **env: str) -> dict[str, Any]:
    """The identity both ways the host reads it: before create, and from create's runtime."""
    h = harness(config, **env)
    opts = EmbeddingProviderCreateOptions(config=h.runtime.config, model="")
    resolved = h.adapter.resolve_index_identity(opts)
    created = await h.adapter.create(opts)
    assert created.runtime is not None and created.runtime.id == "deepinfra"
    assert created.runtime.cache_key_data == resolved.cache_key_data
    assert resolved.model == "BAAI/bge-m3"
    return resolved.cache_key_data


@pytest.mark.parametrize(
    "base_url",
    [
        None,
        "https://api.deepinfra.com/v1/openai",
        "https://API.DEEPINFRA.COM:443/v1/openai/",
        "https://api.deepinfra.com/v1/openai///",
    ],
)
async def test_the_default_endpoint_is_provider_and_model_only(
    harness: MakeHarness, base_url: str | None
) -> None:
    config = search(remote={"baseUrl": base_url}) if base_url else {}
    assert await identity(harness, config) == DEFAULT


async def test_a_custom_endpoint_adds_its_normalised_base_url(harness: MakeHarness) -> None:
    config = search(
        remote={"baseUrl": "https://Proxy.Example.com:443/v1/openai/", "apiKey": "remote-key-0123456789"}
    )
    assert await identity(harness, config) == {**DEFAULT, "baseUrl": "https://proxy.example.com/v1/openai"}


async def test_the_provider_base_url_counts_as_a_custom_endpoint(harness: MakeHarness) -> None:
    config = {"models": {"providers": {"deepinfra": {"baseUrl": "http://localhost:8000/v1/openai"}}}}
    assert await identity(harness, config) == {**DEFAULT, "baseUrl": "http://localhost:8000/v1/openai"}


async def test_a_tenant_header_adds_a_hash_never_its_value(harness: MakeHarness) -> None:
    data = await identity(harness, search(remote={"headers": {"X-Tenant": "acme-secret-tenant"}}))
    expected = hashlib.sha256(
        json.dumps([["x-tenant", "value:acme-secret-tenant"]], separators=(",", ":")).encode()
    )
    assert data == {
        **DEFAULT,
        "baseUrl": "https://api.deepinfra.com/v1/openai",
        "headersHash": expected.hexdigest(),
    }
    assert "acme-secret-tenant" not in json.dumps(data)
    other = await identity(harness, search(remote={"headers": {"x-tenant": "globex"}}))
    assert other["headersHash"] != data["headersHash"]
    # header name case and order do not matter
    same = await identity(harness, search(remote={"headers": {"x-TENANT": "acme-secret-tenant"}}))
    assert same == data


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {}),  # env key rotated below
        (
            search(remote={"apiKey": "old-remote-key-0123456789"}),
            search(remote={"apiKey": "new-remote-key-9876543210"}),
        ),
        (
            search(remote={"headers": {"Authorization": "Bearer old-token-0123456789"}}),
            search(remote={"headers": {"authorization": "Bearer new-token-9876543210"}}),
        ),
        (
            search(remote={"headers": {"X-Api-Key": "old-0123456789", "api-key": "a" * 12}}),
            search(remote={"headers": {"x-api-key": "new-9876543210"}}),
        ),
    ],
)
async def test_rotating_a_key_never_changes_the_identity(
    harness: MakeHarness, first: dict[str, Any], second: dict[str, Any]
) -> None:
    before = await identity(harness, first, DEEPINFRA_API_KEY=KEY)
    after = await identity(harness, second, DEEPINFRA_API_KEY="di-rotated-key-9876543210fedcba")
    assert before == after == DEFAULT
    for value in (KEY, "old-remote-key", "old-token", "Bearer", "0123456789"):
        assert value not in json.dumps(before)


async def test_a_secret_ref_header_enters_by_reference_without_being_resolved(harness: MakeHarness) -> None:
    ref = {"source": "exec", "provider": "vault", "id": "tenant/header"}
    # An exec ref would run a command if resolved; no secrets.providers entry exists, so it cannot be.
    data = await identity_only(harness, search(remote={"headers": {"X-Tenant": ref}}))
    assert "headersHash" in data
    assert "vault" not in json.dumps(data)


async def identity_only(harness: MakeHarness, config: dict[str, Any]) -> dict[str, Any]:
    h = harness(config)
    opts = EmbeddingProviderCreateOptions(config=h.runtime.config, model="")
    return h.adapter.resolve_index_identity(opts).cache_key_data


async def test_model_and_dimensions_change_the_identity(harness: MakeHarness) -> None:
    h = harness()
    opts = EmbeddingProviderCreateOptions(config=h.runtime.config, model="deepinfra/Qwen/Qwen3-Embedding-8B")
    assert h.adapter.resolve_index_identity(opts).cache_key_data == {
        "provider": "deepinfra",
        "model": "Qwen/Qwen3-Embedding-8B",
    }
    opts = EmbeddingProviderCreateOptions(
        config=h.runtime.config, model="Qwen/Qwen3-Embedding-8B", dimensions=512
    )
    assert h.adapter.resolve_index_identity(opts).cache_key_data["dimensions"] == 512


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTPS://Api.DeepInfra.com:443/v1/openai/", "https://api.deepinfra.com/v1/openai"),
        ("http://localhost:80/v1", "http://localhost/v1"),
        ("http://[::1]:8080/v1/", "http://[::1]:8080/v1"),
        ("https://h.example/v1?tenant=a", "https://h.example/v1?tenant=a"),
    ],
)
def test_url_normalisation(url: str, normal: str) -> None:
    assert normalize(url) == normal


def test_cache_key_data_without_headers_at_the_default_endpoint() -> None:
    assert cache_key_data(model="m", base_url="https://api.deepinfra.com/v1/openai/", headers={}) == {
        "provider": "deepinfra",
        "model": "m",
    }


async def test_the_providers_request_headers_count_like_its_headers(harness: MakeHarness) -> None:
    plain = await identity(harness, {})
    assert "headersHash" not in plain
    tenant = {"models": {"providers": {"deepinfra": {"request": {"headers": {"X-Tenant": "acme"}}}}}}
    data = await identity(harness, tenant)
    assert "headersHash" in data and "acme" not in json.dumps(data)
    provider = {"headers": {"X-Tenant": "globex"}, "request": {"headers": {"X-Tenant": "acme"}}}
    both = {"models": {"providers": {"deepinfra": provider}}}
    assert (await identity(harness, both))["headersHash"] == data["headersHash"]  # request.headers wins
