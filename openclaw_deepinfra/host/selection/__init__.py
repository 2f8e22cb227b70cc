"""Which provider serves a surface (host-contracts §4, §5, §6, §7, §8.1, §11).

Every function takes the config and a ``{provider id: provider object}`` mapping (``providers_of``
builds it from a registry) and returns candidates in the order the host tries them. Provider hooks
are plugin code: one that raises counts as "not configured" and is logged, it never propagates.

The package splits by surface family: ``media`` (speech, media understanding, image / video
generation, with the ``ConfiguredContext`` and hook helpers they share) and ``models`` (embeddings,
text); ``common`` holds what both use (the ``Selection`` / ``EmbeddingSelection`` dataclasses,
``providers_of``, ``match_provider``).
"""
