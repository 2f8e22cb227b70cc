"""`EmbeddingProviderAdapter` `deepinfra` for memory search (host contract §8.1, reference §3.7).

`create` validates everything it can before any request (model, dimensions, input types,
concurrency, endpoint and that some credential exists) and returns the provider with its runtime
(`cache_key_data`, see `identity`). The same object also serves the legacy
`register_memory_embedding_provider` path: it accepts the legacy options (`output_dimensionality`)
and the provider answers `embed_query` as well as `embed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from openclaw_deepinfra.errors import ConfigurationError, RequestValidationError
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.surfaces.provider_base import RuntimeProvider

if TYPE_CHECKING:
    from openclaw_deepinfra.host.contracts.embeddings import (
        EmbeddingIndexIdentity,
        EmbeddingProviderCreateOptions,
        EmbeddingProviderCreateResult,
    )

# The contract models, batching, wire and endpoint helpers are imported on first use (inside the
# methods below), not at registration: loading the plugin registers this adapter on every start,
# most of which never embed anything.


_SEARCH = "memory.search"


def _options(opts: Any) -> EmbeddingProviderCreateOptions:
    from pydantic import ValidationError

    from openclaw_deepinfra.host.contracts.embeddings import (
        EmbeddingProviderCreateOptions,
        MemoryEmbeddingProviderCreateOptions,
    )

    if isinstance(opts, EmbeddingProviderCreateOptions):
        return opts
    if isinstance(opts, Mapping):
        try:
            return MemoryEmbeddingProviderCreateOptions.model_validate(dict(opts))
        except ValidationError as exc:
            raise RequestValidationError(
                f"invalid embedding provider options: {exc.errors()[0]['msg']}"
            ) from None
    raise RequestValidationError(f"embedding provider options must be an object, not {type(opts).__name__}")


def _concurrency(search: Mapping[str, Any]) -> int:
    from openclaw_deepinfra.surfaces.embeddings.provider import DEFAULT_CONCURRENCY, MAX_CONCURRENCY

    remote = search.get("remote")
    batch = remote.get("batch") if isinstance(remote, Mapping) else None
    value = batch.get("concurrency") if isinstance(batch, Mapping) else None
    if value is None:
        return DEFAULT_CONCURRENCY
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise ConfigurationError(
            f"{_SEARCH}.remote.batch.concurrency must be a whole number from 1 to {MAX_CONCURRENCY}",
            hint=f"DeepInfra allows 200 requests in flight per model; the default is {DEFAULT_CONCURRENCY}",
        )
    return value


class DeepInfraEmbeddingAdapter(RuntimeProvider):
    transport: Final = "remote"
    auth_provider_id: Final = PROVIDER_ID

    @property
    def default_model(self) -> str:
        """The curated embed default; shipped data, so reading it needs no settings or network."""
        return self._runtime.static.default("embed")

    def normalize_model(self, opts: Any) -> str:
        """One leading `deepinfra/` stripped, the rest verbatim; blank -> the default model."""
        raw = opts if isinstance(opts, str) else getattr(opts, "model", None)
        if raw is None and isinstance(opts, Mapping):
            raw = opts.get("model")
        model = strip_provider_prefix(raw.strip(), PROVIDER_ID).strip() if isinstance(raw, str) else ""
        return model or self.default_model

    def resolve_index_identity(self, opts: Any) -> EmbeddingIndexIdentity:
        from openclaw_deepinfra.host.contracts.embeddings import EmbeddingIndexIdentity
        from openclaw_deepinfra.surfaces.embeddings.endpoint import cache_key_data, resolve_endpoint

        options = _options(opts)
        model = self.normalize_model(options)
        endpoint = resolve_endpoint(
            self._runtime.config, options, self._runtime.settings(), check_credentials=False
        )
        data = cache_key_data(
            model=model,
            base_url=endpoint.base_url,
            headers=endpoint.headers,
            dimensions=self._dimensions(model, options),
        )
        return EmbeddingIndexIdentity(model=model, cache_key_data=data)

    def format_setup_error(self, err: BaseException) -> str:
        return str(err) or type(err).__name__

    async def create(self, opts: Any) -> EmbeddingProviderCreateResult:
        from openclaw_deepinfra.host.contracts.embeddings import (
            EmbeddingProviderCreateResult,
            EmbeddingProviderRuntime,
        )
        from openclaw_deepinfra.surfaces.embeddings.capabilities import input_kind, traits_for
        from openclaw_deepinfra.surfaces.embeddings.endpoint import cache_key_data, resolve_endpoint
        from openclaw_deepinfra.surfaces.embeddings.provider import DeepInfraEmbeddingProvider, EmbeddingSpec

        options = _options(opts)
        config = self._runtime.config
        search = config.memory_search()
        model = self.normalize_model(options)
        traits = traits_for(model)
        dimensions = self._dimensions(model, options)
        settings = self._runtime.settings()
        endpoint = resolve_endpoint(config, options, settings)
        spec = EmbeddingSpec(
            model=model,
            traits=traits,
            dimensions=dimensions,
            max_input_tokens=await self._max_input_tokens(model) or traits.max_input_tokens,
            input_kind=input_kind(
                options.input_type or search.get("inputType"), where=f"{_SEARCH}.inputType"
            ),
            query_kind=input_kind(
                options.query_input_type or search.get("queryInputType"), where=f"{_SEARCH}.queryInputType"
            ),
            document_kind=input_kind(
                options.document_input_type or search.get("documentInputType"),
                where=f"{_SEARCH}.documentInputType",
            ),
            concurrency=_concurrency(search),
        )
        provider = DeepInfraEmbeddingProvider(self._runtime, endpoint, spec)
        runtime = EmbeddingProviderRuntime(
            id=PROVIDER_ID,
            cache_key_data=cache_key_data(
                model=model, base_url=endpoint.base_url, headers=endpoint.headers, dimensions=dimensions
            ),
        )
        return EmbeddingProviderCreateResult(provider=provider, runtime=runtime)

    # -- internals ---------------------------------------------------------------------------------

    def _dimensions(self, model: str, options: EmbeddingProviderCreateOptions) -> int | None:
        """The `dimensions` to send (None: the model's own size) from the options' `dimensions`, the
        legacy `output_dimensionality` or `memory.search.outputDimensionality`; a size the model
        cannot give is an error here, before any request."""
        from openclaw_deepinfra.surfaces.embeddings.capabilities import resolve_dimensions, traits_for

        for value in (
            options.dimensions,
            getattr(options, "output_dimensionality", None),
            self._runtime.config.memory_search().get("outputDimensionality"),
        ):
            if value is not None:
                return resolve_dimensions(model, traits_for(model), value)
        return None

    async def _max_input_tokens(self, model: str) -> int | None:
        row = (await self._runtime.catalog_view()).surface("embed").find(model)
        return (row.context_length or row.max_tokens) if row is not None else None
