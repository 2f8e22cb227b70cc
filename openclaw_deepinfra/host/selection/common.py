"""What every surface family's selection shares: the candidate dataclasses, ``providers_of``,
``match_provider`` and the small helpers both ``media`` and ``models`` use."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openclaw_deepinfra.host.errors import ConfigError

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
        if (primary is not None and not isinstance(primary, str)) or not isinstance(fallbacks, list):
            raise ConfigError(f"{key} must be a model ref or {{primary, fallbacks: [...]}}")
        items = ([primary] if primary else []) + fallbacks
        return [s.strip() for s in items if isinstance(s, str) and s.strip()]
    raise ConfigError(f"{key} must be a model ref or {{primary, fallbacks: [...]}}")
