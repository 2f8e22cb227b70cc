"""Prompt-cache markers for `anthropic/*` models (reference §6.2) and cache-TTL eligibility (§6.3).

Anthropic models on DeepInfra read Anthropic-style `cache_control` markers. Markers already in
the payload are stripped first so exactly the reference's breakpoints remain: the last tool, the
last non-empty text block of the first system message (the stable prefix) and of the last
user message. Never a `ttl`: short and long retention send the same ephemeral marker.

Unlike the reference, a trailing tool message is never marked: marking turns its content into a
list of parts, and DeepInfra answers 422 to a `role: tool` message whose content is a list.
"""

from __future__ import annotations

from typing import Any, Final

from openclaw_deepinfra.host.contracts.chat import CacheRetention

ANTHROPIC_PREFIX: Final = "anthropic/"
EPHEMERAL: Final = {"type": "ephemeral"}


def is_cache_ttl_eligible(model_id: str) -> bool:
    return model_id.strip().lower().startswith(ANTHROPIC_PREFIX)


def cache_retention(requested: CacheRetention | None) -> CacheRetention:
    """`none` and `long` as asked; anything else (unset, `short`) is `short`."""
    return requested if requested in ("none", "long") else "short"


def apply_cache_markers(body: dict[str, Any], requested: CacheRetention | None) -> None:
    """Mutates `body` (a wire payload) in place; no-op for models other than `anthropic/*`."""
    if not is_cache_ttl_eligible(str(body.get("model", ""))):
        return
    tools: list[dict[str, Any]] = body.get("tools") or []
    messages: list[dict[str, Any]] = body.get("messages") or []
    for tool in tools:
        tool.pop("cache_control", None)
    for message in messages:
        if isinstance(message.get("content"), list):
            for part in message["content"]:
                part.pop("cache_control", None)
    if cache_retention(requested) == "none":
        return
    if tools:
        tools[-1]["cache_control"] = dict(EPHEMERAL)
    first_system = next((m for m in messages if m.get("role") in ("system", "developer")), None)
    last_turn = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    for target in (first_system, last_turn):
        if target is not None:
            _mark_last_text(target)


def _mark_last_text(message: dict[str, Any]) -> None:
    content = message.get("content")
    if isinstance(content, str):
        if not content:
            return
        content = [{"type": "text", "text": content}]
        message["content"] = content
    if not isinstance(content, list):
        return
    for part in reversed(content):
        if part.get("type") == "text" and part.get("text"):
            part["cache_control"] = dict(EPHEMERAL)
            return
