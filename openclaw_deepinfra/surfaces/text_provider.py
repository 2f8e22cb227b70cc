"""The text-inference provider object (host contract §3): identity, auth, catalogs, the pure
hooks, and the chat runtime hooks `stream`/`complete` (implemented in `surfaces.chat`)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from openclaw_deepinfra.catalog.definitions import CHAT_API, chat_definitions, model_definition
from openclaw_deepinfra.catalog.models import CatalogModel
from openclaw_deepinfra.host.contracts.text import (
    ModelProviderConfig,
    ProviderAuthMethod,
    ProviderCatalog,
    ProviderCatalogContext,
    ProviderCatalogOutcome,
    ProviderCatalogResult,
    ProviderDynamicModelContext,
    ProviderRuntimeModel,
)
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import (
    API_KEY_ENV,
    API_TOKEN_ENV,
    PROVIDER_ID,
)
from openclaw_deepinfra.surfaces.auth import api_key_method
from openclaw_deepinfra.urls import DEFAULT_BASE_URL

if TYPE_CHECKING:
    # The chat machinery (payload builder, stream parser, chat contract models) loads on the first
    # chat call, not at registration: plugin load in a fresh process is a gateway's startup cost.
    from openclaw_deepinfra.host.contracts.chat import ChatRequest, ChatResult
    from openclaw_deepinfra.surfaces.chat.runner import ChatStream

logger = get_logger(__name__)

LABEL: Final = "DeepInfra"
DOCS_PATH: Final = "/providers/deepinfra"
# Sources whose key the host can re-resolve itself; a key from the auth profile is left to the
# host's own profile lookup instead of being copied into the provider config.
_ENV_SOURCES: Final = {f"env:{API_KEY_ENV}": API_KEY_ENV, f"env:{API_TOKEN_ENV}": API_TOKEN_ENV}


class DeepInfraTextProvider:
    """`ProviderPlugin` for `deepinfra/<org>/<model>` refs."""

    id: Final = PROVIDER_ID
    label: Final = LABEL
    docs_path: Final = DOCS_PATH
    aliases: tuple[str, ...] = ()
    env_vars: tuple[str, ...] = (API_KEY_ENV, API_TOKEN_ENV)
    preserve_literal_provider_prefix = False

    def __init__(self, runtime: DeepInfraRuntime) -> None:
        self._runtime = runtime
        self.auth: list[ProviderAuthMethod] = [api_key_method()]
        self.catalog = ProviderCatalog(order="simple", run=self._run_catalog, static_run=self._static_catalog)

    def __repr__(self) -> str:
        return f"DeepInfraTextProvider(id={self.id!r})"

    # -- catalogs ---------------------------------------------------------------------------------

    def _static_catalog(self, ctx: ProviderCatalogContext) -> ProviderCatalogResult:
        static = self._runtime.static
        models = chat_definitions(static.snapshot(), static)
        return ProviderCatalogResult(
            provider=ModelProviderConfig(base_url=DEFAULT_BASE_URL, api=CHAT_API, models=models)
        )

    async def _run_catalog(self, ctx: ProviderCatalogContext) -> ProviderCatalogResult | None:
        settings = self._runtime.settings()
        if settings.api_key is None:
            return None
        snapshot = await self._runtime.catalog().refresh()
        if snapshot.source == "static":
            # No good live answer now or ever: let the host keep whatever catalog it had.
            outcome = ProviderCatalogOutcome(provider=PROVIDER_ID, status="unavailable")
            return ProviderCatalogResult(providers={}, outcomes=[outcome])
        models = chat_definitions(snapshot, self._runtime.static)
        provider = ModelProviderConfig(
            base_url=settings.base_url, api=CHAT_API, api_key=self._key_reference(ctx), models=models
        )
        outcome = ProviderCatalogOutcome(provider=PROVIDER_ID, status="ready")
        return ProviderCatalogResult(provider=provider, outcomes=[outcome])

    def _key_reference(self, ctx: ProviderCatalogContext) -> str | dict[str, Any] | None:
        """The key as a SecretInput the host resolves itself, never the literal value."""
        settings = self._runtime.settings()
        if settings.api_key is None:
            return None
        if settings.api_key.source == "config":
            raw = ctx.config.get(["models", "providers", PROVIDER_ID, "apiKey"], raw=True)
            return raw if isinstance(raw, str | dict) else None
        env_var = _ENV_SOURCES.get(settings.api_key.source)
        return f"${{{env_var}}}" if env_var else None

    # -- dynamic models ---------------------------------------------------------------------------

    def resolve_dynamic_model(self, ctx: ProviderDynamicModelContext) -> ProviderRuntimeModel:
        """Any id works: catalog rows give their limits, unknown ids (`MODEL:VERSION`,
        `deploy_id:ID`, private deployments) get the default context window and max tokens."""
        model_id = strip_provider_prefix(ctx.model_id.strip(), PROVIDER_ID)
        snapshot = self._runtime.snapshot()
        row = snapshot.find(model_id) or CatalogModel(id=model_id, tags=("chat",))
        definition = model_definition(row, static_row=self._runtime.static.find(model_id))
        base_url = ctx.provider_config.base_url if ctx.provider_config is not None else DEFAULT_BASE_URL
        return ProviderRuntimeModel(
            **definition.model_dump(exclude_none=True), provider=PROVIDER_ID, base_url=base_url
        )

    # -- pure hooks -------------------------------------------------------------------------------

    def normalize_config(self, ctx: Any) -> Any:
        """Unchanged on purpose: the generic normalizer would turn `/v1/openai` into `/v1/openai/v1`,
        which DeepInfra answers with 404."""
        return getattr(ctx, "provider_config", None)

    def normalize_transport(self, ctx: Any) -> dict[str, str] | None:
        base_url = str(getattr(ctx, "base_url", "") or "").rstrip("/")
        if base_url != DEFAULT_BASE_URL:
            return None
        return {"api": str(getattr(ctx, "api", None) or CHAT_API), "base_url": DEFAULT_BASE_URL}

    def is_cache_ttl_eligible(self, ctx: Any) -> bool:
        from openclaw_deepinfra.surfaces.chat.caching import is_cache_ttl_eligible

        return is_cache_ttl_eligible(str(getattr(ctx, "model_id", "") or ""))

    def is_modern_model_ref(self, ctx: Any) -> bool:
        return True

    # -- chat runtime (host contract `create_stream_fn`, see host.contracts.chat) -------------------

    def stream(self, request: ChatRequest) -> ChatStream:
        """Streamed chat; request errors raise here, before anything is sent."""
        stream_chat, _ = _chat()
        return stream_chat(self._runtime, request)

    async def complete(self, request: ChatRequest) -> ChatResult:
        _, complete_chat = _chat()
        return await complete_chat(self._runtime, request)

    async def default_model(self) -> str:
        """`deepinfra/<id>` of the chat default from the catalog view every call decides from: the
        live catalog's first chat model when a key is configured and the catalog answers, else last
        good, else the shipped default (never raises for network)."""
        snapshot = await self._runtime.catalog_view()
        return f"{PROVIDER_ID}/{snapshot.default('chat')}"

    async def aclose(self) -> None:
        await self._runtime.aclose()


@functools.cache
def _chat() -> tuple[
    Callable[[DeepInfraRuntime, ChatRequest], ChatStream],
    Callable[[DeepInfraRuntime, ChatRequest], Awaitable[ChatResult]],
]:
    """The chat runner, imported on the first chat call (an import statement costs every call)."""
    from openclaw_deepinfra.surfaces.chat.runner import complete_chat, stream_chat

    return stream_chat, complete_chat
