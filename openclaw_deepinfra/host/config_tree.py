"""The agent config's tree: dotted paths, provider ids matched as OpenClaw matches them, the deep
merge a per-agent override uses, and the table of keys renamed around 2026-07-22 (host-contracts
§12): current <- older spellings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openclaw_deepinfra.host.contracts.protocols import MEDIA_CAPABILITIES

MISSING: Any = object()
MediaKind = Literal["image", "video", "music"]


@dataclass(frozen=True)
class KeyAlias:
    """One renamed key.

    ``shape`` says how an older value becomes the current one: ``"same"`` (moved as is),
    ``"list-by-id"`` (``agents.list[]`` -> ``agents.entries.<id>``) or ``"tagged-media"``
    (the three per-capability ``models`` lists -> one list tagged with ``capabilities``).
    """

    current: str
    older: tuple[str, ...]
    shape: Literal["same", "list-by-id", "tagged-media"] = "same"


KEY_ALIASES: tuple[KeyAlias, ...] = (
    KeyAlias("tts", ("messages.tts",)),
    KeyAlias("memory.search", ("agents.defaults.memorySearch", "memorySearch")),
    KeyAlias("agents.defaults.mediaModels.image", ("agents.defaults.imageGenerationModel",)),
    KeyAlias("agents.defaults.mediaModels.video", ("agents.defaults.videoGenerationModel",)),
    KeyAlias("agents.defaults.mediaModels.music", ("agents.defaults.musicGenerationModel",)),
    KeyAlias("agents.entries", ("agents.list",), "list-by-id"),
    KeyAlias(
        "tools.media.models",
        tuple(f"tools.media.{cap}.models" for cap in MEDIA_CAPABILITIES),
        "tagged-media",
    ),
)

# Per-agent spelling inside `agents.entries.<id>` (relative keys).
AGENT_MEMORY_SEARCH_OLD = "memorySearch"
AGENT_MEMORY_SEARCH = ("memory", "search")

# Not an alias: `models.providers.deepinfra.nativeBaseUrl`, which the reference's doctor migrates to
# `baseUrl`, is a live setting here (the native video route's base), so it is never reported as old.


def split(path: str | Sequence[str]) -> tuple[str, ...]:
    return tuple(path.split(".")) if isinstance(path, str) else tuple(path)


def provider_entry(providers: Any, provider_id: str) -> Any:
    """``providers[provider_id]`` with the id matched case-insensitively (``DeepInfra`` is
    ``deepinfra``, as OpenClaw normalises provider ids); an exact match wins. None when absent."""
    if not isinstance(providers, Mapping):
        return None
    if provider_id in providers:
        return providers[provider_id]
    wanted = provider_id.lower()
    return next((v for k, v in providers.items() if isinstance(k, str) and k.lower() == wanted), None)


def walk(node: Any, parts: Sequence[str]) -> Any:
    previous = None
    for part in parts:
        if not isinstance(node, Mapping):
            return MISSING
        if part in node:
            node = node[part]
        elif previous == "providers" and (found := provider_entry(node, part)) is not None:
            node = found  # a provider id under any `providers` block: case-insensitive
        else:
            return MISSING
        previous = part
    return MISSING if node is None else node


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def find_alias(parts: tuple[str, ...]) -> KeyAlias | None:
    """The alias whose current key is ``parts`` or an ancestor of it (longest match)."""
    matches = [a for a in KEY_ALIASES if parts[: a.current.count(".") + 1] == split(a.current)]
    return max(matches, key=lambda a: a.current.count("."), default=None)
