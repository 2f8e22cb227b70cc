"""Walking the agent config's tree: dotted paths, provider ids matched as OpenClaw matches them,
and the deep merge a per-agent override uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MISSING: Any = object()


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
