"""Speech (§4), media understanding (§5) and image / video generation (§6, §7) selection; the
candidates and the helpers every selector shares are in ``selection``.

Provider hooks (``is_configured``, ``resolve_auth``) are plugin code: one that raises counts as "not
configured" and is logged, it never propagates.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.config_tree import provider_entry
from openclaw_deepinfra.host.errors import ConfigError, HostError, ModelRefError
from openclaw_deepinfra.host.refs import parse_model_ref
from openclaw_deepinfra.host.selection import (
    Selection,
    _default_model,
    _ids,
    _model_list,
    _str,
    logger,
    match_provider,
)

DEFAULT_TTS_TIMEOUT_MS = 30_000
_MEDIA_ENTRY_KEYS = frozenset({"type", "provider", "model", "capabilities"})


# -- the hook context and helpers the three share ----------------------------------------------


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
        logger.warning(
            "%s.%s must be sync; it returned an awaitable, treated as not configured", provider_id, hook
        )
        return False
    return bool(result)


def _rank(provider: object, attr: str, capability: str | None = None) -> float:
    """An ordering attribute (optionally per capability); unset sorts last."""
    value = getattr(provider, attr, None)
    if isinstance(value, Mapping):
        value = value.get(capability)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else math.inf


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _capabilities(provider: object) -> tuple[str, ...]:
    caps = getattr(provider, "capabilities", None)
    return tuple(c for c in caps if isinstance(c, str)) if isinstance(caps, list | tuple | set) else ()


def _append_ref(
    result: list[Selection],
    supporting: Mapping[str, object],
    text: str,
    reason: str,
    *,
    key: str,
    timeout: Callable[[str], int | None] = lambda _pid: None,
) -> bool:
    """Add the configured ref ``text`` (read from ``key``) unless it is there already; False when
    no provider in ``supporting`` serves it."""
    try:
        ref = parse_model_ref(text)
    except ModelRefError as exc:
        raise ConfigError(f"{key}: {exc}") from None
    pid = match_provider(supporting, ref.provider)
    if pid is None:
        return False
    if not any(s.provider_id == pid and s.model == ref.model for s in result):
        result.append(Selection(pid, ref.model, reason, timeout(pid)))
    return True


def _text_default_provider(config: OpenClawConfig, providers: Mapping[str, object]) -> str | None:
    try:
        refs = _model_list(config.get("agents.defaults.model"), "agents.defaults.model")
    except ConfigError:
        return None  # a broken text default is reported where it is used, not here
    if not refs or "/" not in refs[0]:
        return None
    return match_provider(providers, refs[0].partition("/")[0])


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
        base = dict(_mapping(provider_entry(tts.get("providers"), pid)))
        base.update(_mapping(provider_entry(persona_block.get("providers"), pid)))
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
        pid
        for pid in sorted(providers, key=lambda pid: (_rank(providers[pid], "auto_select_order"), pid))
        if call_hook_bool(
            providers[pid],
            "is_configured",
            ConfiguredContext(config, provider_config(pid), pid, timeout),
            provider_id=pid,
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
            logger.warning(
                "tools.media.models[%d]: provider %r is not registered; skipped", index, entry.get("provider")
            )
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
        for ref in _model_list(config.get("agents.defaults.imageModel"), "agents.defaults.imageModel"):
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
            if not _append_ref(result, providers, text, reason, key=key, timeout=timeout_for):
                logger.warning("%s: %r names no registered %s-generation provider; skipped", key, text, kind)

    first = (
        match_provider(providers, default_provider)
        if default_provider
        else _text_default_provider(config, providers)
    )
    for pid in sorted(providers, key=lambda pid: (pid != first, pid)):
        if any(s.provider_id == pid for s in result):
            continue
        ctx = ConfiguredContext(config, config.provider_config(pid), pid, agent_dir=agent_dir)
        if call_hook_bool(providers[pid], "is_configured", ctx, provider_id=pid):
            result.append(Selection(pid, _default_model(providers[pid]), "auto", timeout_for(pid)))
    return result
