"""Which provider serves a surface (host-contracts §4, §5, §6, §7, §8.1, §11).

Every function takes the config and a ``{provider id: provider object}`` mapping (``providers_of``
builds it from a registry) and returns candidates in the order the host tries them. Provider hooks
are plugin code: one that raises counts as "not configured" and is logged, it never propagates.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ConfigError, HostError, ModelRefError
from openclaw_deepinfra.host.refs import ModelRef, parse_model_ref, resolve_text_model

logger = logging.getLogger("openclaw.selection")

DEFAULT_TTS_TIMEOUT_MS = 30_000
DEFAULT_EMBEDDING_PROVIDER = "openai"
# `models.providers.<id>.api` -> the embedding adapter that speaks it (custom OpenAI-compatible proxies).
EMBEDDING_ADAPTER_BY_API: Mapping[str, str] = {
    "openai-completions": "openai",
    "openai-responses": "openai",
    "ollama": "ollama",
    "google-generative-ai": "gemini",
}
_MEDIA_ENTRY_KEYS = frozenset({"type", "provider", "model", "capabilities"})


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

    @property
    def full_text_only(self) -> bool:
        return self.provider_id is None


@dataclass(frozen=True)
class ConfiguredContext:
    """The ``ctx`` handed to ``is_configured`` / ``resolve_auth`` hooks."""

    cfg: OpenClawConfig
    provider_config: Mapping[str, Any]
    provider: str = ""
    timeout_ms: int | None = None
    agent_dir: Path | None = None

    @property
    def config(self) -> OpenClawConfig:
        return self.cfg


def providers_of(registry: Any, kind: str) -> dict[str, object]:
    """``{id: provider}`` from ``registry.registrations(kind)`` (e.g. ``"speech-provider"``)."""
    return {pid: reg.provider for pid, reg in registry.registrations(kind).items()}


def call_hook_bool(provider: object, hook: str, ctx: object, *, provider_id: str) -> bool:
    """Call a sync boolean hook defensively: missing, raising or async -> ``False`` (logged)."""
    fn = getattr(provider, hook, None)
    if not callable(fn):
        return False
    try:
        result = fn(ctx)
    except Exception:
        logger.warning("%s.%s raised; treated as not configured", provider_id, hook, exc_info=True)
        return False
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        logger.warning("%s.%s must be sync; it returned an awaitable, treated as not configured",
                       provider_id, hook)
        return False
    return bool(result)


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


# -- speech (§4) --------------------------------------------------------------------------------


def select_speech(
    config: OpenClawConfig,
    providers: Mapping[str, object],
    *,
    override: str | None = None,
    persona: str | None = None,
) -> list[Selection]:
    """Explicit override -> persona provider -> ``tts.provider`` -> auto (lowest ``auto_select_order``
    that is configured); the other configured providers follow as fallbacks."""
    tts = config.tts()
    persona_id = persona or _str(tts.get("persona"))
    persona_block = _mapping(_mapping(tts.get("personas")).get(persona_id)) if persona_id else {}
    timeout = _positive_int(tts.get("timeoutMs"))

    def provider_config(pid: str) -> dict[str, Any]:
        base = dict(_mapping(_mapping(tts.get("providers")).get(pid)))
        base.update(_mapping(_mapping(persona_block.get("providers")).get(pid)))
        return base

    def pick(pid: str, reason: str) -> Selection:
        pcfg = provider_config(pid)
        model = _str(pcfg.get("model")) or _str(pcfg.get("modelId")) or _default_model(providers[pid])
        default_timeout = _positive_int(getattr(providers[pid], "default_timeout_ms", None))
        return Selection(pid, model, reason, timeout or default_timeout or DEFAULT_TTS_TIMEOUT_MS)

    primary: Selection | None = None
    if override:
        pid = match_provider(providers, override)
        if pid is None:
            raise HostError(f"speech provider {override!r} is not registered; registered: {_ids(providers)}")
        primary = pick(pid, "explicit")
    for name, reason, key in (
        (_str(persona_block.get("provider")), "persona", f"tts.personas.{persona_id}.provider"),
        (_str(tts.get("provider")), "config", "tts.provider"),
    ):
        if primary is None and name:
            pid = match_provider(providers, name)
            if pid is None:
                logger.warning("%s = %r is not a registered speech provider; auto-selecting", key, name)
            else:
                primary = pick(pid, reason)

    configured = [
        pid for pid in sorted(providers, key=lambda pid: (_rank(providers[pid], "auto_select_order"), pid))
        if call_hook_bool(
            providers[pid], "is_configured",
            ConfiguredContext(config, provider_config(pid), pid, timeout), provider_id=pid,
        )
    ]
    result = [primary] if primary else []
    for pid in configured:
        if primary is None or pid != primary.provider_id:
            result.append(pick(pid, "auto" if not result else "fallback"))
    return result


# -- media understanding (§5) -------------------------------------------------------------------


def select_media_understanding(
    config: OpenClawConfig,
    providers: Mapping[str, object],
    capability: Literal["image", "audio", "video"],
    *,
    active_model: str | None = None,
    is_authenticated: Callable[[str], bool] | None = None,
) -> list[Selection]:
    """``tools.media.models[]`` entries for the capability; without any: (image) ``agents.defaults
    .imageModel`` then the active reply model, then authenticated providers by ``auto_priority``.
    ``type: "cli"`` entries are left to the caller (this host runs no CLIs)."""
    block = _mapping(config.get(("tools", "media", capability)))
    if block.get("enabled") is False:
        return []
    configured: list[Selection] = []
    entries = config.lookup("tools.media.models") or []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping) or entry.get("type", "provider") != "provider":
            continue
        caps = entry.get("capabilities")
        if isinstance(caps, list) and capability not in caps:
            continue
        pid = match_provider(providers, _str(entry.get("provider")) or "")
        if pid is None:
            logger.warning("tools.media.models[%d]: provider %r is not registered; skipped",
                           index, entry.get("provider"))
            continue
        if caps is None and capability not in _capabilities(providers[pid]):
            continue
        seconds = entry.get("timeoutSeconds")
        timeout = int(seconds * 1000) if isinstance(seconds, int | float) and seconds > 0 else None
        options = {k: v for k, v in entry.items() if k not in _MEDIA_ENTRY_KEYS}
        configured.append(Selection(pid, _str(entry.get("model")), "config", timeout, options))
    if configured:
        return configured

    result: list[Selection] = []
    supporting = {pid: p for pid, p in providers.items() if capability in _capabilities(p)}
    if capability == "image":
        image_model = config.get("agents.defaults.imageModel")
        for ref in _model_list(image_model, "agents.defaults.imageModel"):
            _append_ref(result, supporting, ref, "image-model", key="agents.defaults.imageModel")
        if active_model:
            _append_ref(result, supporting, active_model, "active-model", key="active model")

    def authenticated(pid: str) -> bool:
        if is_authenticated is not None:
            return is_authenticated(pid)
        ctx = ConfiguredContext(config, config.provider_config(pid), pid)
        hook = "resolve_auth" if callable(getattr(supporting[pid], "resolve_auth", None)) else "is_configured"
        return call_hook_bool(supporting[pid], hook, ctx, provider_id=pid)

    for pid in sorted(supporting, key=lambda pid: (_rank(supporting[pid], "auto_priority", capability), pid)):
        if any(s.provider_id == pid for s in result) or not authenticated(pid):
            continue
        defaults = _mapping(getattr(supporting[pid], "default_models", None))
        result.append(Selection(pid, _str(defaults.get(capability)), "auto"))
    return result


# -- image / video generation (§6, §7) ----------------------------------------------------------


def select_generation(
    config: OpenClawConfig,
    providers: Mapping[str, object],
    kind: Literal["image", "video"],
    *,
    model: str | None = None,
    timeout_ms: int | None = None,
    default_provider: str | None = None,
    agent_dir: Path | None = None,
) -> list[Selection]:
    """Per-call ``model`` (exact, no fallback) -> ``mediaModels.<kind>.primary`` -> its fallbacks ->
    auto: the default provider first, then provider-id order, configured providers only."""
    configured = config.media_model(kind)

    def timeout_for(pid: str) -> int | None:
        return (
            timeout_ms
            or (configured.timeout_ms if configured else None)
            or _positive_int(getattr(providers[pid], "default_timeout_ms", None))
        )

    if model:
        ref = parse_model_ref(model)
        pid = match_provider(providers, ref.provider)
        if pid is None:
            raise ModelRefError(
                f"{model!r}: no {kind}-generation provider {ref.provider!r}; registered: {_ids(providers)}"
            )
        return [Selection(pid, ref.model, "explicit", timeout_for(pid))]

    result: list[Selection] = []
    key = f"agents.defaults.mediaModels.{kind}"
    if configured is not None:
        refs = ([configured.primary] if configured.primary else []) + list(configured.fallbacks)
        for i, text in enumerate(refs):
            reason = "config" if i == 0 and configured.primary else "config-fallback"
            ref = _config_ref(text, key)
            pid = match_provider(providers, ref.provider)
            if pid is None:
                logger.warning("%s: %r names no registered %s-generation provider; skipped", key, text, kind)
            elif not any(s.provider_id == pid and s.model == ref.model for s in result):
                result.append(Selection(pid, ref.model, reason, timeout_for(pid)))

    first = match_provider(providers, default_provider) if default_provider else _text_default_provider(
        config, providers
    )
    ordered = sorted(providers, key=lambda pid: (pid != first, pid))
    for pid in ordered:
        if any(s.provider_id == pid for s in result):
            continue
        ctx = ConfiguredContext(config, config.provider_config(pid), pid, agent_dir=agent_dir)
        if call_hook_bool(providers[pid], "is_configured", ctx, provider_id=pid):
            result.append(Selection(pid, _default_model(providers[pid]), "auto", timeout_for(pid)))
    return result


# -- embeddings (§8.1) --------------------------------------------------------------------------


def select_embedding(
    config: OpenClawConfig, adapters: Mapping[str, object], *, agent_id: str | None = None
) -> EmbeddingSelection:
    """``memory.search.provider``: an adapter id, a custom ``models.providers.<id>`` whose ``api`` maps
    to an adapter, ``"none"`` (full-text only) or ``"auto"`` (legacy for ``"openai"``, the default).
    An unavailable explicit provider fails closed (ConfigError) unless ``fallback`` names one."""
    search = config.memory_search(agent_id)
    if search.get("enabled") is False:
        return EmbeddingSelection(None, None, "disabled")
    raw = _str(search.get("provider"))
    name = (raw or DEFAULT_EMBEDDING_PROVIDER).lower()
    if name == "auto":
        logger.info("memory.search.provider \"auto\" is legacy; using %r", DEFAULT_EMBEDDING_PROVIDER)
        name = DEFAULT_EMBEDDING_PROVIDER
    if name == "none":
        return EmbeddingSelection(None, None, "none")
    fallback_name = _str(search.get("fallback"))
    fallback = None if not fallback_name or fallback_name.lower() == "none" else fallback_name.lower()
    model = _str(search.get("model"))

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
    config: OpenClawConfig,
    *,
    model: str | None = None,
    agent_id: str | None = None,
    provider_aliases: Mapping[str, str] | None = None,
) -> list[Selection]:
    """A user pick is strict (one candidate); else the agent's, then the default ``model``
    (str or ``{primary, fallbacks}``), primary first."""
    if model:
        ref = resolve_text_model(config, model, provider_aliases=provider_aliases)
        return [Selection(ref.provider, ref.model, "explicit")]
    key, value = "agents.defaults.model", config.get("agents.defaults.model")
    if agent_id is not None and config.agent_entry(agent_id).get("model"):
        key, value = f"agents.entries.{agent_id}.model", config.agent_entry(agent_id)["model"]
    result: list[Selection] = []
    for i, text in enumerate(_model_list(value, key)):
        try:
            ref = resolve_text_model(config, text, provider_aliases=provider_aliases)
        except ModelRefError as exc:
            raise ConfigError(f"{key}: {exc}") from None
        result.append(Selection(ref.provider, ref.model, "config" if i == 0 else "config-fallback"))
    return result


# -- helpers ------------------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _rank(provider: object, attr: str, capability: str | None = None) -> float:
    """An ordering attribute (optionally per capability); unset sorts last."""
    value = getattr(provider, attr, None)
    if isinstance(value, Mapping):
        value = value.get(capability)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else math.inf


def _default_model(provider: object) -> str | None:
    return _str(getattr(provider, "default_model", None))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _ids(providers: Mapping[str, object]) -> str:
    return ", ".join(sorted(providers)) or "none"


def _capabilities(provider: object) -> tuple[str, ...]:
    caps = getattr(provider, "capabilities", None)
    return tuple(c for c in caps if isinstance(c, str)) if isinstance(caps, list | tuple | set) else ()


def _model_list(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Mapping):
        primary, fallbacks = value.get("primary"), value.get("fallbacks") or []
        if (primary is not None and not isinstance(primary, str)) or not isinstance(fallbacks, list):
            raise ConfigError(f"{key} must be a model ref or {{primary, fallbacks: [...]}}")
        items = ([primary] if primary else []) + fallbacks
        return [s.strip() for s in items if isinstance(s, str) and s.strip()]
    raise ConfigError(f"{key} must be a model ref or {{primary, fallbacks: [...]}}")


def _config_ref(text: str, key: str) -> ModelRef:
    try:
        return parse_model_ref(text)
    except ModelRefError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _append_ref(result: list[Selection], supporting: Mapping[str, object], text: str, reason: str, *,
                key: str) -> None:
    ref = _config_ref(text, key)
    pid = match_provider(supporting, ref.provider)
    if pid is not None and not any(s.provider_id == pid and s.model == ref.model for s in result):
        result.append(Selection(pid, ref.model, reason))


def _text_default_provider(config: OpenClawConfig, providers: Mapping[str, object]) -> str | None:
    try:
        refs = _model_list(config.get("agents.defaults.model"), "agents.defaults.model")
    except ConfigError:
        return None  # a broken text default is reported where it is used, not here
    if not refs or "/" not in refs[0]:
        return None
    return match_provider(providers, refs[0].partition("/")[0])
