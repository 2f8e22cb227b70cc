"""What each DeepInfra embedding model can do, as data: output dimensions and input-type prefixes.

DeepInfra's OpenAI-compatible `/embeddings` has no `input_type` field, so asymmetric models get
the instruction prefixes their authors publish (queries and documents embedded differently).
Models without a row take texts as they are and accept no `dimensions` (bge-m3 answers 400 to it).

| family | dimensions | query / document prefix |
|---|---|---|
| Qwen/Qwen3-Embedding-* | 32..native (Matryoshka) | web-search instruction / none |
| BAAI/bge-m3, thenlper/gte-*, sentence-transformers/* | fixed | none |
| BAAI/bge-*-en(-v1.5) | fixed | "Represent this sentence …: " / none |
| intfloat/(multilingual-)e5-* | fixed | "query: " / "passage: " |
| intfloat/e5-mistral-7b-instruct | fixed | web-search instruction / none |
| nomic-ai/nomic-embed-text-* | fixed | "search_query: " / "search_document: " |
| google/embeddinggemma-* | fixed | "task: search result | query: " / "title: none | text: " |
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from openclaw_deepinfra.errors import RequestValidationError

InputKind: TypeAlias = Literal["query", "document"]

_WEB_SEARCH_INSTRUCTION: Final = (
    "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: "
)
_BGE_EN_QUERY: Final = "Represent this sentence for searching relevant passages: "


@dataclass(frozen=True)
class ModelTraits:
    native_dimensions: int | None = None
    min_dimensions: int | None = None
    """Set only for models that accept `dimensions`; the maximum is `native_dimensions`."""
    query_prefix: str = ""
    document_prefix: str = ""
    max_input_tokens: int | None = None
    """Used when the catalog row has no context length."""


def _qwen3(dims: int) -> ModelTraits:
    return ModelTraits(dims, 32, _WEB_SEARCH_INSTRUCTION, "", 32768)


# First match wins (matched case-insensitively against the whole model id, any `:version` kept off).
_TABLE: Final[tuple[tuple[re.Pattern[str], ModelTraits], ...]] = tuple(
    (re.compile(pattern, re.IGNORECASE), traits)
    for pattern, traits in (
        (r"qwen/qwen3-embedding-0\.6b", _qwen3(1024)),
        (r"qwen/qwen3-embedding-4b", _qwen3(2560)),
        (r"qwen/qwen3-embedding-8b", _qwen3(4096)),
        (r"baai/bge-m3(-multi)?", ModelTraits(1024, max_input_tokens=8192)),
        (r"baai/bge-large-en(-v1\.5)?", ModelTraits(1024, None, _BGE_EN_QUERY, "", 512)),
        (r"baai/bge-base-en(-v1\.5)?", ModelTraits(768, None, _BGE_EN_QUERY, "", 512)),
        (r"baai/bge-small-en(-v1\.5)?", ModelTraits(384, None, _BGE_EN_QUERY, "", 512)),
        (r"intfloat/e5-mistral-7b-instruct", ModelTraits(4096, None, _WEB_SEARCH_INSTRUCTION, "", 4096)),
        (r"intfloat/(multilingual-)?e5-large(-v2)?", ModelTraits(1024, None, "query: ", "passage: ", 512)),
        (r"intfloat/(multilingual-)?e5-base(-v2)?", ModelTraits(768, None, "query: ", "passage: ", 512)),
        (
            r"nomic-ai/nomic-embed-text-v1(\.5)?",
            ModelTraits(768, None, "search_query: ", "search_document: "),
        ),
        (
            r"google/embeddinggemma-300m",
            ModelTraits(768, None, "task: search result | query: ", "title: none | text: ", 2048),
        ),
        (r"thenlper/gte-large", ModelTraits(1024, max_input_tokens=512)),
        (r"thenlper/gte-base", ModelTraits(768, max_input_tokens=512)),
        (r"sentence-transformers/all-minilm-l(6|12)-v2", ModelTraits(384, max_input_tokens=256)),
        (r"sentence-transformers/all-mpnet-base-v2", ModelTraits(768, max_input_tokens=384)),
    )
)
_UNKNOWN: Final = ModelTraits()

# Host vocabulary (OpenClaw's inputType / queryInputType / documentInputType and common provider
# spellings) -> the two roles a retrieval model distinguishes.
_NAMES: Final[dict[InputKind, tuple[str, ...]]] = {
    "query": ("query", "search_query", "retrieval_query", "retrieval.query", "question"),
    "document": ("document", "search_document", "retrieval_document", "retrieval.passage", "passage", "doc"),
}
_KIND_BY_NAME: Final = {name: kind for kind, names in _NAMES.items() for name in names}
_ACCEPTED_HINT: Final = f"use one of: {', '.join(sorted(_KIND_BY_NAME))}"


def traits_for(model: str) -> ModelTraits:
    base = model.split(":", 1)[0].strip()
    for pattern, traits in _TABLE:
        if pattern.fullmatch(base):
            return traits
    return _UNKNOWN


def input_kind(value: object, *, where: str) -> InputKind | None:
    """The role named by a host input type, None when unset; an unknown name is a clear error."""
    if value is None:
        return None
    if not isinstance(value, str):  # a config file can hold anything at this key
        raise RequestValidationError(
            f"{where} must be an input type name (a string), not {type(value).__name__}",
            hint=_ACCEPTED_HINT,
        )
    if not value.strip():
        return None
    kind = _KIND_BY_NAME.get(value.strip().lower())
    if kind is None:
        raise RequestValidationError(
            f"{where} {value!r} is not an input type DeepInfra embeddings understand", hint=_ACCEPTED_HINT
        )
    return kind


def apply_prefix(texts: Sequence[str], traits: ModelTraits, kind: InputKind) -> list[str]:
    prefix = traits.query_prefix if kind == "query" else traits.document_prefix
    if not prefix:
        return texts if isinstance(texts, list) else list(texts)
    return [prefix + text for text in texts]


def resolve_dimensions(model: str, traits: ModelTraits, requested: int | None) -> int | None:
    """The `dimensions` to send (None = send nothing), or an error before any request."""
    if requested is None:
        return None
    if isinstance(requested, bool) or not isinstance(requested, int) or requested <= 0:
        raise RequestValidationError(
            f"embedding dimensions must be a positive whole number, got {requested!r}",
            hint="fix memory.search.outputDimensionality",
        )
    native = traits.native_dimensions
    if traits.min_dimensions is None:
        if native is not None and requested == native:
            return None  # what the model gives anyway; sending it would be a 400 on bge-m3
        gives = f"it always returns {native}" if native is not None else "its output size is fixed"
        raise RequestValidationError(
            f"model {model} cannot give {requested}-dimensional embeddings: {gives}",
            hint="remove memory.search.outputDimensionality, or pick a model that accepts `dimensions` "
            "(Qwen/Qwen3-Embedding-0.6B, -4B, -8B)",
        )
    high = native if native is not None else requested
    if not traits.min_dimensions <= requested <= high:
        raise RequestValidationError(
            f"model {model} gives between {traits.min_dimensions} and {high} dimensions, not {requested}",
            hint="set memory.search.outputDimensionality within that range",
        )
    return requested
