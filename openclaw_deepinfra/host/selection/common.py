"""Shared pieces of provider selection: the candidate dataclasses, the ``ctx`` handed to provider
hooks, ``providers_of`` / ``match_provider`` / ``call_hook_bool`` and the small helpers every surface
family uses. Provider hooks are plugin code: one that raises counts as "not configured" and is logged,
it never propagates.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ConfigError, ModelRefError
from openclaw_deepinfra.host.refs import parse_model_ref

logger = logging.getLogger("openclaw.selection")


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
        logger.warning(
            "%s.%s must be sync; it returned an awaitable, treated as not configured", provider_id, hook
        )
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
