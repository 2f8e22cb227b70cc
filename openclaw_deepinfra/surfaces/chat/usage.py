"""Token usage and cost of one chat call.

Cost: DeepInfra's own `usage.estimated_cost` when it sends one (it reflects the service tier
actually served, e.g. priority billed 1.5x); otherwise computed from the catalog's prices per
million tokens, with cached prompt tokens at the cache-read price; otherwise unknown (never 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard, TypeVar

from pydantic import BaseModel

from openclaw_deepinfra.host.contracts.chat import ChatCost, ChatUsage
from openclaw_deepinfra.surfaces.chat.model import ChatModel

_PER_MILLION = 1_000_000.0
M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


def trusted(cls: type[M], **values: Any) -> M:
    """`cls(**values)` without validation, for values this package built from checked types,
    every field given in declaration order. Validating them again cost more than the rest of a
    non-streamed answer's handling (issue 14); the host's own input is always validated, and
    tests/surfaces/chat/test_stream.py checks every result against its validated twin."""
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)  # strict models (`extra="forbid"`) keep no extras
    _set(model, "__pydantic_private__", None)
    return model


def parse_usage(raw: Any) -> tuple[ChatUsage, float | None] | None:
    """The usage object of a response or final chunk, and the reported cost if any."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        return None
    prompt = _int(raw.get("prompt_tokens"))
    completion = _int(raw.get("completion_tokens"))
    prompt_details = raw.get("prompt_tokens_details")
    details = raw.get("completion_tokens_details")
    cached = _int(prompt_details.get("cached_tokens")) if _is_map(prompt_details) else 0
    if not cached:
        cached = _int(raw.get("prompt_cache_hit_tokens"))  # DeepSeek's own spelling
    reasoning = _int(details.get("reasoning_tokens"), None) if _is_map(details) else None
    usage = trusted(
        ChatUsage,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=_int(raw.get("total_tokens"), default=prompt + completion) or prompt + completion,
        cached_tokens=min(cached, prompt) if prompt else cached,
        reasoning_tokens=reasoning,
    )
    reported = raw.get("estimated_cost")
    cost = float(reported) if isinstance(reported, int | float) and not isinstance(reported, bool) else None
    return usage, cost


def chat_cost(usage: ChatUsage | None, reported: float | None, model: ChatModel) -> ChatCost:
    if reported is not None:
        return ChatCost(usd=reported, source="reported")
    if usage is None or not model.cost_known:
        return ChatCost()
    prices = model.cost
    cache_read = prices.cache_read if prices.cache_read else prices.input
    uncached = max(usage.prompt_tokens - usage.cached_tokens, 0)
    usd = (
        uncached * prices.input + usage.cached_tokens * cache_read + usage.completion_tokens * prices.output
    ) / _PER_MILLION
    return ChatCost(usd=usd, source="catalog")


def _is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    # Absent and plain-dict details skip the `Mapping` ABC check, the slowest test of a usage line.
    return value is not None and (type(value) is dict or isinstance(value, Mapping))


def _int(value: Any, default: int | None = 0) -> Any:
    if type(value) is int:  # what json.loads makes: the common case first
        return value if value > 0 else 0
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and value.is_integer():
        return max(int(value), 0)
    return default
