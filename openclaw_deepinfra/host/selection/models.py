"""Memory-search embedding (§8.1) and text model (§11) selection."""

from __future__ import annotations

from collections.abc import Mapping

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ConfigError, ModelRefError
from openclaw_deepinfra.host.refs import resolve_text_model
from openclaw_deepinfra.host.selection.common import (
    EmbeddingSelection,
    Selection,
    _default_model,
    _ids,
    _model_list,
    _str,
    logger,
)

DEFAULT_EMBEDDING_PROVIDER = "openai"
# `models.providers.<id>.api` -> the embedding adapter that speaks it (custom OpenAI-compatible proxies).
EMBEDDING_ADAPTER_BY_API: Mapping[str, str] = {
    "openai-completions": "openai",
    "openai-responses": "openai",
    "ollama": "ollama",
    "google-generative-ai": "gemini",
}


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
