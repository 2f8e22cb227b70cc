"""Which provider serves a surface (host-contracts §4, §5, §6, §7, §8.1, §11): what every surface
shares (the ``Selection`` / ``EmbeddingSelection`` candidates, ``providers_of``, ``match_provider``),
and the memory-search embedding (§8.1) and text model (§11) selection.

Every selector takes the config and a ``{provider id: provider object}`` mapping (``providers_of``
builds it from a registry) and returns candidates in the order the host tries them. Speech, media
understanding and image / video generation, which call provider hooks, are in ``media_selection``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ConfigError, ModelRefError
from openclaw_deepinfra.host.refs import resolve_text_model

logger = logging.getLogger("openclaw.selection")

DEFAULT_EMBEDDING_PROVIDER = "openai"
# `models.providers.<id>.api` -> the embedding adapter that speaks it (custom OpenAI-compatible proxies).
EMBEDDING_ADAPTER_BY_API: Mapping[str, str] = {
    "openai-completions": "openai",
    "openai-responses": "openai",
    "ollama": "ollama",
    "google-generative-ai": "gemini",
}


@dataclass(frozen=True)
class Selection:
    """One candidate: provider, model (``None`` = the provider's default) and why it was picked.

    ``reason``: ``explicit``, ``persona``, ``config``, ``config-fallback``, ``image-model``,
    ``active-model``, ``auto`` or ``fallback``. ``options`` holds the rest of a
    ``tools.media.models[]`` entry (``prompt``, ``maxChars``, ``providerOptions``, ...).
    """

    provider_id: str
    model: str | None
    reason: str
    timeout_ms: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EmbeddingSelection:
    """The memory-search embedding adapter; ``provider_id is None`` means full-text search only."""

    provider_id: str | None
    model: str | None
    reason: str
    fallback: str | None = None
    config_provider: str | None = None  # a custom models.providers.<id> served by the adapter


def providers_of(registry: Any, kind: str) -> dict[str, object]:
    """``{id: provider}`` from ``registry.registrations(kind)`` (e.g. ``"speech-provider"``)."""
    return {pid: reg.provider for pid, reg in registry.registrations(kind).items()}


def match_provider(providers: Mapping[str, object], name: str) -> str | None:
    """The registered id for ``name`` (case-insensitive, also via a provider's ``aliases``)."""
    wanted = name.strip().lower()
    for pid in providers:
        if pid.lower() == wanted:
            return pid
    for pid, provider in providers.items():
        aliases = getattr(provider, "aliases", None) or ()
        if any(isinstance(a, str) and a.lower() == wanted for a in aliases):
            return pid
    return None


# -- helpers ------------------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _default_model(provider: object) -> str | None:
    return _str(getattr(provider, "default_model", None))


def _ids(providers: Mapping[str, object]) -> str:
    return ", ".join(sorted(providers)) or "none"


def _model_list(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Mapping):
        primary, fallbacks = value.get("primary"), value.get("fallbacks") or []
        if (primary is None or isinstance(primary, str)) and isinstance(fallbacks, list):
            items = ([primary] if primary else []) + fallbacks
            return [s.strip() for s in items if isinstance(s, str) and s.strip()]
    raise ConfigError(f"{key} must be a model ref or {{primary, fallbacks: [...]}}")


# -- embeddings (§8.1) --------------------------------------------------------------------------


def _string_key(search: Mapping[str, object], name: str) -> object:
    """``memory.search.<name>``; a value that is not a string is an error naming the key (it used
    to mean "unset" and silently picked the default provider)."""
    value = search.get(name)
    if value is not None and not isinstance(value, str):
        kind = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}
        found = kind.get(type(value), type(value).__name__)
        expects = "a model id string" if name == "model" else "a provider id string"
        raise ConfigError(f"memory.search.{name} is {found}; expected {expects}")
    return value


def select_embedding(
    config: OpenClawConfig, adapters: Mapping[str, object], *, agent_id: str | None = None
) -> EmbeddingSelection:
    """``memory.search.provider``: an adapter id, a custom ``models.providers.<id>`` whose ``api`` maps
    to an adapter, ``"none"`` (full-text only) or ``"auto"`` (legacy for ``"openai"``, the default).
    An unavailable explicit provider fails closed (ConfigError) unless ``fallback`` names one."""
    search = config.memory_search(agent_id)
    if search.get("enabled") is False:
        return EmbeddingSelection(None, None, "disabled")
    raw = _str(_string_key(search, "provider"))
    name = (raw or DEFAULT_EMBEDDING_PROVIDER).lower()
    if name == "auto":
        logger.info('memory.search.provider "auto" is legacy; using %r', DEFAULT_EMBEDDING_PROVIDER)
        name = DEFAULT_EMBEDDING_PROVIDER
    if name == "none":
        return EmbeddingSelection(None, None, "none")
    fallback_name = _str(_string_key(search, "fallback"))
    fallback = None if not fallback_name or fallback_name.lower() == "none" else fallback_name.lower()
    model = _str(_string_key(search, "model"))

    def chosen(pid: str, reason: str, config_provider: str | None = None) -> EmbeddingSelection:
        model_id = model or _default_model(adapters[pid])
        return EmbeddingSelection(pid, model_id, reason, fallback, config_provider)

    reason = "config" if raw else "default"
    if name in adapters:
        return chosen(name, reason)
    api = _str(config.provider_config(name).get("api"))
    adapter_id = EMBEDDING_ADAPTER_BY_API.get(api or "")
    if adapter_id is not None and adapter_id in adapters:
        return chosen(adapter_id, "custom-provider", config_provider=name)
    if fallback and fallback in adapters:
        logger.warning("memory.search.provider %r is not available; using fallback %r", name, fallback)
        return chosen(fallback, "fallback")
    if raw:
        raise ConfigError(
            f"memory.search.provider {name!r} is not available (registered: {_ids(adapters)}); install its "
            "plugin, pick another provider, or set memory.search.fallback"
        )
    logger.warning("no %r embedding adapter registered; memory search uses full-text only", name)
    return EmbeddingSelection(None, None, "default-unavailable")


# -- text (§11) ---------------------------------------------------------------------------------


def select_text(
    config: OpenClawConfig, *, model: str | None = None, agent_id: str | None = None
) -> list[Selection]:
    """A user pick is strict (one candidate); else the agent's, then the default ``model``
    (str or ``{primary, fallbacks}``), primary first."""
    if model:
        ref = resolve_text_model(config, model)
        return [Selection(ref.provider, ref.model, "explicit")]
    key, value = "agents.defaults.model", config.get("agents.defaults.model")
    if agent_id is not None and config.agent_entry(agent_id).get("model"):
        key, value = f"agents.entries.{agent_id}.model", config.agent_entry(agent_id)["model"]
    result: list[Selection] = []
    for i, text in enumerate(_model_list(value, key)):
        try:
            ref = resolve_text_model(config, text)
        except ModelRefError as exc:
            raise ConfigError(f"{key}: {exc}") from None
        result.append(Selection(ref.provider, ref.model, "config" if i == 0 else "config-fallback"))
    return result
