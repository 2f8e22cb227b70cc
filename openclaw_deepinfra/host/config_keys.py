"""The table of config keys renamed around 2026-07-22 (host-contracts §12): current <- older spellings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openclaw_deepinfra.host.contracts.protocols import MEDIA_CAPABILITIES

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


def find_alias(parts: tuple[str, ...]) -> KeyAlias | None:
    """The alias whose current key is ``parts`` or an ancestor of it (longest match)."""
    best: KeyAlias | None = None
    for alias in KEY_ALIASES:
        head = tuple(alias.current.split("."))
        if parts[: len(head)] == head and (best is None or len(head) > len(best.current.split("."))):
            best = alias
    return best
