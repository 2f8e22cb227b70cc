"""Retry policy as pure functions: what is retryable, how long to wait, when to stop.

Retried: connect failures (nothing reached the server), a connection dropped before any response
byte (typically a stale keep-alive connection), 408, 429 and 5xx. Never retried: any other 4xx
(400/401/402/403/404/405/422 are the caller's to fix), anything after the first response byte
(the request was processed and possibly billed), and nothing beyond `max_retries`.

`retry_server_errors=False` keeps connect/429 retries but drops 408 and 5xx, whose request may
already have been processed: media job submits use it so a billed job is never submitted twice.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable
from dataclasses import dataclass

import httpx

__all__ = [
    "RETRYABLE_STATUSES",
    "RetryPolicy",
    "backoff_delay",
    "decide_retry",
    "parse_retry_after",
    "retryable_error",
    "retryable_status",
]

RETRYABLE_STATUSES = frozenset({408, 429})

# Errors raised before the request could have been processed: always safe to repeat.
_CONNECT_ERRORS: tuple[type[BaseException], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
# Errors that are only safe to repeat when no response byte arrived (server closed an idle
# keep-alive connection as we reused it); after a byte they mean a half-delivered answer.
_EARLY_DISCONNECT_ERRORS: tuple[type[BaseException], ...] = (httpx.RemoteProtocolError, httpx.ReadError)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 60.0
    retry_server_errors: bool = True

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.max_retry_after_s < 0:
            raise ValueError("retry delays must be >= 0")


def retryable_status(status: int) -> bool:
    """408, 429 and every 5xx; no other status is worth repeating unchanged."""
    return status in RETRYABLE_STATUSES or 500 <= status <= 599


def retryable_error(error: BaseException, *, stream_started: bool = False) -> bool:
    if isinstance(error, _CONNECT_ERRORS):
        return True
    return isinstance(error, _EARLY_DISCONNECT_ERRORS) and not stream_started


def decide_retry(
    policy: RetryPolicy,
    *,
    attempt: int,
    status: int | None = None,
    error: BaseException | None = None,
    stream_started: bool = False,
) -> bool:
    """Whether to repeat after attempt number `attempt` (0-based) failed with `status` or `error`.

    `stream_started` is true once any byte of the response body has been received.
    """
    if stream_started or attempt >= policy.max_retries:
        return False
    if error is not None:
        return retryable_error(error, stream_started=stream_started)
    if status is None:
        return False
    if not policy.retry_server_errors and status != 429:
        return False
    return retryable_status(status)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive result means the zone was absent
            return None
        return max(0.0, when.timestamp() - now)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def backoff_delay(
    policy: RetryPolicy, attempt: int, *, retry_after: float | None, rand: Callable[[], float]
) -> float:
    """Full-jitter exponential backoff; a server's Retry-After (capped) is the floor."""
    ceiling = min(policy.max_delay_s, policy.base_delay_s * (2.0 ** min(max(attempt, 0), 32)))
    delay = rand() * ceiling
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_retry_after_s))
    return delay
