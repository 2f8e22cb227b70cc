"""Splitting a large embedding batch into requests, each request's `/embeddings` body, and the
answers checked and put back in input order.

Pure functions. A request holds at most `MAX_INPUTS_PER_REQUEST` inputs (DeepInfra answers 422
above 1024) and at most `token_budget` estimated tokens. Requests are contiguous ranges of the
input, so reassembly is concatenation in range order, whatever order the answers arrived in.

Token estimate: UTF-8 bytes / 3, rounded up, plus one. Tokenizers for these models average about
four bytes per token on English and two to three on CJK text, so bytes / 3 over-estimates nearly
always: packing stays under the budget without shipping a tokenizer. The same over-estimate is why
an input above the model's context is not rejected here: it is sent alone, so if the server does
refuse it the failure names exactly that input.

The wire format: an answer is parsed once (`json.loads` in the HTTP layer); `parse_answer` touches
each item, never each float, so a 1024 x 1024 answer costs a thousand dict lookups on top of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from openclaw_deepinfra.errors import MalformedResponseError

MAX_INPUTS_PER_REQUEST: Final = 1024
# DeepInfra documents no per-request token cap for embeddings; OpenAI's is 300k. Staying under it
# keeps one request's work (and latency) bounded, and a few more requests cost nothing in a batch.
DEFAULT_REQUEST_TOKEN_BUDGET: Final = 300_000
# Floats per answer: 1024 inputs x 1024 dims (bge-m3) is one full request; wider models get fewer
# inputs per request so one answer stays ~20 MB of JSON and ~40 MB of Python floats.
MAX_VALUES_PER_REQUEST: Final = 1024 * 1024
BYTES_PER_TOKEN: Final = 3


def estimate_tokens(text: str) -> int:
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    return -(-size // BYTES_PER_TOKEN) + 1


def inputs_per_request(dimensions: int | None, *, limit: int = MAX_INPUTS_PER_REQUEST) -> int:
    """How many inputs one request may carry so its answer stays within `MAX_VALUES_PER_REQUEST`."""
    if dimensions is None or dimensions <= 0:
        return limit
    return max(1, min(limit, MAX_VALUES_PER_REQUEST // dimensions))


def plan_requests(
    token_counts: Sequence[int],
    *,
    max_inputs: int = MAX_INPUTS_PER_REQUEST,
    token_budget: int = DEFAULT_REQUEST_TOKEN_BUDGET,
    max_input_tokens: int | None = None,
) -> list[range]:
    """Contiguous ranges covering every index once, in order.

    A range closes when adding the next input would pass `max_inputs` or `token_budget`. An input
    estimated above `max_input_tokens` (or above the whole budget) travels alone.
    """
    if max_inputs < 1 or token_budget < 1:
        raise ValueError("max_inputs and token_budget must be >= 1")
    ranges: list[range] = []
    start = 0
    tokens = 0
    for index, count in enumerate(token_counts):
        alone = count > token_budget or (max_input_tokens is not None and count > max_input_tokens)
        if alone:
            if index > start:
                ranges.append(range(start, index))
            ranges.append(range(index, index + 1))
            start, tokens = index + 1, 0
            continue
        if index > start and (index - start >= max_inputs or tokens + count > token_budget):
            ranges.append(range(start, index))
            start, tokens = index, 0
        tokens += count
    if start < len(token_counts):
        ranges.append(range(start, len(token_counts)))
    return ranges


def reassemble(total: int, parts: Iterable[tuple[range, list[list[float]]]]) -> list[list[float]]:
    """One vector per input, in input order, from `(range, vectors)` pairs in any order."""
    ordered = sorted(parts, key=lambda part: part[0].start)
    out: list[list[float]] = []
    for rng, vectors in ordered:
        if rng.start != len(out) or len(vectors) != len(rng):
            raise ValueError(f"batch answers do not tile the input at {rng.start}")
        out.extend(vectors)
    if len(out) != total:
        raise ValueError(f"batch answers cover {len(out)} of {total} inputs")
    return out


def describe_ranges(ranges: Iterable[range]) -> str:
    """`0-1023, 2048, 3000-3071`: inclusive, merged where adjacent, for error messages."""
    merged: list[list[int]] = []
    for rng in sorted(ranges, key=lambda r: r.start):
        if not rng:
            continue
        if merged and merged[-1][1] + 1 == rng.start:
            merged[-1][1] = rng.stop - 1
        else:
            merged.append([rng.start, rng.stop - 1])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in merged)


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
