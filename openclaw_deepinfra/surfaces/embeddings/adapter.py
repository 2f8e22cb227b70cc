"""`EmbeddingProviderAdapter` `deepinfra` for memory search (host contract §8.1, reference §3.7).

`create` validates everything it can before any request (model, dimensions, input types,
concurrency, endpoint and that some credential exists) and returns the provider with its runtime
(`cache_key_data`, below). The same object also serves the legacy
`register_memory_embedding_provider` path: it accepts the legacy options (`output_dimensionality`)
and the provider answers `embed_query` as well as `embed`.

The endpoint: where embedding requests go, with which credentials (reference §3.7, with our URL
checks), and the memory index identity of that destination.

Base URL: `memory.search.remote.baseUrl` (or the create options' `remote.base_url`), else the
provider's own base URL. The provider *owns* the destination when both normalise to the same URL;
only then are `models.providers.deepinfra.headers` / `.request.headers` and the provider key used
there.
Credentials, first match wins: an explicit `Authorization` header; `remote.apiKey`; the provider
key if owned; otherwise a configuration error naming the destination. SecretInputs (the remote
key and header values) are kept raw here and resolved by `connect`, just before the first request.

Index identity (`cache_key_data`): stored vectors are keyed by provider + this mapping; when it
changes, the host pauses vector search until a reindex. So it holds what changes the vectors and
nothing that does not:

- `{provider, model}` for DeepInfra's default endpoint (compared after `urls.normalize`: scheme,
  host case, default port and trailing slashes, so `https://API.DEEPINFRA.COM:443/v1/openai/` is it);
- plus the normalised `baseUrl` and `headersHash` (sha256 of the non-secret headers, names
  lowercased, sorted) for any other endpoint or when such headers (e.g. a tenant) are sent;
- plus `dimensions` when the host asks for a reduced size.

Never a key or any header value: credentials (`Authorization`, `x-api-key`, `api-key`) are left
out entirely, so rotating a key never changes the identity; other header values only as a hash;
a header given as a SecretRef enters as its reference, never its resolved value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from openclaw_deepinfra.errors import ConfigurationError, RequestValidationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.redact import register_secret
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import PROVIDER_ID, ApiKey, Settings, resolve_config_secret
from openclaw_deepinfra.surfaces.provider_base import RuntimeProvider
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.urls import DEFAULT_BASE_URL, configured_base_url, normalize

if TYPE_CHECKING:
    from openclaw_deepinfra.host.contracts.common import SecretInput
    from openclaw_deepinfra.host.contracts.embeddings import (
        EmbeddingIndexIdentity,
        EmbeddingProviderCreateOptions,
        EmbeddingProviderCreateResult,
    )
    from openclaw_deepinfra.surfaces.embeddings.capabilities import InputKind

# The contract models, batching, wire and provider modules are imported on first use (inside the
# methods below), not at registration: loading the plugin registers this adapter on every start,
# most of which never embed anything.

# Answers of wide models are large JSON; the request planner keeps them near 20 MB, this is the
# hard stop for a misbehaving server.
MAX_EMBEDDINGS_BODY_BYTES = 256 * 1024 * 1024
_REMOTE = "memory.search.remote"
# Well under DeepInfra's 200 in flight per model: memory indexing shares the account with chat.
DEFAULT_CONCURRENCY: Final = 16
MAX_CONCURRENCY: Final = 200
CREDENTIAL_HEADERS: Final = frozenset({"authorization", "content-type", "x-api-key", "api-key"})


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    owned: bool
    headers: Mapping[str, SecretInput] = field(default_factory=dict, repr=False)
    api_key: SecretInput | None = field(default=None, repr=False)

    @property
    def has_authorization_header(self) -> bool:
        return any(name.strip().lower() == "authorization" for name in self.headers)


@dataclass(frozen=True)
class Connection:
    http: DeepInfraHttp
    headers: Mapping[str, str] = field(repr=False)
    authenticated: bool


def _headers(value: Any, where: str) -> dict[str, SecretInput]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{where} must be an object of header name -> value")
    out: dict[str, SecretInput] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(f"{where} has a blank header name")
        if not isinstance(item, str | Mapping):
            raise ConfigurationError(f"{where}.{name} must be a string or a SecretRef")
        out[name.strip()] = item if isinstance(item, str) else dict(item)
    return out


def _remote(opts: EmbeddingProviderCreateOptions, search: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """`(base_url, api_key, headers)`: the create options' `remote` first, then the config's."""
    configured = search.get("remote")
    configured = configured if isinstance(configured, Mapping) else {}
    given = opts.remote
    base_url = (
        given.base_url if given is not None and given.base_url is not None else configured.get("baseUrl")
    )
    api_key = given.api_key if given is not None and given.api_key is not None else configured.get("apiKey")
    headers = given.headers if given is not None and given.headers is not None else configured.get("headers")
    return base_url, api_key, headers


def resolve_endpoint(
    config: OpenClawConfig,
    opts: EmbeddingProviderCreateOptions,
    settings: Settings,
    *,
    check_credentials: bool = True,
) -> Endpoint:
    """The destination and its unresolved credentials; raises before any request when unusable
    (without `check_credentials`, only for the URL and header shapes: the index identity needs no key)."""
    raw_base, api_key, raw_headers = _remote(opts, config.memory_search())
    hint = f"set {_REMOTE}.baseUrl to an https URL (plain http only to localhost)"
    base_url = configured_base_url(raw_base, f"{_REMOTE}.baseUrl", hint=hint) or settings.base_url
    owned = normalize(base_url) == normalize(settings.base_url)
    headers: dict[str, SecretInput] = {}
    if owned:
        # The provider's own headers (the transport sends them on its origin; listed here so the
        # index identity sees them): `headers`, then `request.headers`, which wins.
        provider = config.provider_config(PROVIDER_ID)
        request = provider.get("request")
        request_headers = request.get("headers") if isinstance(request, Mapping) else None
        for where, value in (
            ("models.providers.deepinfra.headers", provider.get("headers")),
            ("models.providers.deepinfra.request.headers", request_headers),
        ):
            headers.update(_headers(value, where))
    headers.update(_headers(raw_headers, f"{_REMOTE}.headers"))
    if isinstance(api_key, str) and not api_key.strip():
        api_key = None
    if api_key is not None and not isinstance(api_key, str | Mapping):
        raise ConfigurationError(f"{_REMOTE}.apiKey must be a string or a SecretRef")
    if isinstance(api_key, Mapping):
        api_key = dict(api_key)
    endpoint = Endpoint(base_url, owned, headers, api_key)
    if check_credentials and not endpoint.has_authorization_header and api_key is None:
        if not owned:
            raise ConfigurationError(
                f"deepinfra embedding credentials are not configured for {base_url}. Set "
                f"{_REMOTE}.apiKey or an Authorization header for this destination."
            )
        settings.require_key()
    return endpoint


def connect(runtime: DeepInfraRuntime, endpoint: Endpoint) -> Connection:
    """Resolve the SecretInputs now and build the client for this endpoint on the shared pool."""
    config = runtime.config
    headers: dict[str, str] = {}
    for name, value in endpoint.headers.items():
        resolved = resolve_config_secret(config, value, f"{_REMOTE}.headers.{name}")
        if resolved is None:
            continue
        if name.lower() in CREDENTIAL_HEADERS or isinstance(value, Mapping):
            register_secret(resolved)  # never in a log line or an error message
        headers[name] = resolved
    api_key = None
    authenticated = not endpoint.has_authorization_header  # the caller's own Authorization is sent
    if authenticated and endpoint.api_key is not None:
        key = resolve_config_secret(config, endpoint.api_key, f"{_REMOTE}.apiKey")
        if key is None or not key.strip():
            raise ConfigurationError(f"{_REMOTE}.apiKey resolved to an empty value")
        api_key = ApiKey(key, f"config:{_REMOTE}.apiKey")
    http = runtime.http().with_options(
        base_url=endpoint.base_url, api_key=api_key, max_body_bytes=MAX_EMBEDDINGS_BODY_BYTES
    )
    return Connection(http, headers, authenticated)


def _value_token(value: SecretInput) -> str:
    if isinstance(value, Mapping):
        # The reference, not the secret: resolving it here would run exec refs and tie the
        # identity to a value that may rotate.
        return "secretRef:" + json.dumps([str(value.get(k, "")) for k in ("source", "provider", "id")])
    return "value:" + str(value)


def cache_key_data(
    *, model: str, base_url: str, headers: Mapping[str, SecretInput], dimensions: int | None = None
) -> dict[str, Any]:
    # headersHash: sha256 of the sorted non-credential `[name, value]` pairs, when there are any.
    pairs = sorted(
        [name.strip().lower(), _value_token(value)]
        for name, value in headers.items()
        if name.strip().lower() not in CREDENTIAL_HEADERS
    )
    data: dict[str, Any] = {"provider": PROVIDER_ID, "model": model}
    if pairs or normalize(base_url) != normalize(DEFAULT_BASE_URL):
        data["baseUrl"] = normalize(base_url)
    if pairs:
        canonical = json.dumps(pairs, separators=(",", ":"), ensure_ascii=False)
        data["headersHash"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    if dimensions is not None:
        data["dimensions"] = dimensions
    return data


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

        model, _, _, data = self._destination(_options(opts), check_credentials=False)
        return EmbeddingIndexIdentity(model=model, cache_key_data=data)

    def format_setup_error(self, err: BaseException) -> str:
        return str(err) or type(err).__name__

    async def create(self, opts: Any) -> EmbeddingProviderCreateResult:
        from openclaw_deepinfra.host.contracts.embeddings import (
            EmbeddingProviderCreateResult,
            EmbeddingProviderRuntime,
        )
        from openclaw_deepinfra.surfaces.embeddings.capabilities import input_kind, traits_for
        from openclaw_deepinfra.surfaces.embeddings.provider import DeepInfraEmbeddingProvider, EmbeddingSpec

        options = _options(opts)
        search = self._runtime.config.memory_search()
        model, dimensions, endpoint, data = self._destination(options, check_credentials=True)
        traits = traits_for(model)

        def kind(given: str | None, key: str) -> InputKind | None:
            return input_kind(given or search.get(key), where=f"{_SEARCH}.{key}")

        spec = EmbeddingSpec(
            model=model,
            traits=traits,
            dimensions=dimensions,
            max_input_tokens=await self._max_input_tokens(model) or traits.max_input_tokens,
            input_kind=kind(options.input_type, "inputType"),
            query_kind=kind(options.query_input_type, "queryInputType"),
            document_kind=kind(options.document_input_type, "documentInputType"),
            concurrency=_concurrency(search),
        )
        provider = DeepInfraEmbeddingProvider(self._runtime, endpoint, spec)
        runtime = EmbeddingProviderRuntime(id=PROVIDER_ID, cache_key_data=data)
        return EmbeddingProviderCreateResult(provider=provider, runtime=runtime)

    # -- internals ---------------------------------------------------------------------------------

    def _destination(
        self, options: EmbeddingProviderCreateOptions, *, check_credentials: bool
    ) -> tuple[str, int | None, Endpoint, dict[str, Any]]:
        """The model, the `dimensions` to send, the endpoint and the index identity they make."""
        model = self.normalize_model(options)
        dimensions = self._dimensions(model, options)
        config, settings = self._runtime.config, self._runtime.settings()
        endpoint = resolve_endpoint(config, options, settings, check_credentials=check_credentials)
        data = cache_key_data(
            model=model, base_url=endpoint.base_url, headers=endpoint.headers, dimensions=dimensions
        )
        return model, dimensions, endpoint, data

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
