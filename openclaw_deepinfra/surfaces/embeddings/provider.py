"""The `EmbeddingProvider` memory search calls: `embed`, `embed_batch`, `embed_batch_detailed`.

`embed` embeds a query, `embed_batch` documents (the memory index); a per-call `input_type`
overrides that. A batch is split into requests (`batching`), sent concurrently under a semaphore
(each request retried by the HTTP layer only where nothing was billed: connect errors, 429,
502-504, as `transport/retry.py`'s table says; never after a 500 or 408), and answered in input
order with one vector per input. When requests fail after their retries, the error names the
inputs that failed: one failed request raises its typed error (its label names the inputs), more
raise `EmbeddingBatchError` listing every failed range. An empty batch sends nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

from openclaw_deepinfra.errors import DeepInfraError, RequestValidationError
from openclaw_deepinfra.host.contracts.embeddings import (
    EmbeddingBatchResult,
    EmbeddingInput,
    EmbeddingUsage,
    EmbedOptions,
)
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.surfaces.embeddings.adapter import DEFAULT_CONCURRENCY, Connection, Endpoint, connect
from openclaw_deepinfra.surfaces.embeddings.batching import (
    DEFAULT_REQUEST_TOKEN_BUDGET,
    EmbeddingsAnswer,
    build_payload,
    describe_ranges,
    estimate_tokens,
    inputs_per_request,
    parse_answer,
    plan_requests,
    reassemble,
)
from openclaw_deepinfra.surfaces.embeddings.capabilities import (
    InputKind,
    ModelTraits,
    apply_prefix,
    input_kind,
)

logger = get_logger(__name__)

ProgressCallback = Callable[[int, int], None]
"""`progress(done, total)`: inputs embedded so far, called after every answered request."""


class EmbeddingBatchError(DeepInfraError):
    """Several requests of one batch failed; `failed_ranges[i]` failed with `errors[i]`."""

    def __init__(
        self, failures: Sequence[tuple[range, DeepInfraError]], *, total: int, requests: int
    ) -> None:
        self.failed_ranges = tuple(rng for rng, _ in failures)
        self.errors = tuple(err for _, err in failures)
        failed = sum(len(rng) for rng in self.failed_ranges)
        first = self.errors[0]
        statuses = {err.status for err in self.errors}
        super().__init__(
            f"DeepInfra embeddings failed for inputs {describe_ranges(self.failed_ranges)} "
            f"({failed} of {total} inputs, {len(failures)} of {requests} requests); first error: {first}",
            status=statuses.pop() if len(statuses) == 1 else None,
            request_id=first.request_id,
            hint=first.hint,
        )


@dataclass(frozen=True)
class EmbeddingSpec:
    """Everything `create` decided; validated before the provider exists."""

    model: str
    traits: ModelTraits
    dimensions: int | None = None
    """`dimensions` to send; None sends none."""
    max_input_tokens: int | None = None
    input_kind: InputKind | None = None
    query_kind: InputKind | None = None
    document_kind: InputKind | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    token_budget: int = DEFAULT_REQUEST_TOKEN_BUDGET


def _texts(inputs: Sequence[EmbeddingInput] | Sequence[Mapping[str, Any]]) -> list[str]:
    texts: list[str] = []
    append = texts.append
    for index, item in enumerate(inputs):
        text: object = item
        if not isinstance(item, str):  # a {text} mapping or an object with a `text` attribute
            text = item.get("text") if isinstance(item, Mapping) else getattr(item, "text", None)
        if not isinstance(text, str):
            raise RequestValidationError(
                f"embedding input {index} is a {type(item).__name__}, not a string or a {{text}} object"
            )
        if not text:
            raise RequestValidationError(
                f"embedding input {index} is empty; DeepInfra cannot embed an empty text",
                hint="drop empty chunks before embedding them",
            )
        append(text)
    return texts


class DeepInfraEmbeddingProvider:
    id: Final = PROVIDER_ID

    def __init__(self, runtime: DeepInfraRuntime, endpoint: Endpoint, spec: EmbeddingSpec) -> None:
        self._runtime = runtime
        self._endpoint = endpoint
        self._spec = spec
        self._served_warned = False
        self.model = spec.model
        self.max_input_tokens = spec.max_input_tokens
        # The vector length: requested, known for the model, or seen in the first answer.
        self.dimensions = spec.dimensions or spec.traits.native_dimensions

    def __repr__(self) -> str:
        return f"DeepInfraEmbeddingProvider(model={self.model!r}, base_url={self._endpoint.base_url!r})"

    # -- the contract ------------------------------------------------------------------------------

    async def embed(self, input: EmbeddingInput, opts: EmbedOptions | None = None) -> list[float]:
        vectors, _ = await self._embed([input], opts, role="query", progress=None)
        return vectors[0]

    async def embed_query(self, text: str) -> list[float]:
        """Legacy `MemoryEmbeddingProviderAdapter` spelling of `embed`."""
        return await self.embed(text)

    async def embed_batch(
        self, inputs: Sequence[EmbeddingInput], opts: EmbedOptions | None = None
    ) -> list[list[float]]:
        vectors, _ = await self._embed(inputs, opts, role="document", progress=None)
        return vectors

    async def embed_batch_detailed(
        self,
        inputs: Sequence[EmbeddingInput],
        opts: EmbedOptions | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> EmbeddingBatchResult:
        vectors, usage = await self._embed(inputs, opts, role="document", progress=progress)
        # model_construct: the vectors came out of json.loads already checked item by item;
        # validating millions of floats again would double the client's CPU per batch.
        return EmbeddingBatchResult.model_construct(embeddings=vectors, usage=usage)

    # -- internals ---------------------------------------------------------------------------------

    def _kind(self, opts: EmbedOptions | None, role: InputKind) -> InputKind:
        spec = self._spec
        per_call = input_kind(opts.input_type, where="input_type") if opts is not None else None
        configured = spec.query_kind if role == "query" else spec.document_kind
        return per_call or configured or spec.input_kind or role

    @cached_property
    def _connection(self) -> Connection:
        """Made on first use: the endpoint's SecretInputs are resolved just before the first request."""
        return connect(self._runtime, self._endpoint)

    async def _embed(
        self,
        inputs: Sequence[EmbeddingInput],
        opts: EmbedOptions | None,
        *,
        role: InputKind,
        progress: ProgressCallback | None,
    ) -> tuple[list[list[float]], EmbeddingUsage | None]:
        texts = _texts(inputs)
        kind = self._kind(opts, role)
        if not texts:
            return [], None
        spec = self._spec
        connection = self._connection
        payload_texts = apply_prefix(texts, spec.traits, kind)
        ranges = plan_requests(
            [estimate_tokens(text) for text in payload_texts],
            max_inputs=inputs_per_request(self.dimensions),
            token_budget=spec.token_budget,
            max_input_tokens=spec.max_input_tokens,
        )
        semaphore = asyncio.Semaphore(spec.concurrency)
        total = len(texts)
        done = 0

        async def send(rng: range) -> EmbeddingsAnswer:
            nonlocal done
            async with semaphore:
                label = (
                    f"DeepInfra embeddings API error (model: {spec.model}, batch size: {len(rng)}, "
                    f"inputs {describe_ranges([rng])})"
                )
                response = await connection.http.request_json(
                    "POST",
                    "embeddings",
                    json=build_payload(spec.model, payload_texts[rng.start : rng.stop], spec.dimensions),
                    headers=connection.headers,
                    authenticated=connection.authenticated,
                    label=label,
                    model=spec.model,
                )
                answer = parse_answer(response.data, len(rng), label=label, request_id=response.request_id)
            done += len(rng)
            if progress is not None:
                progress(done, total)
            return answer

        results = await self._gather([send(rng) for rng in ranges], opts)
        failures = [(rng, r) for rng, r in zip(ranges, results, strict=True) if isinstance(r, BaseException)]
        if failures:
            self._raise(failures, total=total, requests=len(ranges))
        answers: list[EmbeddingsAnswer] = [r for r in results if isinstance(r, EmbeddingsAnswer)]
        return self._finish(ranges, answers, total)

    async def _gather(self, coros: list[Any], opts: EmbedOptions | None) -> list[Any]:
        """Every request's answer or exception; the host's `signal` cancels what is still running."""
        tasks = [asyncio.ensure_future(coro) for coro in coros]
        signal = opts.signal if opts is not None else None
        watcher: asyncio.Task[None] | None = None
        if signal is not None:

            async def watch() -> None:
                await signal.wait()
                for task in tasks:
                    task.cancel()

            watcher = asyncio.create_task(watch())
        try:
            results = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            if watcher is not None:
                watcher.cancel()
        if signal is not None and signal.is_set():
            raise asyncio.CancelledError("embedding cancelled by the host's signal")
        return results

    @staticmethod
    def _raise(failures: list[tuple[range, BaseException]], *, total: int, requests: int) -> None:
        typed: list[tuple[range, DeepInfraError]] = []
        for rng, exc in failures:
            if not isinstance(exc, DeepInfraError):
                raise exc  # a bug or a cancellation, not an API failure: let it through as is
            typed.append((rng, exc))
        if len(typed) == 1:
            raise typed[0][1]
        raise EmbeddingBatchError(typed, total=total, requests=requests) from typed[0][1]

    def _finish(
        self, ranges: list[range], answers: list[EmbeddingsAnswer], total: int
    ) -> tuple[list[list[float]], EmbeddingUsage | None]:
        vectors = reassemble(total, zip(ranges, (a.vectors for a in answers), strict=True))
        self.dimensions = len(vectors[0])
        served = {a.served_model for a in answers if a.served_model}
        if served - {self.model} and not self._served_warned:
            self._served_warned = True
            logger.warning(
                "DeepInfra served embeddings for %s from %s (deprecated model forwarded?)",
                self.model, ", ".join(sorted(served)),
            )  # fmt: skip
        prompt = [a.prompt_tokens for a in answers if a.prompt_tokens is not None]
        if not prompt:
            return vectors, None
        totals = sum(
            a.total_tokens if a.total_tokens is not None else (a.prompt_tokens or 0) for a in answers
        )
        return vectors, EmbeddingUsage(prompt_tokens=sum(prompt), total_tokens=totals)
