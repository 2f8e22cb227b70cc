"""The embedding provider against a fake `/embeddings`: bodies, splitting, order, failures, options."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from typing import Any

import httpx
import pytest

from openclaw_deepinfra.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidBaseUrlError,
    InvalidRequestError,
    MalformedResponseError,
    MissingApiKeyError,
    RequestValidationError,
    ServerError,
)
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingInputObject, EmbeddingProvider, EmbedOptions
from openclaw_deepinfra.surfaces.embeddings.provider import EmbeddingBatchError
from tests.surfaces.embeddings.conftest import BASE, KEY, FakeEmbeddingsApi, MakeHarness, vector_for

QWEN_QUERY = "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: "


def texts(n: int, prefix: str = "chunk") -> list[str]:
    return [f"{prefix} number {i}" for i in range(n)]


async def test_the_request_body_is_model_input_and_float_encoding(harness: MakeHarness) -> None:
    h = harness()
    provider = await h.provider()
    assert isinstance(provider, EmbeddingProvider)
    vectors = await provider.embed_batch(["alpha", EmbeddingInputObject(text="beta"), {"text": "gamma"}])  # type: ignore[list-item]
    assert vectors == [vector_for("alpha"), vector_for("beta"), vector_for("gamma")]
    (request,) = h.api.requests
    assert str(request.url) == f"{BASE}/embeddings"
    assert request.method == "POST"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "model": "BAAI/bge-m3",
        "input": ["alpha", "beta", "gamma"],
        "encoding_format": "float",
    }


async def test_embed_sends_one_input_and_returns_one_vector(harness: MakeHarness) -> None:
    h = harness()
    provider = await h.provider(model="deepinfra/BAAI/bge-m3")
    assert await provider.embed("what did I say about tea?") == vector_for("what did I say about tea?")
    assert h.api.bodies == [
        {"model": "BAAI/bge-m3", "input": ["what did I say about tea?"], "encoding_format": "float"}
    ]
    assert provider.model == "BAAI/bge-m3"
    assert provider.max_input_tokens == 8192


async def test_an_empty_batch_sends_nothing(harness: MakeHarness) -> None:
    h = harness()
    provider = await h.provider()
    assert await provider.embed_batch([]) == []
    result = await provider.embed_batch_detailed([])
    assert (result.embeddings, result.usage) == ([], None)
    assert h.api.requests == []


async def test_large_batches_split_at_1024_inputs_and_keep_order(harness: MakeHarness) -> None:
    h = harness()
    provider = await h.provider()
    items = texts(2500)
    result = await provider.embed_batch_detailed(items)
    assert [len(b["input"]) for b in h.api.bodies] == [1024, 1024, 452]
    assert result.embeddings == [vector_for(t) for t in items]
    assert result.usage is not None
    assert result.usage.prompt_tokens == result.usage.total_tokens == 3 * 2500


async def test_batches_split_at_the_token_budget(harness: MakeHarness) -> None:
    h = harness()
    provider = await h.provider()
    provider._spec = dataclasses.replace(provider._spec, token_budget=1000)
    items = ["x" * 300] * 10  # 101 estimated tokens each: 9 fit in 1000
    await provider.embed_batch(items)
    assert [len(b["input"]) for b in h.api.bodies] == [9, 1]


async def test_order_is_kept_under_concurrency_with_answers_out_of_order(harness: MakeHarness) -> None:
    # The first request answers last; every answer lists its items in reverse.
    api = FakeEmbeddingsApi(delay=lambda body: 0.05 if body["input"][0].endswith(" 0") else 0.0)
    h = harness(api=api)
    provider = await h.provider()
    items = texts(5000)
    progress: list[tuple[int, int]] = []
    result = await provider.embed_batch_detailed(
        items, progress=lambda done, total: progress.append((done, total))
    )
    assert result.embeddings == [vector_for(t) for t in items]
    assert api.max_in_flight == 5  # all five requests were in flight together
    assert progress[-1] == (5000, 5000)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


async def test_concurrency_is_bounded_by_the_configured_limit(harness: MakeHarness) -> None:
    api = FakeEmbeddingsApi(delay=lambda body: 0.01)
    h = harness({"memory": {"search": {"remote": {"batch": {"concurrency": 2}}}}}, api=api)
    provider = await h.provider()
    await provider.embed_batch(texts(6 * 1024))
    assert len(api.requests) == 6
    assert api.max_in_flight == 2


@pytest.mark.parametrize("value", [0, 201, "8", True])
async def test_a_bad_concurrency_is_a_configuration_error(harness: MakeHarness, value: Any) -> None:
    h = harness({"memory": {"search": {"remote": {"batch": {"concurrency": value}}}}})
    with pytest.raises(ConfigurationError, match="concurrency"):
        await h.provider()


async def test_one_failed_request_raises_its_typed_error_naming_the_inputs(harness: MakeHarness) -> None:
    def fail(body: dict[str, Any]) -> httpx.Response | None:
        if body["input"][0] == "chunk number 1024":
            return httpx.Response(400, json={"error": {"message": "input too long"}})
        return None

    h = harness(api=FakeEmbeddingsApi(fail=fail))
    provider = await h.provider()
    with pytest.raises(InvalidRequestError) as caught:
        await provider.embed_batch(texts(3000))
    assert "inputs 1024-2047" in str(caught.value)
    assert "input too long" in str(caught.value)
    assert len(h.api.requests) == 3  # the other requests were still sent


async def test_several_failed_requests_raise_one_error_listing_every_failed_range(
    harness: MakeHarness,
) -> None:
    def fail(body: dict[str, Any]) -> httpx.Response | None:
        first = int(body["input"][0].rsplit(" ", 1)[1])
        if first in (0, 2048):
            return httpx.Response(500, json={"error": {"message": "boom"}})
        return None

    h = harness({"models": {"providers": {"deepinfra": {"maxRetries": 0}}}}, api=FakeEmbeddingsApi(fail=fail))
    provider = await h.provider()
    with pytest.raises(EmbeddingBatchError) as caught:
        await provider.embed_batch(texts(4000))
    err = caught.value
    assert err.failed_ranges == (range(0, 1024), range(2048, 3072))
    assert all(isinstance(e, ServerError) for e in err.errors)
    assert "inputs 0-1023, 2048-3071" in str(err)
    assert "2048 of 4000 inputs, 2 of 4 requests" in str(err)
    assert err.status == 500
    assert isinstance(err.__cause__, ServerError)


async def test_a_transient_failure_is_retried_per_request(harness: MakeHarness) -> None:
    seen: dict[str, int] = {}

    def fail(body: dict[str, Any]) -> httpx.Response | None:
        first = body["input"][0]
        seen[first] = seen.get(first, 0) + 1
        if first == "chunk number 1024" and seen[first] == 1:
            return httpx.Response(
                429, json={"error": {"message": "Model busy, retry later"}}, headers={"retry-after-ms": "1"}
            )
        return None

    h = harness(api=FakeEmbeddingsApi(fail=fail))
    provider = await h.provider()
    items = texts(2048)
    assert await provider.embed_batch(items) == [vector_for(t) for t in items]
    assert seen == {"chunk number 0": 1, "chunk number 1024": 2}


@pytest.mark.parametrize(
    ("answer", "needle"),
    [
        ({"data": [{"index": 0, "embedding": [1.0]}]}, "expected 2 embeddings, got 1"),
        ({"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}]}, "repeated"),
        ({"data": [{"index": 0, "embedding": "AAAA"}, {"index": 1, "embedding": "AAAA"}]}, "numeric"),
        (
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": [1.0, 2.0]}]},
            "differ in length",
        ),
        ({"object": "list"}, "no `data` list"),
    ],
)
async def test_a_malformed_answer_is_a_typed_error(harness: MakeHarness, answer: Any, needle: str) -> None:
    h = harness(api=FakeEmbeddingsApi(fail=lambda body: httpx.Response(200, json=answer)))
    provider = await h.provider()
    with pytest.raises(MalformedResponseError, match=needle):
        await provider.embed_batch(["a", "b"])


@pytest.mark.parametrize(
    ("model", "dimensions", "sent"),
    [
        ("Qwen/Qwen3-Embedding-8B", 1024, 1024),
        ("Qwen/Qwen3-Embedding-0.6B", 32, 32),
        ("deepinfra/Qwen/Qwen3-Embedding-4B", 2560, 2560),
        ("BAAI/bge-m3", 1024, None),  # what the model gives anyway: nothing sent
        ("BAAI/bge-m3", None, None),
    ],
)
async def test_dimensions_are_sent_only_to_models_that_accept_them(
    harness: MakeHarness, model: str, dimensions: int | None, sent: int | None
) -> None:
    h = harness()
    provider = await h.provider(model=model, dimensions=dimensions)
    vector = await provider.embed_batch(["doc"])
    body = h.api.bodies[0]
    assert body.get("dimensions") == sent
    assert ("dimensions" in body) is (sent is not None)
    if sent is not None:
        assert len(vector[0]) == sent
        assert provider.dimensions == sent


@pytest.mark.parametrize(
    ("model", "dimensions", "needle"),
    [
        ("BAAI/bge-m3", 512, "cannot give 512-dimensional embeddings: it always returns 1024"),
        ("some-org/unknown-embedder", 256, "its output size is fixed"),
        ("Qwen/Qwen3-Embedding-0.6B", 2048, "between 32 and 1024 dimensions, not 2048"),
        ("Qwen/Qwen3-Embedding-8B", 8, "between 32 and 4096"),
        ("Qwen/Qwen3-Embedding-8B", 0, "positive whole number"),
    ],
)
async def test_a_dimension_the_model_cannot_give_fails_before_any_request(
    harness: MakeHarness, model: str, dimensions: int, needle: str
) -> None:
    h = harness()
    with pytest.raises(RequestValidationError, match=needle):
        await h.provider(model=model, dimensions=dimensions)
    assert h.api.requests == []


async def test_output_dimensionality_from_the_config_is_used(harness: MakeHarness) -> None:
    h = harness({"memory": {"search": {"outputDimensionality": 256}}})
    provider = await h.provider(model="Qwen/Qwen3-Embedding-8B")
    await provider.embed("q")
    assert h.api.bodies[0]["dimensions"] == 256


async def test_asymmetric_models_get_their_query_and_document_prefixes(harness: MakeHarness) -> None:
    h = harness()
    provider = await h.provider(model="intfloat/multilingual-e5-large")
    await provider.embed("tea?")
    await provider.embed_batch(["I like tea"])
    await provider.embed_batch(["tea?"], EmbedOptions(input_type="query"))
    assert [b["input"] for b in h.api.bodies] == [["query: tea?"], ["passage: I like tea"], ["query: tea?"]]


async def test_qwen3_prefixes_queries_only(harness: MakeHarness) -> None:
    h = harness()
    provider = await h.provider(model="Qwen/Qwen3-Embedding-8B")
    await provider.embed("tea?")
    await provider.embed_batch(["I like tea"])
    assert [b["input"] for b in h.api.bodies] == [[QWEN_QUERY + "tea?"], ["I like tea"]]


async def test_configured_input_types_override_the_role(harness: MakeHarness) -> None:
    h = harness({"memory": {"search": {"documentInputType": "query"}}})
    provider = await h.provider(model="nomic-ai/nomic-embed-text-v1.5", query_input_type="search_document")
    await provider.embed("a")
    await provider.embed_batch(["b"])
    assert [b["input"] for b in h.api.bodies] == [["search_document: a"], ["search_query: b"]]


async def test_symmetric_models_ignore_input_types(harness: MakeHarness) -> None:
    h = harness()
    provider = await h.provider(input_type="query")
    await provider.embed_batch(["plain"], EmbedOptions(input_type="document"))
    assert h.api.bodies[0]["input"] == ["plain"]


async def test_an_unknown_input_type_is_a_clear_error(harness: MakeHarness) -> None:
    h = harness({"memory": {"search": {"inputType": "clustering"}}})
    with pytest.raises(RequestValidationError, match=r"memory.search.inputType 'clustering'") as caught:
        await h.provider()
    assert caught.value.hint is not None and "query" in caught.value.hint


@pytest.mark.parametrize(
    ("inputs", "needle"),
    [
        (["ok", ""], "input 1 is empty"),
        (["ok", 3], "input 1 is a int"),
        ([{"txt": "x"}], "input 0 is a dict"),
    ],
)
async def test_bad_inputs_fail_before_any_request(
    harness: MakeHarness, inputs: list[Any], needle: str
) -> None:
    h = harness()
    provider = await h.provider()
    with pytest.raises(RequestValidationError, match=needle):
        await provider.embed_batch(inputs)
    assert h.api.requests == []


# -- endpoint and credentials ------------------------------------------------------------------------


async def test_remote_base_url_key_and_headers_from_the_memory_search_config(harness: MakeHarness) -> None:
    remote_key = "remote-secret-key-abcdef0123456789"
    config = {
        "memory": {
            "search": {
                "provider": "deepinfra",
                "remote": {
                    "baseUrl": "https://proxy.example.com/v1/openai/",
                    "apiKey": "${REMOTE_KEY}",
                    "headers": {"X-Tenant": "acme"},
                },
            }
        }
    }
    h = harness(config, REMOTE_KEY=remote_key)
    provider = await h.provider()
    await provider.embed("q")
    (request,) = h.api.requests
    assert str(request.url) == "https://proxy.example.com/v1/openai/embeddings"
    assert request.headers["authorization"] == f"Bearer {remote_key}"
    assert request.headers["x-tenant"] == "acme"
    assert remote_key not in repr(provider)


async def test_an_explicit_authorization_header_replaces_the_key(harness: MakeHarness) -> None:
    config = {
        "memory": {"search": {"remote": {"headers": {"Authorization": "Bearer tenant-token-0123456789"}}}}
    }
    h = harness(config, key=False)
    provider = await h.provider()
    await provider.embed("q")
    assert h.api.requests[0].headers["authorization"] == "Bearer tenant-token-0123456789"


async def test_the_create_options_remote_wins_over_the_config(harness: MakeHarness) -> None:
    h = harness({"memory": {"search": {"remote": {"baseUrl": "https://config.example.com/v1"}}}})
    provider = await h.provider(
        remote={"base_url": "https://options.example.com/v1", "api_key": "opt-key-0123456789ab"}
    )
    await provider.embed("q")
    assert h.api.requests[0].url.host == "options.example.com"
    assert h.api.requests[0].headers["authorization"] == "Bearer opt-key-0123456789ab"


async def test_a_foreign_endpoint_without_credentials_fails_before_any_request(harness: MakeHarness) -> None:
    h = harness({"memory": {"search": {"remote": {"baseUrl": "https://other.example.com/v1"}}}})
    with pytest.raises(ConfigurationError) as caught:
        await h.provider()
    assert str(caught.value).startswith(
        "deepinfra embedding credentials are not configured for https://other.example.com/v1. "
        "Set memory.search.remote.apiKey or an Authorization header for this destination."
    )
    assert h.api.requests == []


async def test_the_provider_endpoint_without_any_key_names_the_fix(harness: MakeHarness) -> None:
    h = harness(key=False)
    with pytest.raises(MissingApiKeyError, match="DEEPINFRA_API_KEY"):
        await h.provider()


@pytest.mark.parametrize(
    "url", ["http://proxy.example.com/v1/openai", "ftp://x/y", "https://api.deepinfra.com/v1/inference"]
)
async def test_remote_base_urls_are_validated_like_the_main_one(harness: MakeHarness, url: str) -> None:
    h = harness({"memory": {"search": {"remote": {"baseUrl": url, "apiKey": "k" * 20}}}})
    with pytest.raises(InvalidBaseUrlError, match=r"^memory.search.remote.baseUrl: "):
        await h.provider()


async def test_plain_http_is_allowed_to_a_loopback_remote(harness: MakeHarness) -> None:
    h = harness(
        {"memory": {"search": {"remote": {"baseUrl": "http://127.0.0.1:8080/v1", "apiKey": "k" * 20}}}}
    )
    provider = await h.provider()
    await provider.embed("q")
    assert str(h.api.requests[0].url) == "http://127.0.0.1:8080/v1/embeddings"


async def test_the_key_never_appears_in_errors_logs_or_reprs(
    harness: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    echo = httpx.Response(
        401, json={"error": {"message": f"invalid key {KEY}"}}, headers={"x-request-id": "r1"}
    )
    h = harness(api=FakeEmbeddingsApi(fail=lambda body: echo))
    caplog.set_level(logging.DEBUG)
    provider = await h.provider()
    with pytest.raises(AuthenticationError) as caught:
        await provider.embed("q")
    shown = " ".join([str(caught.value), repr(caught.value), repr(provider), repr(h.adapter), caplog.text])
    assert KEY not in shown
    assert "invalid key ***" in str(caught.value)


async def test_the_host_signal_cancels_the_batch(harness: MakeHarness) -> None:
    signal = asyncio.Event()
    api = FakeEmbeddingsApi(delay=lambda body: 5.0)
    h = harness(api=api)
    provider = await h.provider()
    asyncio.get_running_loop().call_later(0.05, signal.set)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(provider.embed_batch(texts(3000), EmbedOptions(signal=signal)), timeout=2)
    assert api.in_flight == 0
