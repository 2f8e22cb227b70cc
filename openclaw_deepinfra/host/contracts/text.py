"""Text provider contract (host-contracts §3, §13): model rows, catalog hooks, auth methods."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from pydantic import Field

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.common import (
    ConfigField,
    HostModel,
    JsonObject,
    MaybeAwaitable,
    SecretInput,
    StrictModel,
)
from openclaw_deepinfra.host.contracts.protocols import (
    TextProvider as TextProvider,
)

ModelInput: TypeAlias = Literal["text", "image", "video", "audio", "document"]
CatalogOrder: TypeAlias = Literal["simple", "profile", "paired", "late"]
CATALOG_ORDERS: tuple[CatalogOrder, ...] = ("simple", "profile", "paired", "late")
"""Merge order of provider catalogs; a later order wins id collisions."""

KNOWN_MODEL_APIS = ("openai-completions", "openai-responses", "anthropic-messages",
                    "google-generative-ai", "ollama")
AuthKind: TypeAlias = Literal["oauth", "api_key", "token", "device_code", "custom"]
OutcomeStatus: TypeAlias = Literal["ready", "auth-rejected", "unavailable"]


class TieredPrice(HostModel):
    input: float
    output: float
    cache_read: float = 0.0
    cache_write: float = 0.0
    range: tuple[float] | tuple[float, float]
    """``[start]`` or ``[start, end]`` in prompt tokens."""


class ModelCost(HostModel):
    """USD per million tokens."""

    input: float
    output: float
    cache_read: float = 0.0
    cache_write: float = 0.0
    tiered_pricing: list[TieredPrice] | None = None


class ModelCompatConfig(HostModel):
    """Per-model protocol quirks for the host's generic transport; every key optional."""

    # OpenAI-completions
    supports_store: bool | None = None
    supports_developer_role: bool | None = None
    supports_reasoning_effort: bool | None = None
    supports_usage_in_streaming: bool | None = None
    supports_strict_mode: bool | None = None
    max_tokens_field: Literal["max_completion_tokens", "max_tokens"] | None = None
    requires_tool_result_name: bool | None = None
    requires_assistant_after_tool_result: bool | None = None
    requires_thinking_as_text: bool | None = None
    requires_reasoning_content_on_assistant_messages: bool | None = None
    # routing / caching
    open_router_routing: JsonObject | None = None
    vercel_gateway_routing: JsonObject | None = None
    zai_tool_stream: bool | None = None
    cache_control_format: str | None = None
    send_session_affinity_headers: bool | None = None
    send_session_id_header: bool | None = None
    supports_long_cache_retention: bool | None = None
    supports_eager_tool_input_streaming: bool | None = None
    supports_prompt_cache_key: bool | None = None
    # reasoning
    thinking_format: str | None = None
    """``openai``, ``openrouter``, ``deepseek``, ``together``, ``qwen``, ``qwen-chat-template``, ``zai``."""
    supported_reasoning_efforts: list[str] | None = None
    reasoning_effort_map: dict[str, str] | None = None
    visible_reasoning_detail_types: list[str] | None = None
    # tools / messages
    supports_tools: bool | None = None
    requires_string_content: bool | None = None
    strict_message_keys: bool | None = None
    tool_schema_profile: str | None = None
    unsupported_tool_schema_keywords: list[str] | None = None
    native_web_search_tool: bool | JsonObject | None = None
    tool_call_arguments_encoding: str | None = None
    requires_mistral_tool_ids: bool | None = None
    requires_open_ai_anthropic_tool_payload: bool | None = None
    # other
    code_mode: str | None = None


class ImageMediaInput(HostModel):
    max_bytes: int | None = None
    max_pixels: int | None = None
    max_side_px: int | None = None
    preferred_side_px: int | None = None
    token_mode: Literal["tile", "detail", "provider"] | None = None


class MediaInputConfig(HostModel):
    image: ImageMediaInput | None = None


class ModelRowFields(HostModel):
    """The optional part of a model row, shared by definitions and manifest catalog rows."""

    api: str | None = None
    """A ``ModelApi`` such as ``"openai-completions"`` (see ``KNOWN_MODEL_APIS``)."""
    context_tokens: int | None = None
    thinking_level_map: dict[str, Any] | None = None
    params: JsonObject | None = None
    agent_runtime: Any = None
    headers: dict[str, SecretInput] | None = Field(default=None, repr=False)
    base_url: str | None = None
    compat: ModelCompatConfig | None = None
    metadata_source: str | None = None
    media_input: MediaInputConfig | None = None


class ModelDefinitionConfig(ModelRowFields):
    """One ``models.providers.<id>.models[]`` row; ``id`` has no ``provider/`` prefix."""

    id: str
    name: str
    reasoning: bool
    input: list[ModelInput]
    cost: ModelCost
    context_window: int
    max_tokens: int


class ProviderRequestConfig(HostModel):
    headers: dict[str, SecretInput] | None = Field(default=None, repr=False)
    proxy: JsonObject | str | None = None
    allow_private_network: bool | None = None


class ModelProviderConfig(HostModel):
    """``models.providers.<id>``."""

    base_url: str
    api_key: SecretInput | None = Field(default=None, repr=False)
    auth: str | None = None
    api: str | None = None
    context_window: int | None = None
    max_tokens: int | None = None
    timeout_seconds: float | None = None
    params: JsonObject | None = None
    headers: dict[str, SecretInput] | None = Field(default=None, repr=False)
    auth_header: bool | str | None = None
    request: ProviderRequestConfig | None = None
    models: list[ModelDefinitionConfig]


# --- catalog -----------------------------------------------------------------------------------


class ProviderApiKeyResolution(HostModel):
    api_key: str | None = Field(default=None, repr=False)
    discovery_api_key: str | None = Field(default=None, repr=False)
    """Key that only gates discovery (the anonymous catalog endpoint); never sent."""
    profile_id: str | None = None


class ProviderAuthResolution(ProviderApiKeyResolution):
    mode: str = "none"
    """``"api_key"``, ``"oauth"``, ``"token"``, ``"none"``, …"""
    source: str = "none"
    """``"env"``, ``"profile"`` or ``"none"``."""


def _no_api_key(provider_id: str | None = None) -> ProviderApiKeyResolution:
    return ProviderApiKeyResolution()


def _no_auth(provider_id: str | None = None) -> ProviderAuthResolution:
    return ProviderAuthResolution()


@dataclass
class ProviderCatalogContext:
    """What a catalog hook may read. Holds no key itself: keys come from the resolver callables."""

    config: OpenClawConfig
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    agent_dir: Path | None = None
    workspace_dir: Path | None = None
    provider_ids: tuple[str, ...] | None = None
    resolve_provider_api_key: Callable[[str | None], ProviderApiKeyResolution] = _no_api_key
    resolve_provider_auth: Callable[[str | None], ProviderAuthResolution] = _no_auth


class ProviderCatalogOutcome(StrictModel):
    provider: str
    profile_id: str | None = None
    status: OutcomeStatus
    rejection_scope: str | None = None


class ProviderCatalogResult(StrictModel):
    """Exactly one of ``provider`` / ``providers``; a hook returns ``None`` to mean "skip"."""

    provider: ModelProviderConfig | None = None
    providers: dict[str, ModelProviderConfig] | None = None
    outcomes: list[ProviderCatalogOutcome] | None = None

    def provider_configs(self, default_id: str) -> dict[str, ModelProviderConfig]:
        if self.providers is not None:
            return dict(self.providers)
        return {default_id: self.provider} if self.provider is not None else {}


CatalogRun: TypeAlias = Callable[[ProviderCatalogContext], Awaitable[ProviderCatalogResult | None]]
StaticCatalogRun: TypeAlias = Callable[[ProviderCatalogContext], MaybeAwaitable[ProviderCatalogResult | None]]


class ProviderCatalog(StrictModel):
    """``catalog`` / ``static_catalog`` of a text provider. ``run`` is live and auth-gated;
    ``static_run`` never does I/O and needs no credentials."""

    order: CatalogOrder = "simple"
    run: CatalogRun
    static_run: StaticCatalogRun | None = None


# --- dynamic models ------------------------------------------------------------------------------


class ProviderRuntimeModel(HostModel):
    id: str
    name: str
    api: str
    provider: str
    base_url: str
    reasoning: bool
    input: list[ModelInput]
    cost: ModelCost
    context_window: int
    max_tokens: int
    compat: ModelCompatConfig | None = None
    context_tokens: int | None = None
    params: JsonObject | None = None
    request_timeout_ms: int | None = None
    media_input: MediaInputConfig | None = None


class ProviderDynamicModelContext(HostModel):
    config: ConfigField | None = None
    agent_dir: Path | None = None
    workspace_dir: Path | None = None
    provider: str
    model_id: str
    model_registry: Any = None
    provider_config: ModelProviderConfig | None = None


# --- auth ----------------------------------------------------------------------------------------


class ProviderAuthWizard(HostModel):
    choice_id: str
    choice_label: str
    choice_hint: str | None = None
    group_id: str
    group_label: str
    group_hint: str | None = None
    method_id: str


class ProviderAuthContext(HostModel):
    """Handed to an auth method's ``run``/``run_non_interactive``."""

    config: ConfigField
    env: dict[str, str] = Field(default_factory=dict, repr=False)
    agent_dir: Path | None = None
    workspace_dir: Path | None = None
    opts: JsonObject = Field(default_factory=dict, repr=False)
    """Parsed CLI options, keyed by ``option_key`` (may hold a key: never logged)."""
    interactive: bool = True
    prompter: Any = None


class ProviderAuthProfile(HostModel):
    profile_id: str
    credential: JsonObject = Field(repr=False)


class ProviderAuthResult(StrictModel):
    profiles: list[ProviderAuthProfile]
    config_patch: JsonObject | None = None
    default_model: str | None = None
    notes: list[str] | None = None


class ProviderAuthMethod(StrictModel):
    id: str
    label: str
    hint: str | None = None
    kind: AuthKind
    wizard: ProviderAuthWizard | None = None
    run: Callable[[ProviderAuthContext], Awaitable[ProviderAuthResult]]
    run_non_interactive: Callable[[ProviderAuthContext], MaybeAwaitable[OpenClawConfig | None]] | None = None


class ApiKeyAuthMethodOptions(StrictModel):
    """Options of the host's API-key auth method builder."""

    provider_id: str
    method_id: str
    label: str
    hint: str | None = None
    wizard: ProviderAuthWizard | None = None
    option_key: str
    flag_name: str
    env_var: str
    prompt_message: str
    profile_id: str | None = None
    default_model: str | None = None
    note_message: str | None = None
    note_title: str | None = None
    apply_config: Callable[[OpenClawConfig], OpenClawConfig] | None = None

    @property
    def resolved_profile_id(self) -> str:
        return self.profile_id or f"{self.provider_id}:default"
