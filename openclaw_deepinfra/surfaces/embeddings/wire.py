"""The `/embeddings` wire format: request body, and the answer checked and put in input order.

The answer is parsed once (`json.loads` in the HTTP layer); this module touches each item, never
each float, so a 1024 x 1024 answer costs a thousand dict lookups on top of the parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from openclaw_deepinfra.errors import MalformedResponseError

# DeepInfra rejects an explicit null (400) and the default may change: always say "float".
ENCODING_FORMAT: Final = "float"


@dataclass(frozen=True)
class EmbeddingsAnswer:
    vectors: list[list[float]]
    prompt_tokens: int | None
    total_tokens: int | None
    served_model: str | None


def build_payload(model: str, texts: list[str], dimensions: int | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"model": model, "input": texts, "encoding_format": ENCODING_FORMAT}
    if dimensions is not None:
        payload["dimensions"] = dimensions
    return payload


def _count(usage: Any, key: str) -> int | None:
    value = usage.get(key) if isinstance(usage, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def parse_answer(data: Any, expected: int, *, label: str, request_id: str | None = None) -> EmbeddingsAnswer:
    """Exactly `expected` vectors of one length, ordered by their `index` (answers may be shuffled)."""

    def bad(why: str) -> MalformedResponseError:
        return MalformedResponseError(f"{label}: {why}", request_id=request_id)

    if not isinstance(data, dict):
        raise bad("the answer is not a JSON object")
    items = data.get("data")
    if not isinstance(items, list):
        raise bad("the answer has no `data` list")
    if len(items) != expected:
        raise bad(f"expected {expected} embeddings, got {len(items)}")
    out: list[Any] = [None] * expected
    width = -1
    for position, item in enumerate(items):
        if type(item) is not dict:
            raise bad(f"item {position} is not an object")
        index = item.get("index", position)
        vector = item.get("embedding")
        if type(index) is not int or not 0 <= index < expected or out[index] is not None:
            raise bad(f"item {position} has a missing, repeated or out-of-range index {index!r}")
        if type(vector) is not list or not vector or type(vector[0]) not in (float, int):
            raise bad(f"item {position} has no numeric `embedding` list (was encoding_format honoured?)")
        if width != len(vector):
            if width != -1:
                raise bad(f"embeddings differ in length ({width} and {len(vector)})")
            width = len(vector)
        out[index] = vector
    usage = data.get("usage")
    model = data.get("model")
    return EmbeddingsAnswer(
        out,
        _count(usage, "prompt_tokens"),
        _count(usage, "total_tokens"),
        model if isinstance(model, str) else None,
    )
