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
from openclaw_deepinfra.host.contracts.model_rows import ModelCost, ModelRowFields

ModelInput: TypeAlias = Literal["text", "image", "video", "audio", "document"]
CatalogOrder: TypeAlias = Literal["simple", "profile", "paired", "late"]
"""Merge order of provider catalogs; a later order wins id collisions."""

AuthKind: TypeAlias = Literal["oauth", "api_key", "token", "device_code", "custom"]
OutcomeStatus: TypeAlias = Literal["ready", "auth-rejected", "unavailable"]


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


CatalogRun: TypeAlias = Callable[[ProviderCatalogContext], Awaitable[ProviderCatalogResult | None]]
StaticCatalogRun: TypeAlias = Callable[[ProviderCatalogContext], MaybeAwaitable[ProviderCatalogResult | None]]


class ProviderCatalog(StrictModel):
    """``catalog`` / ``static_catalog`` of a text provider. ``run`` is live and auth-gated;
    ``static_run`` never does I/O and needs no credentials."""

    order: CatalogOrder = "simple"
    run: CatalogRun
    static_run: StaticCatalogRun | None = None


# --- dynamic models ------------------------------------------------------------------------------


class ProviderRuntimeModel(ModelDefinitionConfig):
    """A model definition resolved for calls: its API, provider and base URL are known."""

    api: str
    provider: str
    base_url: str
    request_timeout_ms: int | None = None


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
