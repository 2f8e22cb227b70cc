"""Which provider serves a surface (host-contracts §4, §5, §6, §7, §8.1, §11).

Every function takes the config and a ``{provider id: provider object}`` mapping (``providers_of``
builds it from a registry) and returns candidates in the order the host tries them. Provider hooks
are plugin code: one that raises counts as "not configured" and is logged, it never propagates.

The package splits by surface family: ``common`` (the ``Selection`` / ``EmbeddingSelection`` /
``ConfiguredContext`` dataclasses and the shared hook and lookup helpers), ``media`` (speech, media
understanding, image / video generation) and ``models`` (embeddings, text). Every public name is
re-exported here.
"""

from __future__ import annotations

from openclaw_deepinfra.host.selection.common import (
    ConfiguredContext,
    EmbeddingSelection,
    Selection,
    call_hook_bool,
    logger,
    match_provider,
    providers_of,
)
from openclaw_deepinfra.host.selection.media import (
    DEFAULT_TTS_TIMEOUT_MS,
    select_generation,
    select_media_understanding,
    select_speech,
)
from openclaw_deepinfra.host.selection.models import (
    DEFAULT_EMBEDDING_PROVIDER,
    EMBEDDING_ADAPTER_BY_API,
    select_embedding,
    select_text,
)

__all__ = [
    "DEFAULT_EMBEDDING_PROVIDER",
    "DEFAULT_TTS_TIMEOUT_MS",
    "EMBEDDING_ADAPTER_BY_API",
    "ConfiguredContext",
    "EmbeddingSelection",
    "Selection",
    "call_hook_bool",
    "logger",
    "match_provider",
    "providers_of",
    "select_embedding",
    "select_generation",
    "select_media_understanding",
    "select_speech",
    "select_text",
]
